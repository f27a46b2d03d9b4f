"""Append-only tables on PostgreSQL: a trigger refuses UPDATE and DELETE.

Used by the migrations of the publication chain and the audit log. (SQLite has no roles
to keep the application from dropping a trigger, and Django's test flush deletes rows
there; `ducha verify` and the audit page's chain check catch tampering on SQLite.)
"""

FUNCTION = """
CREATE OR REPLACE FUNCTION ducha_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ducha: % on % is refused: published records are append-only',
        TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""


def trigger_operations(table: str, trigger: str):
    """(forwards, backwards) for migrations.RunPython."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ducha_refuse_change()",
                params=None,
            )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}", params=None)

    return forwards, backwards
