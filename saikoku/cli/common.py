"""What the command modules share: a batch pool for one command, run against one tenant,
answering JSON (so the same answers serve a script and the supervisor console)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar
from uuid import UUID

import asyncpg

from saikoku.config.settings import Settings
from store.accounts import tenant_id_for
from store.db import batch_pool

T = TypeVar("T")

# argparse keeps this class private; every command module registers through it.
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def with_pool(
    settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]], *, as_owner: bool = False
) -> T:
    """Run `work` on a batch pool opened for it and closed after it: as the service's role,
    or `as_owner` (the schema's owner) for the few commands that must act on the whole
    database — erasure deletes across every table and vacuums them."""

    async def go() -> T:
        pool = await batch_pool(settings.migration_url if as_owner else settings.database_url)
        try:
            return await work(pool)
        finally:
            await pool.close()

    return asyncio.run(go())


def run_in_tenant(
    settings: Settings, work: Callable[[asyncpg.Connection, UUID], Awaitable[Any]], tenant: str
) -> int:
    """Run `work` on one connection for the tenant with this code; print its answer as JSON."""

    async def go(pool: asyncpg.Pool) -> Any:
        tenant_id = await tenant_id_for(pool, tenant)
        async with pool.acquire() as conn:
            return await work(conn, tenant_id)

    print(json.dumps(with_pool(settings, go), ensure_ascii=False, default=str))
    return 0
