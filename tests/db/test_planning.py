"""Planning preview and target writing on imported data (real PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from campaigns.lifecycle import TransitionError
from campaigns.linkage.importer import import_files
from campaigns.planning import Scope, plan, preview
from saikoku.core.tokyo import TOKYO
from store.db import foreign_key_checks_off
from tests.db.linkage_files import small_export

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)


async def draft_campaign(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> uuid.UUID:
    user_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv1', '監督者', 'supervisor', 'x') returning id",
        tenant_id,
    )
    campaign_id: uuid.UUID = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'R8 現年', $2)"
        " returning id",
        tenant_id,
        user_id,
    )
    return campaign_id


async def test_preview_counts_callers_letters_and_reasons(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    async with pool.acquire() as conn:
        counts = await preview(conn, tenant_id, Scope(), NOW)
        # 1001 owes resident tax and has a phone; 1002 owes but its only number is invalid;
        # 1003 is marked deceased.
        assert counts.as_dict() == {
            "candidates": 3,
            "to_call": 1,
            "letters": 1,
            "excluded": {"no_call_deceased": 1},
            "segments": {"resident/current": 1},
        }
        only_vehicle = await preview(conn, tenant_id, Scope(tax_types=("light_vehicle",)), NOW)
        assert only_vehicle.to_call == 0 and only_vehicle.excluded["settled"] == 1


async def test_plan_writes_targets_of_a_draft_campaign_only(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        summary = await plan(conn, tenant_id, campaign_id, Scope(), NOW)
        assert summary.to_call == 1
        rows = await conn.fetch(
            "select p.resident_number, t.state from campaign_targets t"
            " join persons p on p.id = t.person_id where t.campaign_id = $1",
            campaign_id,
        )
        assert [tuple(r) for r in rows] == [("1001", "pending")]
        await conn.execute("update campaigns set status = 'running' where id = $1", campaign_id)
        with pytest.raises(TransitionError, match="only a draft"):
            await plan(conn, tenant_id, campaign_id, Scope(), NOW)


# Persons rows some transaction locked or deleted: a foreign-key check locks each one it checks.
LOCKED_PERSONS = "select count(*) from persons where tenant_id = $1 and xmax <> 0"


async def planned(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, campaign_id: uuid.UUID
) -> list[str]:
    await plan(conn, tenant_id, campaign_id, Scope(), NOW)
    assert await conn.fetchval("show session_replication_role") == "origin"
    return [
        r["resident_number"]
        for r in await conn.fetch(
            "select p.resident_number from campaign_targets t join persons p on p.id = t.person_id"
            " where t.campaign_id = $1",
            campaign_id,
        )
    ]


async def test_plan_writes_without_checking_each_person_where_it_may(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """The tests' session may turn the checks off: nobody wrote persons, so the plan holds
    them and writes its targets unchecked, locking no person's row."""
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        assert await planned(conn, tenant_id, campaign_id) == ["1001"]
    assert await pool.fetchval(LOCKED_PERSONS, tenant_id) == 0


async def test_plan_keeps_the_checks_while_persons_are_written(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """An import writing persons is not waited for: the plan checks each target instead."""
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as importing, importing.transaction():
        await importing.execute("lock table persons in row exclusive mode")
        async with pool.acquire() as conn:
            assert await planned(conn, tenant_id, campaign_id) == ["1001"]
    assert await pool.fetchval(LOCKED_PERSONS, tenant_id) == 1


async def test_the_checks_stay_on_for_a_session_that_may_not_turn_them_off(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("set local role pg_monitor")  # neither superuser nor granted
        assert not await foreign_key_checks_off(conn)
        assert await conn.fetchval("show session_replication_role") == "origin"
