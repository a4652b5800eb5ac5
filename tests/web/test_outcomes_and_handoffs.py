"""Outcomes saved in one transaction, and ward staff's hand-off work list (real PostgreSQL,
the API over HTTP)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from campaigns import outcomes
from campaigns.outcomes import Outcome, OutcomeError, Promise
from saikoku.core.tokyo import TOKYO
from store import audit
from tests.web.conftest import add_user, log_in

Client = TestClient[Any, Any]
NOW = datetime.now(TOKYO)


async def call_with(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, operator: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID]:
    person = await pool.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " values ($1, $2, '納税 花子', '納税 花子') returning id",
        tenant_id,
        uuid.uuid4().hex[:8],
    )
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, person_id, dial_string, status, operator_id)"
        " values ($1, $2, 'x', 'connected', $3) returning id",
        tenant_id,
        person,
        operator,
    )
    return person, attempt


async def test_outcome_rules_and_one_transaction(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    op = await add_user(pool, tenant_id, "op1", "operator")
    other = await add_user(pool, tenant_id, "op2", "operator")
    _, attempt = await call_with(pool, tenant_id, op)
    actor = audit.Actor(tenant_id, op, "op1")
    with pytest.raises(ValueError, match="promise"):
        Outcome(attempt_id=attempt, disposition="promise_to_pay", conversation_log="x")
    promise = Promise(date=(NOW - timedelta(days=1)).date(), amount=5000)
    past = Outcome(
        attempt_id=attempt,
        disposition="promise_to_pay",
        conversation_log="約束",
        promise=promise,
    )
    async with pool.acquire() as conn:
        with pytest.raises(OutcomeError, match="past"):
            await outcomes.save(conn, actor, past, NOW)
        # Nothing of the refused outcome was kept.
        assert (
            await conn.fetchval(
                "select count(*) from conversation_logs where attempt_id = $1", attempt
            )
            == 0
        )
        with pytest.raises(OutcomeError, match="not yours"):
            await outcomes.save(
                conn,
                audit.Actor(tenant_id, other, "op2"),
                Outcome(attempt_id=attempt, disposition="refused", conversation_log="x"),
                NOW,
            )
        good = past.model_copy(
            update={
                "promise": promise.model_copy(update={"date": (NOW + timedelta(days=3)).date()})
            }
        )
        await outcomes.save(conn, actor, good, NOW)
        with pytest.raises(OutcomeError, match="saved already"):
            await outcomes.save(conn, actor, good, NOW)
    counts = await pool.fetchrow(
        "select (select count(*) from outcomes where attempt_id = $1) as o,"
        " (select count(*) from promises where attempt_id = $1) as p,"
        " (select count(*) from history where attempt_id = $1 and source = 'call_center') as h",
        attempt,
    )
    assert tuple(counts) == (1, 1, 1)


async def test_forms_sent_are_kept_in_the_history_for_the_ward(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    op = await add_user(pool, tenant_id, "op1", "operator")
    _, attempt = await call_with(pool, tenant_id, op)
    async with pool.acquire() as conn:
        await outcomes.save(
            conn,
            audit.Actor(tenant_id, op, "op1"),
            Outcome(
                attempt_id=attempt,
                disposition="auto_debit_recommended",
                conversation_log="口座振替を案内",
                auto_debit_form_sent=True,
            ),
            NOW,
        )
    assert (
        await pool.fetchval("select forms_issued from history where attempt_id = $1", attempt)
        == "口座振替依頼書送付"
    )


async def test_staff_take_and_close_hand_offs(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    op = await add_user(pool, tenant_id, "op1", "operator")
    await add_user(pool, tenant_id, "staff1", "staff")
    person, attempt = await call_with(pool, tenant_id, op)
    async with pool.acquire() as conn:
        await outcomes.save(
            conn,
            audit.Actor(tenant_id, op, "op1"),
            Outcome(
                attempt_id=attempt,
                disposition="consultation_handoff",
                conversation_log="分納の相談を希望。",
                handoff_note="収入減少のため分納相談",
            ),
            NOW,
        )
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "op1")}
    assert (await web_client.get("/api/handoffs")).status == 403
    await web_client.post("/api/logout", headers=csrf)
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "staff1")}
    listed = await (await web_client.get("/api/handoffs")).json()
    assert [(h["name"], h["note"], h["conversation_log"]) for h in listed] == [
        ("納税 花子", "収入減少のため分納相談", "分納の相談を希望。")
    ]
    hid = listed[0]["id"]
    assert (
        await web_client.post(f"/api/handoffs/{hid}/close", json={"result": "x"}, headers=csrf)
    ).status == 409  # take it first
    assert (await web_client.post(f"/api/handoffs/{hid}/take", headers=csrf)).status == 200
    closed = await web_client.post(
        f"/api/handoffs/{hid}/close", json={"result": "分納誓約 3回"}, headers=csrf
    )
    assert closed.status == 200
    assert await (await web_client.get("/api/handoffs")).json() == []
    viewed = await pool.fetchval(
        "select count(*) from audit_log where person_id = $1 and action = 'person_viewed'"
        " and reason = 'hand-off work list'",
        person,
    )
    assert viewed == 1
