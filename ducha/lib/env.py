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


def sqlite_database(name: str) -> dict:
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
