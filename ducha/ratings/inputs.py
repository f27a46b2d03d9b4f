"""The version of everything a month's rating reads, kept by the database itself.

Triggers on the tasks, nodes, progress rows and overrides move it on every write, whatever
wrote (the importers, the report workflow, the admin, a bulk update, raw SQL), so a month's
ratings can be kept in memory while the version stands still.

- SQLite has one writer at a time: each changed row adds one to `InputsVersion.version`.
- PostgreSQL runs writers side by side: a shared counter row would make them queue on its
  lock (and could deadlock an import against an approval), so each writing statement
  inserts a row into `InputsChange` instead; the version is the base in `InputsVersion`
  plus the number of those rows. `compact()` (run by `ducha tick`) folds the rows into the
  base, leaving the version as it was.

Read in autocommit only: inside a transaction the version may include uncommitted writes.
"""

from __future__ import annotations

from django.db import connection, transaction

TABLES = ("ledger_task", "ledger_node", "ledger_progress", "ratings_override")
VERSION = "ratings_inputsversion"
CHANGE = "ratings_inputschange"

# Fixed names only (no input reaches these statements).
SQLITE_TRIGGER = f"""
CREATE TRIGGER IF NOT EXISTS ratings_inputs_{{table}}_{{event}} AFTER {{event}} ON {{table}}
BEGIN UPDATE {VERSION} SET version = version + 1 WHERE id = 1; END
"""  # noqa: S608
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ducha_rating_inputs_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO {CHANGE} DEFAULT VALUES;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER ratings_inputs_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION ducha_rating_inputs_changed()
"""


TRIGGERS = {"sqlite": 3 * len(TABLES), "postgresql": len(TABLES)}


def install(db) -> None:
    """The triggers, as the migration made them, on the connection `db`. Safe to run again:
    after every migrate (a migration that rebuilds one of the tables on SQLite drops its
    triggers). Plain statements, so it also runs inside a transaction."""
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            for table in TABLES:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(SQLITE_TRIGGER.format(table=table, event=event))
        elif db.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS ratings_inputs_{table} ON {table}")
                cursor.execute(POSTGRES_TRIGGER.format(table=table))


def installed() -> bool:
    """Are all the triggers there? Without them the version would not move."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'ratings_inputs_%'"
            )
        elif vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'ratings_inputs_%'")
        else:
            return False
        return cursor.fetchone()[0] == TRIGGERS[vendor]


_checked: dict[str, bool] = {}  # per database alias, once per process


def uninstall(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS ratings_inputs_{table}_{event}", None
                )
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS ratings_inputs_{table} ON {table}", None)


def version() -> int | None:
    """The committed version, or None when it cannot be trusted (inside a transaction, on
    another database, or when its row is gone, as after a test flush)."""
    if connection.in_atomic_block:
        return None
    if connection.alias not in _checked:
        _checked[connection.alias] = installed()
    if not _checked[connection.alias]:
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT version FROM {VERSION} WHERE id = 1")  # noqa: S608
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT version + (SELECT count(*) FROM {CHANGE}) FROM {VERSION} WHERE id = 1"  # noqa: S608
            )
        else:
            return None
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def compact() -> int:
    """PostgreSQL: fold the change rows into the base; the version stays the same."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {CHANGE} RETURNING 1) "  # noqa: S608
            f"UPDATE {VERSION} SET version = version + (SELECT count(*) FROM gone) WHERE id = 1 "
            "RETURNING (SELECT count(*) FROM gone)"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def forget_checks() -> None:
    _checked.clear()
