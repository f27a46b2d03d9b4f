"""Append-only tables: a trigger refuses UPDATE and DELETE, on PostgreSQL and on SQLite.

Installed by the migrations of the publication chain and the audit log, and again after
every migrate (a migration that rebuilds a table on SQLite drops its triggers). The
triggers stop the application, the admin and a careless hand; someone with the database's
own rights can still drop them, and `ducha verify` is what catches a change then.

Django's flush empties every table. PostgreSQL truncates, which row triggers never see;
SQLite deletes row by row, so its triggers refuse a flush unless they are `lifted()` for
it (the test suite does so for its transactional tests, in tests/conftest.py).
"""

from contextlib import contextmanager

# The append-only tables and the name of each one's trigger (fixed names: no input
# reaches the statements below).
TABLES = {
    "boards_publication": "publication_append_only",
    "audit_auditentry": "audit_entry_append_only",
}

FUNCTION = """
CREATE OR REPLACE FUNCTION ducha_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ducha: % on % is refused: published records are append-only',
        TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {trigger}_{event} BEFORE {EVENT} ON {table}
BEGIN
    SELECT RAISE(ABORT, 'ducha: {EVENT} on {table} is refused: published records are append-only');
END
"""
EVENTS = ("update", "delete")


def install(connection, table: str, trigger: str) -> None:
    """The trigger on `table`; safe to run again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(FUNCTION)
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            cursor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ducha_refuse_change()"
            )
        elif connection.vendor == "sqlite":
            for event in EVENTS:
                sql = SQLITE_TRIGGER.format(
                    trigger=trigger, event=event, EVENT=event.upper(), table=table
                )
                cursor.execute(sql)


def uninstall(connection, table: str, trigger: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        elif connection.vendor == "sqlite":
            for event in EVENTS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}_{event}")


def installed(connection, table: str, trigger: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [trigger])
            return cursor.fetchone()[0] == 1
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name IN (%s, %s)",
                [table, *(f"{trigger}_{event}" for event in EVENTS)],
            )
            return cursor.fetchone()[0] == len(EVENTS)
    return False


def trigger_operations(table: str, trigger: str):
    """(forwards, backwards) for migrations.RunPython."""

    def forwards(apps, schema_editor):
        install(schema_editor.connection, table, trigger)

    def backwards(apps, schema_editor):
        uninstall(schema_editor.connection, table, trigger)

    return forwards, backwards


def reinstall_after_migrate(table: str):
    """A post_migrate receiver that puts the trigger of `table` back when the table exists."""

    def receiver(sender, using, **kwargs):
        from django.db import connections

        connection = connections[using]
        if table in connection.introspection.table_names():  # not when migrated backwards
            install(connection, table, TABLES[table])

    return receiver


@contextmanager
def lifted(connection):
    """Every append-only trigger off on SQLite for the block, then back (a flush, or a test
    playing the intruder). PostgreSQL needs no lifting for a flush; see the module's note."""
    if connection.vendor != "sqlite":
        yield
        return
    present = set(connection.introspection.table_names())
    tables = {t: name for t, name in TABLES.items() if t in present}
    for table, trigger in tables.items():
        uninstall(connection, table, trigger)
    try:
        yield
    finally:
        for table, trigger in tables.items():
            install(connection, table, trigger)
