"""Attempt rows stay right whatever order the AMI and ARI reports arrive in."""

import uuid

import asyncpg
import pytest

from dialer import attempts
from dialer.ami_messages import OriginateOutcome, OriginateResult


async def new_attempt(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> uuid.UUID:
    return await attempts.create(
        pool, attempt_id=uuid.uuid4(), tenant_id=tenant_id, dial_string="PJSIP/0300000000@trunk"
    )


@pytest.mark.parametrize(
    ("outcome", "reason", "cause", "expected"),
    [
        (OriginateOutcome.BUSY, 5, 17, "busy"),
        # What Asterisk 22 really reports for a PJSIP 486: reason 0, cause 17.
        (OriginateOutcome.FAILED, 0, 17, "busy"),
        (OriginateOutcome.FAILED, 0, 21, "rejected"),
        (OriginateOutcome.FAILED, 0, 1, "invalid_number"),
        (OriginateOutcome.NO_ANSWER, 3, 16, "no_answer"),
        (OriginateOutcome.CONGESTION, 8, 34, "failed"),
    ],
)
@pytest.mark.parametrize("hangup_first", [False, True], ids=["result_first", "hangup_first"])
async def test_status_is_the_same_whichever_report_comes_first(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    outcome: OriginateOutcome,
    reason: int,
    cause: int,
    expected: str,
    hangup_first: bool,
) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    result = OriginateResult(attempt_id, outcome, reason=reason, detail="Failure")
    if hangup_first:
        await attempts.record_hangup(pool, attempt_id, cause, "")
        await attempts.record_originate_result(pool, result)
    else:
        await attempts.record_originate_result(pool, result)
        await attempts.record_hangup(pool, attempt_id, cause, "")
    row = await attempts.fetch(pool, attempt_id)
    assert row is not None
    assert (row.status, row.originate_reason, row.hangup_cause) == (expected, reason, cause)
    assert row.answered_at is None and row.ended_at is not None


async def test_replayed_reports_change_nothing(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    result = OriginateResult(attempt_id, OriginateOutcome.ANSWERED, reason=4, detail="Success")
    await attempts.record_originate_result(pool, result)
    await attempts.record_stasis_entry(pool, attempt_id, "HUMAN", "HUMAN-1-1")
    await attempts.record_hangup(pool, attempt_id, 16, "Normal Clearing")
    first = await attempts.fetch(pool, attempt_id)
    await attempts.record_originate_result(pool, result)
    await attempts.record_hangup(pool, attempt_id, 21, "late duplicate")
    assert await attempts.fetch(pool, attempt_id) == first
    assert first is not None and first.status == "answered" and first.hangup_cause == 16


async def test_unknown_result_leaves_row_dialing_for_reconciliation(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    await attempts.record_originate_result(
        pool, OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail="AMI connection lost")
    )
    row = await attempts.fetch(pool, attempt_id)
    assert row is not None and row.status == "dialing" and row.ended_at is None
    assert attempt_id in await attempts.unresolved_attempt_ids(pool)


@pytest.mark.parametrize(
    ("cause", "answered", "expected"),
    [
        (17, False, "busy"),
        (19, False, "no_answer"),
        (None, False, "unknown"),
        (16, True, "answered"),
    ],
)
async def test_lost_attempt_is_settled_from_what_was_seen(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, cause: int | None, answered: bool, expected: str
) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    if answered:
        await attempts.record_stasis_entry(pool, attempt_id, None, None)
    if cause is not None:
        await attempts.record_hangup(pool, attempt_id, cause, "")
    assert await attempts.close_lost(pool, attempt_id, "channel gone") == expected
    row = await attempts.fetch(pool, attempt_id)
    assert row is not None and row.status == expected and row.ended_at is not None
    assert attempt_id not in await attempts.unresolved_attempt_ids(pool)


async def test_every_report_is_logged_as_a_transition(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    await attempts.record_originate_result(
        pool, OriginateResult(attempt_id, OriginateOutcome.BUSY, reason=5, detail="Failure: busy")
    )
    await attempts.record_hangup(pool, attempt_id, 17, "User busy")
    rows = await pool.fetch(
        "select kind, detail from call_attempt_events where attempt_id = $1 order by id",
        attempt_id,
    )
    assert [r["kind"] for r in rows] == ["originate_result", "hangup"]
    assert '"cause": 17' in rows[1]["detail"]


async def test_failed_originate_with_a_live_channel_stays_open_until_its_hangup(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    attempt_id = await new_attempt(pool, tenant_id)
    await attempts.record_originate_result(
        pool,
        OriginateResult(attempt_id, OriginateOutcome.FAILED, reason=0, detail="Failure"),
        hangup_due=True,
    )
    row = await attempts.fetch(pool, attempt_id)
    assert row is not None and row.ended_at is None and row.status == "failed"
    await attempts.record_hangup(pool, attempt_id, 21, "Call Rejected")
    row = await attempts.fetch(pool, attempt_id)
    assert row is not None and row.ended_at is not None and row.status == "rejected"
