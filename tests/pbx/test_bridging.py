"""Operators' nailed-up lines and answered calls bridged to them, on real Asterisk and sipp:
the operator signs in over HTTP, their sipp phone is called and kept open, a debtor's answer
joins their bridge; with nobody ready the debtor hears the courtesy message."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
import pytest
from aiohttp import web

from dialer.calls import Callee, DialOptions
from saikoku.devtools.rig import SippPhone
from saikoku.web.keys import CALL_CENTER, PLACER, POOL
from tests.pbx.desk import Desk, signed_in
from tests.pbx.test_campaign_run import running_campaign


@pytest.fixture
async def operator(
    service: web.Application,
    operator_phones: SippPhone,
    tenant_id: uuid.UUID,
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[uuid.UUID, Desk]]:
    endpoint = "op002" if "paused" in request.node.name else "op001"
    async with signed_in(service, tenant_id, "op1", endpoint) as operator:
        yield operator


async def wait_attempt(pool: asyncpg.Pool, attempt_id: uuid.UUID, status: str) -> asyncpg.Record:
    async with asyncio.timeout(20):
        while True:
            row = await pool.fetchrow("select * from call_attempts where id = $1", attempt_id)
            if row is not None and row["status"] == status:
                return row
            await asyncio.sleep(0.05)


async def dial(service: web.Application, tenant_id: uuid.UUID, number: str) -> uuid.UUID:
    """A call to a person (so the operator can record an outcome), outside any campaign."""
    pool: asyncpg.Pool = service[POOL]
    person = await pool.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " values ($1, $2, '納税 花子', '納税 花子') returning id",
        tenant_id,
        uuid.uuid4().hex[:10],
    )
    phone = await pool.fetchval(
        "insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid, source)"
        " values ($1, $2, 'landline', $3, $4, true, 'import') returning id",
        tenant_id,
        person,
        number,
        "+81" + number[1:],
    )
    result = await service[PLACER].place(
        tenant_id=tenant_id,
        dial_string=f"PJSIP/{number}@trunk",
        options=DialOptions(ring_timeout_s=15, amd=False),
        who=Callee(None, person, phone),
    )
    return result.attempt_id


async def test_answered_call_is_bridged_to_the_ready_operator(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    pool: asyncpg.Pool = service[POOL]
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    attempt_id = await dial(service, tenant_id, "0312340010")
    row = await wait_attempt(pool, attempt_id, "connected")
    assert row["operator_id"] == user_id
    assert (row["connected_at"] - row["stasis_at"]).total_seconds() < 2
    assert await desk.state() == "talking"
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    ended = await pool.fetchrow(
        "select status, ended_at from call_attempts where id = $1", attempt_id
    )
    assert ended["status"] == "connected"
    # No next call before the outcome is saved.
    async with desk.http.post(
        desk.base + "/api/operator/ready", json={"ready": True}, headers={"X-CSRF-Token": desk.csrf}
    ) as refused:
        assert refused.status == 409
    await desk.save_outcome()
    await desk.post("/api/operator/ready", {"ready": True})
    assert await desk.state() == "ready"
    states = [
        r["to_state"]
        for r in await pool.fetch(
            "select to_state from operator_state_changes where operator_id = $1 order by id",
            user_id,
        )
    ]
    assert states == ["connecting", "ready", "talking", "wrap_up", "ready"]


async def test_with_the_operator_paused_the_answer_is_abandoned_politely(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    _, desk = operator
    pool: asyncpg.Pool = service[POOL]
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    await desk.post("/api/operator/ready", {"ready": False})
    attempt_id = await dial(service, tenant_id, "0312340018")
    row = await wait_attempt(pool, attempt_id, "abandoned")
    assert row["operator_id"] is None
    events = await pool.fetch(
        "select kind, detail from call_attempt_events where attempt_id = $1 order by id", attempt_id
    )
    abandoned = next(e for e in events if e["kind"] == "abandoned")
    assert 1.9 <= float(json.loads(abandoned["detail"])["waited_s"]) < 2.5
    # By Asterisk's own clock: answered into Stasis, out to the courtesy message within 2 s.
    pbx = {
        e["kind"]: datetime.fromisoformat(json.loads(e["detail"])["pbx_at"])
        for e in events
        if e["kind"] in ("stasis_start", "stasis_end")
    }
    assert (pbx["stasis_end"] - pbx["stasis_start"]).total_seconds() < 2.1
    async with asyncio.timeout(30):  # the courtesy message plays, then the PBX hangs up
        while (
            await pool.fetchval("select hangup_cause from call_attempts where id = $1", attempt_id)
        ) is None:
            await asyncio.sleep(0.1)


async def test_a_wrap_up_past_its_limit_is_flagged_and_the_operator_works_again(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    _, desk = operator
    pool: asyncpg.Pool = service[POOL]
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    attempt_id = await dial(service, tenant_id, "0312340010")
    await wait_attempt(pool, attempt_id, "connected")
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    assert await service[CALL_CENTER].expire_wrap_ups(limit_s=0.0) == [attempt_id]
    assert await desk.state() == "ready"
    # Late, but kept — and marked as such (the desk itself no longer names the call).
    await desk.save_outcome(attempt_id=attempt_id)
    assert await pool.fetchval(
        "select wrap_overrun from outcomes where attempt_id = $1", attempt_id
    )


async def test_preview_mode_the_operator_reads_then_dials_and_gets_the_call(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    pool: asyncpg.Pool = service[POOL]
    campaign_id = await running_campaign(
        pool, tenant_id, "08", {"mode": "preview", "ring_timeout_s": 15}
    )
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    await asyncio.sleep(1.5)  # the dialer loop places nothing by itself in preview
    assert (
        await pool.fetchval(
            "select count(*) from call_attempts where campaign_id = $1", campaign_id
        )
        == 0
    )
    shown = await desk.post("/api/operator/preview/next")
    assert shown["card"]["name"] == "納税 太郎"
    dialed = await desk.post("/api/operator/preview/dial", {"target_id": shown["target_id"]})
    row = await wait_attempt(pool, uuid.UUID(dialed["attempt_id"]), "connected")
    assert row["operator_id"] == user_id and row["target_id"] == uuid.UUID(shown["target_id"])
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    await desk.save_outcome()
