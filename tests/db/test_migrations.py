import asyncpg
import pytest

from store import migrate
from store.migrate import Migration, MigrationError


async def test_upgrade_is_idempotent(migrated_database: str) -> None:
    conn = await asyncpg.connect(migrated_database)
    try:
        assert await migrate.upgrade(conn) == []
        assert await migrate.pending_versions(conn) == []
        versions = await conn.fetch("select version from saikoku.schema_migrations order by 1")
        assert [r["version"] for r in versions] == [m.version for m in migrate.bundled_migrations()]
    finally:
        await conn.close()


async def test_failed_migration_rolls_back_and_is_not_recorded(migrated_database: str) -> None:
    conn = await asyncpg.connect(migrated_database)
    broken = Migration("9000", "broken", "create table saikoku.half_done (x int); select 1/0;")
    try:
        with pytest.raises(asyncpg.exceptions.DivisionByZeroError):
            await migrate.upgrade(conn, [*migrate.bundled_migrations(), broken])
        assert await conn.fetchval("select to_regclass('saikoku.half_done')") is None
        assert await conn.fetchval(
            "select count(*) from saikoku.schema_migrations where version = '9000'"
        ) == 0
    finally:
        await conn.close()


async def test_edited_applied_migration_is_refused(migrated_database: str) -> None:
    conn = await asyncpg.connect(migrated_database)
    first = migrate.bundled_migrations()[0]
    edited = Migration(first.version, first.name, first.sql + "\n-- edited")
    try:
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate.upgrade(conn, [edited])
    finally:
        await conn.close()


async def test_audit_log_is_append_only(pool: asyncpg.Pool, tenant_id: object) -> None:
    row_id = await pool.fetchval(
        "insert into audit_log (tenant_id, action) values ($1, 'login') returning id", tenant_id
    )
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
        await pool.execute("update audit_log set action = 'x' where id = $1", row_id)
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
        await pool.execute("delete from audit_log where id = $1", row_id)
