"""Tenant separation in the database (migration 0014), on real PostgreSQL, as the service's
role: in a tenant's scope a query with no tenant filter finds that tenant's rows only and
cannot write another's; the tenant role with no tenant finds nothing; the service's own role
sees all; and every table with a tenant_id (but the access log) is covered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from store.db import create_pool, tenant_scope

APP_ROLE = "saikoku_app"


def _as_app(migrated_database: str) -> str:
    parts = urlsplit(migrated_database)
    return urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{parts.netloc.rsplit('@', 1)[-1]}"))


@pytest.fixture
async def app_pool(pool: asyncpg.Pool, migrated_database: str) -> AsyncIterator[asyncpg.Pool]:
    await pool.execute(f"alter role {APP_ROLE} login")  # as deploy/postgres.sh does on the rig
    app = await create_pool(_as_app(migrated_database), min_size=1, max_size=2)
    yield app
    await app.close()


async def _two_tenants(pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    ids = []
    for _ in range(2):
        tenant = await pool.fetchval(
            "insert into tenants (code, name) values ($1, 'rls') returning id",
            f"s{uuid.uuid4().hex[:12]}",
        )
        await pool.execute(
            "insert into persons (tenant_id, resident_number, name_raw, name)"
            " values ($1, 'R1', '分離 花子', '分離 花子')",
            tenant,
        )
        ids.append(tenant)
    return ids[0], ids[1]


async def test_a_query_that_forgets_its_tenant_filter_sees_only_its_tenant(
    pool: asyncpg.Pool, app_pool: asyncpg.Pool
) -> None:
    mine, theirs = await _two_tenants(pool)
    async with app_pool.acquire() as conn, tenant_scope(conn, mine):
        seen = {r["tenant_id"] for r in await conn.fetch("select tenant_id from persons")}
        assert seen == {mine}
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # the policy's check
            await conn.execute(
                "insert into persons (tenant_id, resident_number, name_raw, name)"
                " values ($1, 'R2', 'x', 'x')",
                theirs,
            )
        assert await conn.execute("update persons set name = 'x' where tenant_id = $1", theirs) == (
            "UPDATE 0"
        )
    # Out of the scope, the connection is the service's own again: every tenant.
    async with app_pool.acquire() as conn:
        seen = {r["tenant_id"] for r in await conn.fetch("select tenant_id from persons")}
        assert {mine, theirs} <= seen


async def test_the_tenant_role_with_no_tenant_sees_nothing(
    pool: asyncpg.Pool, app_pool: asyncpg.Pool
) -> None:
    await _two_tenants(pool)
    async with app_pool.acquire() as conn:
        await conn.execute("set role saikoku_tenant")
        try:
            assert await conn.fetchval("select count(*) from persons") == 0
        finally:
            await conn.execute("reset role")


async def test_every_tenant_table_is_covered(pool: asyncpg.Pool) -> None:
    uncovered = await pool.fetch(
        """
        select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'saikoku' and c.relkind = 'r' and c.relname <> 'audit_log'
           and exists (select 1 from pg_attribute a where a.attrelid = c.oid
                        and a.attname = 'tenant_id' and not a.attisdropped)
           and (not c.relrowsecurity
                or (select count(*) from pg_policy p where p.polrelid = c.oid) <> 2)
        """
    )
    assert [r["relname"] for r in uncovered] == []
