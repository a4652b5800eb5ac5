"""Campaign lifecycle and target claiming against real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from campaigns.lifecycle import TransitionError, transition
from campaigns.targets import next_targets
from saikoku.core.tokyo import TOKYO

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday morning: calling hours


async def campaign_with_people(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    people: int,
    *,
    status: str = "running",
    with_phone: bool = True,
) -> tuple[uuid.UUID, uuid.UUID]:
    user_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv' || substr(md5(random()::text), 1, 8), '監督者', 'supervisor', 'x')"
        " returning id",
        tenant_id,
    )
    await pool.execute(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " select $1, g::text, '氏名' || g, '氏名' || g from generate_series(1, $2) g",
        tenant_id,
        people,
    )
    if with_phone:
        await pool.execute(
            "insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid,"
            " source) select tenant_id, id, 'mobile', '090', '+8190' || lpad(resident_number, 8,"
            " '0'), true, 'import' from persons where tenant_id = $1",
            tenant_id,
        )
    campaign_id = await pool.fetchval(
        "insert into campaigns (tenant_id, name, status, created_by)"
        " values ($1, 'テスト', $2, $3) returning id",
        tenant_id,
        status,
        user_id,
    )
    await pool.execute(
        "insert into campaign_targets (tenant_id, campaign_id, person_id, priority)"
        " select $1, $2, id, row_number() over () from persons where tenant_id = $1",
        tenant_id,
        campaign_id,
    )
    return campaign_id, user_id


async def claim(
    pool: asyncpg.Pool, campaign_id: uuid.UUID, n: int, worker: str, now: datetime = NOW
) -> list[uuid.UUID]:
    async with pool.acquire() as conn:
        return [t.person_id for t in await next_targets(conn, campaign_id, n, now, worker=worker)]


async def test_concurrent_claims_never_share_a_person(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 120)
    batches = await asyncio.gather(*(claim(pool, campaign_id, 10, f"w{i}") for i in range(8)))
    claimed = [p for batch in batches for p in batch]
    # A worker skips rows another is deciding on (SKIP LOCKED), so a round may hand out
    # fewer than asked; never the same person twice.
    assert 0 < len(claimed) <= 80
    assert len(set(claimed)) == len(claimed)
    while len(claimed) < 120:
        more = await claim(pool, campaign_id, 50, "late")
        assert more and not set(more) & set(claimed)
        claimed += more
    assert len(set(claimed)) == 120


async def test_paused_campaign_yields_no_targets(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    campaign_id, user_id = await campaign_with_people(pool, tenant_id, 5)
    async with pool.acquire() as conn:
        await transition(
            conn, tenant_id, campaign_id, "paused", changed_by=user_id, reason="昼休み"
        )
    assert await claim(pool, campaign_id, 5, "w") == []
    async with pool.acquire() as conn:
        await transition(conn, tenant_id, campaign_id, "running", changed_by=user_id)
    assert len(await claim(pool, campaign_id, 5, "w")) == 5


async def test_unused_claim_returns_after_its_lease(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 3)
    first = await claim(pool, campaign_id, 3, "crashed")
    assert len(first) == 3
    assert await claim(pool, campaign_id, 3, "other", NOW + timedelta(minutes=1)) == []
    again = await claim(pool, campaign_id, 3, "other", NOW + timedelta(minutes=3))
    assert sorted(again) == sorted(first)


async def test_policy_turns_away_the_recently_abandoned_and_the_unreachable(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 3)
    people = [
        r["id"]
        for r in await pool.fetch(
            "select id from persons where tenant_id = $1 order by resident_number::int", tenant_id
        )
    ]
    await pool.execute(
        "insert into call_attempts (tenant_id, person_id, dial_string, status, created_at,"
        " ended_at) values ($1, $2, 'PJSIP/x@trunk', 'abandoned', $3, $3)",
        tenant_id,
        people[0],
        NOW - timedelta(hours=20),
    )
    await pool.execute("delete from phones where person_id = $1", people[1])
    claimed = await claim(pool, campaign_id, 3, "w")
    assert claimed == [people[2]]
    rows = {
        r["person_id"]: r
        for r in await pool.fetch(
            "select person_id, state, next_attempt_at, excluded_reason from campaign_targets"
            " where campaign_id = $1",
            campaign_id,
        )
    }
    assert rows[people[0]]["state"] == "pending"
    assert rows[people[0]]["next_attempt_at"] >= NOW + timedelta(hours=52)
    assert (rows[people[1]]["state"], rows[people[1]]["excluded_reason"]) == (
        "excluded",
        "no_dialable_number",
    )


async def test_a_person_in_a_call_is_not_claimed_again(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    """Another campaign (or a manual call) has them on the line: wait until it ends."""
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 2)
    people = [
        r["id"]
        for r in await pool.fetch(
            "select id from persons where tenant_id = $1 order by resident_number::int", tenant_id
        )
    ]
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, person_id, dial_string, created_at)"
        " values ($1, $2, 'PJSIP/x@trunk', $3) returning id",
        tenant_id,
        people[0],
        NOW - timedelta(days=3),
    )
    assert await claim(pool, campaign_id, 2, "w") == [people[1]]
    await pool.execute(
        "update call_attempts set status = 'busy', ended_at = $2 where id = $1",
        attempt,
        NOW - timedelta(days=3),
    )
    assert await claim(pool, campaign_id, 2, "w") == [people[0]]


async def test_lifecycle_refuses_impossible_moves_and_records_each_one(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, user_id = await campaign_with_people(pool, tenant_id, 1, status="draft")
    async with pool.acquire() as conn:
        with pytest.raises(TransitionError, match="can move to: ready, stopped"):
            await transition(conn, tenant_id, campaign_id, "running", changed_by=user_id)
        for state in ("ready", "running", "paused", "completed"):
            await transition(conn, tenant_id, campaign_id, state, changed_by=user_id)
        with pytest.raises(TransitionError, match="finished"):
            await transition(conn, tenant_id, campaign_id, "running", changed_by=user_id)
    changes = await pool.fetch(
        "select from_status, to_status, changed_by from campaign_status_changes"
        " where campaign_id = $1 order by id",
        campaign_id,
    )
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("draft", "ready"),
        ("ready", "running"),
        ("running", "paused"),
        ("paused", "completed"),
    ]
    assert all(c["changed_by"] == user_id for c in changes)
