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
        assert (
            await conn.fetchval(
                "select count(*) from saikoku.schema_migrations where version = '9000'"
            )
            == 0
        )
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


async def test_every_foreign_key_has_an_index_its_checks_can_use(pool: asyncpg.Pool) -> None:
    """Deleting a row (a whole tenant at contract end) checks or cascades into every table
    that references it; without an index on the referencing columns each check is a scan
    of the whole child table, once per deleted row."""
    keys = await pool.fetch("""
        select c.conrelid::regclass::text as tbl, c.conname,
               array(select a.attname from unnest(c.conkey) k
                     join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k) as cols
          from pg_constraint c
         where c.contype = 'f' and c.connamespace = 'saikoku'::regnamespace""")
    assert len(keys) > 50
    indexes = await pool.fetch("""
        select i.indrelid::regclass::text as tbl,
               array(select coalesce(a.attname, '') from unnest(i.indkey) with ordinality k(n, o)
                     left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n
                     order by k.o) as cols,
               pg_get_expr(i.indpred, i.indrelid) as predicate
          from pg_index i join pg_class t on t.oid = i.indrelid
         where t.relnamespace = 'saikoku'::regnamespace""")

    def serves(index: asyncpg.Record, cols: list[str]) -> bool:
        prefix = []
        for col in index["cols"]:
            if col not in cols:
                break
            prefix.append(col)
        if not [c for c in prefix if c != "tenant_id"]:
            return False
        predicate = index["predicate"]
        return predicate is None or any(predicate == f"({c} IS NOT NULL)" for c in cols)

    # A reference to tenants alone is checked once per erased tenant (one DELETE per table),
    # not once per row: those may scan.
    missing = [
        f"{k['tbl']}.{k['conname']} ({', '.join(k['cols'])})"
        for k in keys
        if list(k["cols"]) != ["tenant_id"]
        and not any(serves(i, list(k["cols"])) for i in indexes if i["tbl"] == k["tbl"])
    ]
    assert missing == []
