"""Connection pool and the retry rule for writes that must not be lost."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import asyncpg
import structlog

from saikoku.core.errors import ConfigurationError
from saikoku.core.supervision import Backoff

log = structlog.get_logger(__name__)

T = TypeVar("T")

# What a query can run on: the pool (one statement, own transaction) or a held connection.
Executor: TypeAlias = "asyncpg.Pool | asyncpg.Connection"

SCHEMA = "saikoku"

# Errors that mean "the server or the connection went away", not "the query is wrong".
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)


async def create_pool(
    dsn: str, *, min_size: int = 2, max_size: int = 20, command_timeout: float = 30.0
) -> asyncpg.Pool:
    """The pool every part of the service uses. Batch work (imports) raises the per-statement
    deadline; the call path keeps it short."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        server_settings={"application_name": "saikoku", "search_path": f"{SCHEMA},public"},
    )


# The role a user's request takes on (migration 0014): it sees only the rows of the tenant in
# the setting saikoku.tenant_id.
TENANT_ROLE = "saikoku_tenant"


@contextlib.asynccontextmanager
async def tenant_scope(conn: asyncpg.Connection, tenant_id: UUID) -> AsyncIterator[None]:
    """Within the block the connection reads and writes only this tenant's rows (row-level
    security), whatever its queries forget."""
    may = await conn.fetchval(
        "select pg_has_role($1, 'member') from set_config('saikoku.tenant_id', $2::text, false)",
        TENANT_ROLE,
        str(tenant_id),
    )
    if not may:  # fail closed: never serve a user's request across tenants
        raise ConfigurationError(
            f"the service's database login may not act as {TENANT_ROLE}: grant it"
            f" (`grant {TENANT_ROLE} to <login>`; migration 0014 does for saikoku_app)"
        )
    await conn.execute(f"set role {TENANT_ROLE}")
    try:
        yield
    finally:
        try:
            await asyncio.shield(conn.execute("reset role; reset saikoku.tenant_id"))
        except BaseException:
            # A connection whose scope is unknown never goes back to the pool.
            conn.terminate()
            raise


# Statements of a large import or plan run for minutes, not the service's 30 s.
BATCH_STATEMENT_TIMEOUT_S = 1800.0


async def batch_pool(dsn: str) -> asyncpg.Pool:
    """A small pool for one command's batch work (import, plan, purge, benches)."""
    return await create_pool(dsn, min_size=1, max_size=2, command_timeout=BATCH_STATEMENT_TIMEOUT_S)


async def with_retry(
    operation: Callable[[], Awaitable[T]], *, what: str, give_up_after_s: float = 120.0
) -> T:
    """Run `operation`, retrying transient connection failures with back-off.

    Used for writes that record what already happened on the PBX (an answer, a hangup):
    a database restart must delay them, not lose them.
    """
    backoff = Backoff(base=0.2, cap=5.0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_after_s
    while True:
        try:
            return await operation()
        except TRANSIENT_ERRORS as exc:
            if loop.time() >= deadline:
                raise
            delay = backoff.next_delay()
            log.warning("db_retry", what=what, delay_s=round(delay, 2), error=type(exc).__name__)
            await asyncio.sleep(delay)


async def ensure_database(dsn: str) -> bool:
    """Create the DSN's database when missing (connecting to the server's `postgres` db)."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
        raise ConfigurationError(
            f"SAIKOKU_DATABASE_URL: database name {name!r} is not a plain name"
        )
    admin_dsn = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin_dsn)
    try:
        if await conn.fetchval("select 1 from pg_database where datname = $1", name):
            return False
        await conn.execute(f'create database "{name}"')
        return True
    finally:
        await conn.close()


async def foreign_key_checks_off(conn: asyncpg.Connection) -> bool:
    """Turn the foreign-key checks (with every other trigger) off for the rest of the
    transaction, where the session may: superuser, or GRANT SET ON PARAMETER
    session_replication_role. Returns whether it could. The caller vouches for every
    reference it writes meanwhile, and calls `foreign_key_checks_on` when done."""
    try:
        async with conn.transaction():  # a savepoint: a refusal leaves the transaction usable
            await conn.execute("set local session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        return False
    return True


async def foreign_key_checks_on(conn: asyncpg.Connection) -> None:
    await conn.execute("set local session_replication_role = default")
