"""What an operator may see, on real Asterisk and sipp: a person's card only during that
person's call and its wrap-up; in preview one claimed person at a time until it is dialed or
skipped; and nothing more once their session is over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import web

from saikoku.devtools.rig import SippPhone
from saikoku.web.keys import POOL
from tests.pbx.desk import Desk, signed_in
from tests.pbx.test_bridging import dial, wait_attempt


@pytest.fixture
async def operator(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID
) -> AsyncIterator[tuple[uuid.UUID, Desk]]:
    async with signed_in(service, tenant_id, "op1", "op003") as operator:
        yield operator


async def test_the_previous_callers_card_is_refused_once_the_wrap_up_is_over(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    pool: asyncpg.Pool = service[POOL]
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    attempt_id = await dial(service, tenant_id, "0312340010")
    await wait_attempt(pool, attempt_id, "connected")
    person_id = await pool.fetchval("select person_id from call_attempts where id = $1", attempt_id)
    card = f"/api/operator/person/{person_id}"
    status, shown = await desk.get(card)
    assert status == 200 and shown["attempt_id"] == str(attempt_id)
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    assert (await desk.get(card))[0] == 200  # the outcome is written during the wrap-up
    await desk.save_outcome()
    await desk.post("/api/operator/ready", {"ready": True})
    assert await desk.state() == "ready"

    status, refused = await desk.get(card)
    assert status == 403 and "name" not in refused
    assert (await desk.status())["attempt_id"] is None
    assert await pool.fetchval(
        "select count(*) from audit_log where user_id = $1 and person_id = $2"
        " and action = 'person_refused'",
        user_id,
        person_id,
    )
    # Paused, or on the line again after signing out and in: still refused.
    await desk.post("/api/operator/ready", {"ready": False})
    assert (await desk.get(card))[0] == 403
    await desk.post("/api/operator/sign-out")
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    assert (await desk.get(card))[0] == 403
