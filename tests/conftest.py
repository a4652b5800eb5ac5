"""Shared fixtures: settings, the real test database, and a guard on loop exceptions."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from saikoku.config.logs import configure_logging
from saikoku.config.settings import Settings, load_settings
from store import migrate
from store.db import create_pool, ensure_database

# Separate work trees on one machine can each run the suite against their own database.
TEST_DATABASE = os.environ.get("SAIKOKU_TEST_DATABASE", "saikoku_test")

# The fixtures below that need PostgreSQL; every other fixture that does (the web, PBX and
# browser tiers') depends on one of them.
DATABASE_FIXTURES = frozenset({"migrated_database", "pool", "tenant_id"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `db` every test whose fixtures reach the real database, so `-m "not db"` runs
    only the tests that need no PostgreSQL."""
    for item in items:
        if isinstance(item, pytest.Function) and not DATABASE_FIXTURES.isdisjoint(
            item.fixturenames
        ):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
async def fail_on_loop_exceptions() -> AsyncIterator[None]:
    """An exception nobody awaited (a crashed callback or task) fails the test that caused it."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield
    loop.set_exception_handler(previous)
    assert not seen, f"unhandled exceptions in the event loop: {seen}"


def _test_dsn(settings_dsn: str) -> str:
    parts = urlsplit(settings_dsn)
    return urlunsplit(parts._replace(path=f"/{TEST_DATABASE}"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The machine's settings (.env), pointed at the test database; the tests speak plain
    HTTP on loopback, so the session cookie is not Secure. The service under test connects
    as the machine's service role (saikoku_app where deploy/postgres.sh set it up), the
    fixtures below as the owner."""
    base = load_settings()
    owner = _test_dsn(base.migration_url)
    # The commands the tests run in-process load their settings anew: whatever URL a test
    # gives them, migrations and erasure must reach the test database too, never the
    # machine's own.
    os.environ["SAIKOKU_DATABASE_OWNER_URL"] = owner
    return load_settings(
        database_url=_test_dsn(base.database_url), database_owner_url=owner, web_cookie_secure=False
    )


@pytest.fixture(scope="session")
async def migrated_database(settings: Settings) -> str:
    """A fresh test database with every migration applied, once per session; its owner's
    URL, which the fixtures use to set up what they need."""
    parts = urlsplit(settings.migration_url)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'drop database if exists "{TEST_DATABASE}" with (force)')
    finally:
        await admin.close()
    await ensure_database(settings.migration_url)
    conn = await asyncpg.connect(settings.migration_url)
    try:
        await migrate.upgrade(conn)
    finally:
        await conn.close()
    return settings.migration_url


@pytest.fixture(scope="session")
async def pool(migrated_database: str) -> AsyncIterator[asyncpg.Pool]:
    db_pool = await create_pool(migrated_database, min_size=1, max_size=10)
    yield db_pool
    await db_pool.close()


@pytest.fixture
async def tenant_id(pool: asyncpg.Pool, request: pytest.FixtureRequest) -> uuid.UUID:
    # One tenant per test (parametrised cases included), stable across re-runs.
    code = "t_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    tenant: uuid.UUID = await pool.fetchval(
        "insert into tenants (code, name) values ($1, $2)"
        " on conflict (code) do update set name = excluded.name returning id",
        code,
        "テスト区 税務課",
    )
    return tenant


@pytest.fixture(scope="session", autouse=True)
def logging_configured() -> None:
    """The service's own logging set-up, once, as `saikoku` does at start."""
    configure_logging("console", "info")


@pytest.fixture
def json_logging() -> Iterator[None]:
    """Logging as the service runs it (JSON lines on stderr), for tests that read the lines."""
    configure_logging("json", "info")
    yield
    configure_logging("console", "info")
