"""Database triggers that make a table append-only, for SQLite and PostgreSQL."""

AUDIT_TABLES = ["core_auditevent"]


def create_sqlite_triggers(cursor, tables) -> None:
    for table in tables:
        for verb in ("UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_no_{verb.lower()}" BEFORE {verb} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )


def drop_sqlite_triggers(cursor, tables) -> None:
    for table in tables:
        for verb in ("update", "delete"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_{"no_" + verb}"')


def create_postgresql_triggers(cursor, tables) -> None:
    cursor.execute(
        """
        CREATE OR REPLACE FUNCTION dudao_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    for table in tables:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        cursor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION dudao_append_only()"
        )


def drop_postgresql_triggers(cursor, tables) -> None:
    for table in tables:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')


def install(connection, tables=AUDIT_TABLES) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            create_sqlite_triggers(cursor, tables)
        elif connection.vendor == "postgresql":
            create_postgresql_triggers(cursor, tables)


def uninstall(connection, tables=AUDIT_TABLES) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            drop_sqlite_triggers(cursor, tables)
        elif connection.vendor == "postgresql":
            drop_postgresql_triggers(cursor, tables)
