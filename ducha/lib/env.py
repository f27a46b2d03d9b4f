"""Small typed readers for settings that come from the environment."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(Exception):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r}: expected a boolean (1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_points(name: str, default: dict[str, int]) -> dict[str, int]:
    """horse=100,ox=80,ostrich=50,snail=0 — every rating must be given."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return dict(default)
    points = {}
    for part in raw.split(","):
        key, _, value = part.partition("=")
        try:
            points[key.strip()] = int(value)
        except ValueError:
            raise ConfigError(f"{name}={raw!r}: expected rating=points pairs") from None
    if set(points) != set(default):
        raise ConfigError(f"{name}={raw!r}: give points for exactly {', '.join(default)}")
    return points


def database_from_url(url: str, base_dir: Path) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry.

    sqlite:///var/ducha.sqlite3 (relative to the project) or sqlite:////abs/path;
    postgres://user:password@host:port/name?sslmode=require.
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:////abs/path is absolute; sqlite:///var/x is relative to the project.
        name = path[1:] if path.startswith("//") else str(base_dir / path.lstrip("/"))
        return sqlite_database(name)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": options.pop("test_name", None)},
        }
    raise ConfigError(f"DATABASE_URL={url!r}: scheme must be sqlite or postgres")


def private_dir(path: Path, tighten: bool = False) -> Path:
    """A directory only its owner may enter (0700) when created; with `tighten`, an existing
    one of ours loses its group and other permissions too.

    The database, the evidence files and the secret key live under var/; nobody else on
    the machine should read them, whatever the umask or the checkout made of the folder.
    Only folders that are Ducha's own are tightened: a parent such as /tmp never is.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if tighten:
        _tighten(path)
    return path


def private_file(path: Path) -> Path:
    """A file only its owner may read (0600): created empty so, or tightened if ours."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        _tighten(path)
    return path


def _tighten(path: Path) -> None:
    """Take group and other permissions away from a file or directory we own."""
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o077:
        path.chmod(info.st_mode & 0o700)


def sqlite_database(name: str) -> dict:
    if not name.startswith((":", "file:")):
        # SQLite would create it with the umask's mode (world-readable); its -wal and -shm
        # files take the database file's mode, so one private file keeps all three so.
        private_dir(Path(name).parent)
        for suffix in ("", "-wal", "-shm"):
            if suffix == "" or Path(name + suffix).exists():
                private_file(Path(name + suffix))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        # Keep the connection: opening one costs more than most of our queries.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
            # timeout instead of one failing half-way with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }
