"""Preview claims against real PostgreSQL: an operator holds one person at a time until they
dial or skip them; a skip needs a reason, puts the person back and is access-logged with it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest

from campaigns.dialing import claim_for_operator, mark_in_call, release_claim
from campaigns.targets import Target
from saikoku.core.errors import Conflict
from store import audit
from tests.db.test_campaign_targets import NOW, campaign_with_people


async def ask(
    pool: asyncpg.Pool, campaign_id: uuid.UUID, worker: str, at: timedelta = timedelta()
) -> Target | None:
    async with pool.acquire() as conn:
        return await claim_for_operator(conn, [campaign_id], NOW + at, worker=worker)


async def claims_of(pool: asyncpg.Pool, campaign_id: uuid.UUID, worker: str) -> int:
    count: int = await pool.fetchval(
        "select count(*) from campaign_targets where campaign_id = $1 and claimed_by = $2",
        campaign_id,
        worker,
    )
    return count


async def test_asking_again_returns_the_same_person_until_dialed(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 5)
    first = await ask(pool, campaign_id, "user:a")
    assert first is not None
    for _ in range(3):
        assert await ask(pool, campaign_id, "user:a", timedelta(seconds=30)) == first
    assert await claims_of(pool, campaign_id, "user:a") == 1
    async with pool.acquire() as conn:
        await mark_in_call(conn, first.target_id)
    second = await ask(pool, campaign_id, "user:a")
    assert second is not None and second.person_id != first.person_id


async def test_two_asks_at_once_hold_one_person(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 5)
    shown = await asyncio.gather(*(ask(pool, campaign_id, "user:a") for _ in range(4)))
    assert len({t.target_id for t in shown if t is not None}) == 1
    assert await claims_of(pool, campaign_id, "user:a") == 1


async def test_operators_hold_different_people(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 5)
    a, b = await ask(pool, campaign_id, "user:a"), await ask(pool, campaign_id, "user:b")
    assert a is not None and b is not None and a.person_id != b.person_id


async def test_a_claim_whose_lease_ran_out_goes_back_to_the_queue(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, _ = await campaign_with_people(pool, tenant_id, 1)
    held = await ask(pool, campaign_id, "user:a")
    assert held is not None
    assert await ask(pool, campaign_id, "user:b", timedelta(minutes=1)) is None
    assert await ask(pool, campaign_id, "user:b", timedelta(minutes=3)) == held


async def test_a_skip_puts_the_person_back_and_logs_the_reason(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, user_id = await campaign_with_people(pool, tenant_id, 2)
    actor = audit.Actor(tenant_id, user_id, "op1")
    held = await ask(pool, campaign_id, "user:a")
    assert held is not None
    async with pool.acquire() as conn:
        await release_claim(
            conn,
            actor,
            held.target_id,
            worker="user:a",
            reason="knows_the_person",
            retry_at=NOW + timedelta(hours=1),
        )
    target = await pool.fetchrow(
        "select state, claimed_by, next_attempt_at from campaign_targets where id = $1",
        held.target_id,
    )
    assert dict(target) == {
        "state": "pending",
        "claimed_by": None,
        "next_attempt_at": NOW + timedelta(hours=1),
    }
    logged = await pool.fetch(
        "select user_id, person_id, object_id, reason from audit_log"
        " where tenant_id = $1 and action = 'preview_skipped'",
        tenant_id,
    )
    assert [dict(r) for r in logged] == [
        {
            "user_id": user_id,
            "person_id": held.person_id,
            "object_id": str(held.target_id),
            "reason": "knows_the_person",
        }
    ]
    # The next ask shows someone else; the skipped person comes back after the hour.
    other = await ask(pool, campaign_id, "user:a")
    assert other is not None and other.person_id != held.person_id
    assert await ask(pool, campaign_id, "user:b", timedelta(hours=1)) == held


async def test_only_the_holder_can_skip_and_a_refused_skip_changes_nothing(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id, user_id = await campaign_with_people(pool, tenant_id, 2)
    held = await ask(pool, campaign_id, "user:a")
    assert held is not None
    async with pool.acquire() as conn:
        with pytest.raises(Conflict):
            await release_claim(
                conn,
                audit.Actor(tenant_id, user_id, "op2"),
                held.target_id,
                worker="user:b",
                reason="other",
                retry_at=NOW,
            )
    assert await claims_of(pool, campaign_id, "user:a") == 1
    assert not await pool.fetchval(
        "select count(*) from audit_log where tenant_id = $1 and action = 'preview_skipped'",
        tenant_id,
    )
