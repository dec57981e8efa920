"""Database triggers that make a table append-only, for SQLite and PostgreSQL, and the guard on the
audit chain's head row: never deleted, never moved back, always naming an event that exists."""

AUDIT_TABLES = ["core_auditevent"]
HEAD_TABLE = "core_auditchainhead"
GENESIS_HASH = "0" * 64


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


def create_sqlite_head_triggers(cursor) -> None:
    table = HEAD_TABLE
    cursor.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{table} cannot be deleted'); END;"
    )
    cursor.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{table}_genesis_only" BEFORE INSERT ON "{table}" '
        f"WHEN NEW.id != 1 OR NEW.seq != 0 OR NEW.hash != '{GENESIS_HASH}' "
        f"BEGIN SELECT RAISE(ABORT, '{table} starts at the genesis'); END;"
    )
    cursor.execute(
        f'CREATE TRIGGER IF NOT EXISTS "{table}_forward_only" BEFORE UPDATE ON "{table}" '
        f"WHEN NEW.id != OLD.id OR NEW.seq < OLD.seq OR NOT EXISTS "
        f"(SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.hash) "
        f"BEGIN SELECT RAISE(ABORT, '{table} only moves forward to an existing event'); END;"
    )


def drop_sqlite_head_triggers(cursor) -> None:
    for name in ("no_delete", "genesis_only", "forward_only"):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{HEAD_TABLE}_{name}"')


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


def create_postgresql_head_triggers(cursor) -> None:
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION dudao_audit_head_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '% cannot be deleted', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF TG_OP = 'INSERT' THEN
                IF NEW.id <> 1 OR NEW.seq <> 0 OR NEW.hash <> '{GENESIS_HASH}' THEN
                    RAISE EXCEPTION '% starts at the genesis', TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END IF;
            IF NEW.id <> OLD.id OR NEW.seq < OLD.seq OR NOT EXISTS (
                SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.hash
            ) THEN
                RAISE EXCEPTION '% only moves forward to an existing event', TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """
    )
    cursor.execute(f'DROP TRIGGER IF EXISTS "{HEAD_TABLE}_guard" ON "{HEAD_TABLE}"')
    cursor.execute(
        f'CREATE TRIGGER "{HEAD_TABLE}_guard" BEFORE INSERT OR UPDATE OR DELETE ON "{HEAD_TABLE}" '
        f"FOR EACH ROW EXECUTE FUNCTION dudao_audit_head_guard()"
    )


def drop_postgresql_head_triggers(cursor) -> None:
    cursor.execute(f'DROP TRIGGER IF EXISTS "{HEAD_TABLE}_guard" ON "{HEAD_TABLE}"')


def install(connection, tables=AUDIT_TABLES, *, head: bool = True) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            create_sqlite_triggers(cursor, tables)
            if head:
                create_sqlite_head_triggers(cursor)
        elif connection.vendor == "postgresql":
            create_postgresql_triggers(cursor, tables)
            if head:
                create_postgresql_head_triggers(cursor)


def uninstall(connection, tables=AUDIT_TABLES, *, head: bool = True) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            drop_sqlite_triggers(cursor, tables)
            if head:
                drop_sqlite_head_triggers(cursor)
        elif connection.vendor == "postgresql":
            drop_postgresql_triggers(cursor, tables)
            if head:
                drop_postgresql_head_triggers(cursor)
