"""One real SIP call per behaviour: the product's code originates, Asterisk dials sipp."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
from aiohttp import web

from dialer import attempts
from dialer.attempts import Attempt
from dialer.calls import DialOptions
from saikoku.devtools.rig import SippPhone
from saikoku.web.keys import PLACER, POOL
from tests.pbx.conftest import wait_trunk


async def call(
    app: web.Application,
    tenant_id: uuid.UUID,
    number: str,
    *,
    ring_timeout_s: float = 10.0,
    amd: bool = True,
    message_on_machine: bool = False,
) -> tuple[Attempt, float]:
    """Place one call to the sipp carrier and wait until its attempt row is closed."""
    started = time.monotonic()
    result = await app[PLACER].place(
        tenant_id=tenant_id,
        dial_string=f"PJSIP/{number}@trunk",
        options=DialOptions(
            ring_timeout_s=ring_timeout_s, amd=amd, message_on_machine=message_on_machine
        ),
    )
    pool: asyncpg.Pool = app[POOL]
    async with asyncio.timeout(ring_timeout_s + 30):
        while True:
            row = await attempts.fetch(pool, result.attempt_id)
            assert row is not None
            # Hangup and OriginateResponse may land in either order: wait for both.
            if row.ended_at is not None and row.status != "dialing":
                return row, time.monotonic() - started
            await asyncio.sleep(0.1)


async def test_person_answers_and_reaches_stasis_with_amd_human(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, _ = await call(service, tenant_id, "0312340010")
    assert row.status == "abandoned"  # no operator is signed in
    assert row.originate_reason == 4
    assert row.amd_status == "HUMAN"
    assert row.stasis_at is not None and row.answered_at is not None
    assert row.hangup_cause == 16  # released after the courtesy message


async def test_answering_machine_is_detected(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, _ = await call(service, tenant_id, "0312340021")
    assert row.status == "answered"
    assert row.amd_status == "MACHINE"
    assert row.stasis_at is not None


async def test_machine_hears_the_office_message_when_the_campaign_says_so(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    released, _ = await call(service, tenant_id, "0312340031")
    row, _ = await call(service, tenant_id, "0312340041", message_on_machine=True)
    assert (row.status, row.amd_status, row.hangup_cause) == ("answered", "MACHINE", 16)
    kinds = await service[POOL].fetch(
        "select kind from call_attempt_events where attempt_id = $1", row.id
    )
    assert "machine_message" in {k["kind"] for k in kinds}
    # The message (several seconds of speech) played before our hang-up; without the policy
    # the machine is released at once.
    assert released.stasis_at is not None and released.ended_at is not None
    assert row.stasis_at is not None and row.ended_at is not None
    assert (released.ended_at - released.stasis_at).total_seconds() < 1.5
    assert (row.ended_at - row.stasis_at).total_seconds() > 4


async def test_amd_off_goes_straight_to_stasis(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, _ = await call(service, tenant_id, "0312340018", amd=False)
    assert row.status == "abandoned"  # a person, as far as the dialer knows; nobody free
    assert row.amd_status is None
    assert row.stasis_at is not None


async def test_busy(service: web.Application, tenant_id: uuid.UUID) -> None:
    row, _ = await call(service, tenant_id, "0312340032")
    assert (row.status, row.hangup_cause) == ("busy", 17)
    assert row.answered_at is None and row.stasis_at is None


async def test_no_answer_after_the_ring_timeout(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, elapsed = await call(service, tenant_id, "0312340043", ring_timeout_s=4)
    assert row.status == "no_answer"
    assert row.originate_reason in (1, 3)
    assert row.answered_at is None
    assert elapsed >= 4.0


async def test_rejected_call_keeps_its_cause(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, _ = await call(service, tenant_id, "0312340054")
    assert (row.status, row.hangup_cause) == ("rejected", 21)
    assert row.answered_at is None


async def test_number_not_in_service_keeps_its_cause(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    row, _ = await call(service, tenant_id, "0312340066")
    assert (row.status, row.hangup_cause) == ("invalid_number", 1)
    assert row.answered_at is None


async def test_unreachable_trunk_fails_at_once_with_the_cause(
    service: web.Application, tenant_id: uuid.UUID, debtors: SippPhone
) -> None:
    debtors.stop()
    try:
        await wait_trunk(service, "offline")
        row, elapsed = await call(service, tenant_id, "0312340010")
        assert row.status == "failed"
        assert row.originate_reason == 0
        assert "unavailable" in (row.failure_detail or "")
        assert row.answered_at is None
        assert elapsed < 3.0  # not mistaken for a person who did not answer
    finally:
        debtors.start()
        await wait_trunk(service, "online")


async def test_concurrent_calls_are_each_correlated(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    numbers = {
        "0312340132": "busy",
        "0312340210": "abandoned",
        "0312340332": "busy",
        "0312340419": "abandoned",
    }
    rows = await asyncio.gather(*(call(service, tenant_id, n) for n in numbers))
    for (number, expected), (row, _) in zip(numbers.items(), rows, strict=True):
        assert row.status == expected, number


async def test_every_transition_is_logged_against_the_attempt(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    """The hangup and Stasis reports find the row by the UUID Asterisk's channel carried."""
    row, _ = await call(service, tenant_id, "0312340070")
    pool: asyncpg.Pool = service[POOL]
    kinds = await pool.fetch(
        "select kind from call_attempt_events where attempt_id = $1 order by id", row.id
    )
    assert {"originate_result", "stasis_start", "hangup"} <= {k["kind"] for k in kinds}
