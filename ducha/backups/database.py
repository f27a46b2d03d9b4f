"""The database's side of a backup: a consistent copy out, and that copy back in, per vendor.

SQLite is copied with its online backup API, PostgreSQL with `pg_dump --format=custom`; both
give one consistent moment while the app keeps running.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, suppress
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
DUMP_NAMES = {"sqlite": "ducha.sqlite3", "postgresql": "ducha.pgdump"}
# libpq reads these from the environment, so no password ever reaches a command line.
PG_ENVIRONMENT = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "NAME": "PGDATABASE"}
PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
# SQLite result codes for a file that is not (or no longer) a database.
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26


class DatabaseCopyError(Exception):
    pass


def vendor() -> str:
    return connections["default"].vendor


def vendor_name(name: str) -> str:
    return VENDOR_NAMES.get(name, name)


def describe() -> str:
    """The live database in words, for the confirmation question."""
    db = settings.DATABASES["default"]
    if vendor() == "sqlite":
        return f"SQLite 数据库 {db['NAME']}"
    return f"PostgreSQL 数据库 {db['NAME']}（{db.get('HOST') or '本机'}）"


def applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections["default"])
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def unknown_migrations(archived: dict[str, list[str]]) -> list[str]:
    """Migrations recorded in a copy that this program does not have (a newer version's)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in archived.items()
        for name in names
        if (app, name) not in known
    ]


def pending_migrations() -> bool:
    connection = connections["default"]
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def staging_parent() -> Path | None:
    """Where a copy waits before it goes in: beside an SQLite file, so it can be renamed."""
    return _sqlite_path().parent if vendor() == "sqlite" else None


def dump(folder: Path) -> Path:
    """A consistent copy of the live database, written into `folder`."""
    target = folder / DUMP_NAMES[vendor()]
    if vendor() == "sqlite":
        _dump_sqlite(target)
    elif vendor() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"])
    else:
        raise DatabaseCopyError(f"不支持备份 {vendor()} 数据库")
    target.chmod(0o600)
    return target


def load(copy: Path) -> None:
    """Replace the live database with `copy` as one transaction: all of it or none."""
    connections.close_all()
    if vendor() == "sqlite":
        _load_sqlite(copy)
    else:
        _load_postgresql(copy)
    connections.close_all()


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise DatabaseCopyError("内存中的 SQLite 数据库无法备份或恢复")
    return Path(name)


def _dump_sqlite(target: Path) -> None:
    live = _sqlite_path()
    if not live.is_file():
        raise DatabaseCopyError(f"{live}：数据库文件不存在")
    try:
        with (
            closing(sqlite3.connect(live, timeout=20)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
            # The copy stands alone: without this it would say WAL and look for a -wal file.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as e:
        raise DatabaseCopyError(f"{live}：SQLite 无法读出数据库（{e}）") from None


def check_copy(copy: Path) -> None:
    """An SQLite copy must open and pass SQLite's own check before it replaces anything."""
    if vendor() != "sqlite":
        return  # pg_restore reads the dump inside the restoring transaction
    try:
        with closing(sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise DatabaseCopyError(f"备份中的数据库无法打开（{e}）") from None
    if result != "ok":
        raise DatabaseCopyError(f"备份中的数据库未通过 SQLite 检查：{result}")


def _load_sqlite(copy: Path) -> None:
    live = _sqlite_path()
    live.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The backup API writes the copy into the live file as one SQLite transaction, through
        # its WAL and under its locks: a server that still has the file open sees the old
        # database or the new one, never a mixture, and no stale -wal is replayed over it.
        with (
            closing(sqlite3.connect(copy)) as source,
            closing(sqlite3.connect(live, timeout=20)) as target,
        ):
            source.backup(target)
        live.chmod(0o600)
    except sqlite3.OperationalError as e:
        raise DatabaseCopyError(f"{live}：数据库正被占用（{e}）；停止应用服务器后再恢复") from None
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorcode", None) not in (SQLITE_CORRUPT, SQLITE_NOTADB):
            raise DatabaseCopyError(f"{live}：无法写入数据库（{e}）") from None
        # The live file is too damaged for SQLite to write into, so nothing can be using it:
        # replace the file itself. Its -wal and -shm go first, or SQLite would replay the
        # damaged database's log over the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        os.replace(copy, live)


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in PG_ENVIRONMENT.items():
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in PG_OPTIONS.items():
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DatabaseCopyError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install "
            "postgresql-client），其主版本不得低于数据库服务器"
        )
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
        [_tool(command[0]), *command[1:]],
        env=_pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DatabaseCopyError(f"{command[0]} 失败：{result.stderr.strip()}")


# Everything the application owns lives in schema public; the copy replaces it whole, so
# tables a newer migration added do not linger beside the restored ones.
PG_BEGIN = b"""SET client_min_messages = warning;
BEGIN;
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
GRANT USAGE ON SCHEMA public TO PUBLIC;
"""


def _load_postgresql(copy: Path) -> None:
    """pg_restore writes SQL, psql runs it in one transaction that commits only at the end.

    COMMIT is sent only when pg_restore has read the whole dump: if it stops half-way, psql
    reaches the end of its input inside the transaction and the server rolls it back.
    """
    env = _pg_environment()
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        restore = subprocess.Popen(  # noqa: S603 — fixed arguments, no shell
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(copy)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        psql = subprocess.Popen(  # noqa: S603
            [_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        assert restore.stdout is not None and psql.stdin is not None
        try:
            psql.stdin.write(PG_BEGIN)
            shutil.copyfileobj(restore.stdout, psql.stdin)
            if restore.wait() == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error; its message says which
        finally:
            restore.stdout.close()
            with suppress(BrokenPipeError):
                psql.stdin.close()
        restored, committed = restore.wait(), psql.wait()
        if restored != 0 or committed != 0:
            restore_errors.seek(0)
            psql_errors.seek(0)
            said = (restore_errors.read() + psql_errors.read()).decode(errors="replace").strip()
            raise DatabaseCopyError(f"PostgreSQL 恢复失败，数据库未改动：{said}")
