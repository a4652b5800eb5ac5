"""The service's database role (migration 0013), on real PostgreSQL: saikoku_app writes the
business tables and adds to the access log, but cannot change or remove a log row, empty the
log, turn its triggers off, alter the schema or record a migration."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from campaigns.linkage.importer import import_files
from store import audit
from store.db import create_pool
from tests.db.linkage_files import small_export

APP_ROLE = "saikoku_app"


@pytest.fixture
async def as_app(pool: asyncpg.Pool, migrated_database: str) -> AsyncIterator[asyncpg.Connection]:
    # deploy/postgres.sh gives the role LOGIN on the rig; a machine set up before it, here.
    await pool.execute(f"alter role {APP_ROLE} login")
    parts = urlsplit(migrated_database)
    host = parts.netloc.rsplit("@", 1)[-1]
    conn = await asyncpg.connect(
        urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{host}")),
        server_settings={"search_path": "saikoku,public"},
    )
    yield conn
    await conn.close()


async def test_the_service_role_owns_nothing(as_app: asyncpg.Connection) -> None:
    assert await as_app.fetchval("select current_user") == APP_ROLE
    assert not await as_app.fetchval(
        "select rolsuper or rolcreaterole or rolcreatedb from pg_roles where rolname = $1",
        APP_ROLE,
    )
    owned = await as_app.fetchval(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'saikoku' and pg_get_userbyid(c.relowner) = $1",
        APP_ROLE,
    )
    assert owned == 0


async def test_it_writes_business_rows_and_adds_to_the_access_log(
    as_app: asyncpg.Connection,
) -> None:
    async with as_app.transaction():
        tenant = await as_app.fetchval(
            "insert into tenants (code, name) values ($1, 'role test') returning id",
            f"r{uuid.uuid4().hex[:12]}",
        )
        await as_app.execute("update tenants set name = 'renamed' where id = $1", tenant)
        await audit.record(as_app, audit.Actor(tenant, None, "app"), "role_test")
    assert (
        await as_app.fetchval(
            "select count(*) from audit_log where tenant_id = $1 and action = 'role_test'", tenant
        )
        == 1
    )


@pytest.mark.parametrize(
    "statement",
    [
        "update audit_log set reason = 'edited'",
        "delete from audit_log",
        "truncate audit_log",
        "alter table audit_log disable trigger user",
        "alter table audit_log disable trigger audit_log_chain",
        "drop trigger audit_log_no_update_delete on audit_log",
        "create table saikoku.shadow (id int)",
        "insert into schema_migrations (version, name, checksum) values ('9999', 'x', 'x')",
    ],
)
async def test_it_cannot_rewrite_the_log_or_the_schema(
    as_app: asyncpg.Connection, statement: str
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
        await as_app.execute(statement)
    # Refused by its privileges, not merely by the append-only trigger.
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


async def test_it_imports_the_wards_files(
    pool: asyncpg.Pool, migrated_database: str, tmp_path: Path, tenant_id: uuid.UUID
) -> None:
    # The import copies into tables under row-level security: the role bypasses it
    # (migration 0014), or PostgreSQL refuses the COPY.
    await pool.execute(f"alter role {APP_ROLE} login")
    parts = urlsplit(migrated_database)
    app = await create_pool(
        urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{parts.netloc.rsplit('@', 1)[-1]}")),
        min_size=1,
        max_size=2,
    )
    try:
        result = await import_files(app, tenant_id, small_export(tmp_path), imported_by="t")
    finally:
        await app.close()
    assert result.ok, result.errors
