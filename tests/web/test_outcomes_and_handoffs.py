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


async def installment_of(pool: asyncpg.Pool, tenant_id: uuid.UUID, person: uuid.UUID) -> uuid.UUID:
    bill = await pool.fetchval(
        "insert into tax_bills (tenant_id, person_id, tax_type, fiscal_year, notice_number,"
        " annual_amount) values ($1, $2, 'resident', 2026, $3, 12000) returning id",
        tenant_id,
        person,
        uuid.uuid4().hex[:12],
    )
    installment: uuid.UUID = await pool.fetchval(
        "insert into installments (tenant_id, bill_id, installment_no, assessed_amount)"
        " values ($1, $2, 1, 3000) returning id",
        tenant_id,
        bill,
    )
    return installment


async def test_installments_named_in_an_outcome_must_be_the_called_persons(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    op = await add_user(pool, tenant_id, "op1", "operator")
    person, attempt = await call_with(pool, tenant_id, op)
    own = await installment_of(pool, tenant_id, person)
    neighbour, _ = await call_with(pool, tenant_id, op)
    neighbours = await installment_of(pool, tenant_id, neighbour)
    other_tenant = await pool.fetchval(
        "insert into tenants (code, name) values ($1, '他課') returning id",
        f"o_{uuid.uuid4().hex[:12]}",
    )
    other_person = await pool.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " values ($1, '1', '他 太郎', '他 太郎') returning id",
        other_tenant,
    )
    foreign = await installment_of(pool, other_tenant, other_person)
    actor = audit.Actor(tenant_id, op, "op1")
    soon = (NOW + timedelta(days=3)).date()

    def promise(*ids: uuid.UUID) -> Outcome:
        return Outcome(
            attempt_id=attempt,
            disposition="promise_to_pay",
            conversation_log="約束",
            promise=Promise(date=soon, amount=3000, installment_ids=list(ids)),
        )

    def slip(*ids: uuid.UUID) -> Outcome:
        return Outcome(
            attempt_id=attempt,
            disposition="slip_reissue",
            conversation_log="再発行",
            slip_installment_ids=list(ids),
        )

    refused = [
        promise(neighbours),
        promise(own, foreign),
        promise(uuid.uuid4()),
        slip(neighbours),
        slip(own, foreign),
    ]
    async with pool.acquire() as conn:
        for outcome in refused:
            with pytest.raises(OutcomeError, match="installment") as error:
                await outcomes.save(conn, actor, outcome, NOW)
            assert error.value.http_status == 409
        written = await conn.fetchrow(
            "select (select count(*) from outcomes where attempt_id = $1) as o,"
            " (select count(*) from conversation_logs where attempt_id = $1) as c,"
            " (select count(*) from promises where attempt_id = $1) as p,"
            " (select count(*) from letters where attempt_id = $1) as l,"
            " (select count(*) from history where attempt_id = $1) as h,"
            " (select count(*) from audit_log where object_id = $1::text) as a",
            attempt,
        )
        assert tuple(written) == (0, 0, 0, 0, 0, 0)
        await outcomes.save(conn, actor, slip(own), NOW)
        _, again = await call_with(pool, tenant_id, op)
        await conn.execute("update call_attempts set person_id = $2 where id = $1", again, person)
        kept = promise(own).model_copy(update={"attempt_id": again})
        await outcomes.save(conn, actor, kept, NOW)
    installments = await pool.fetchval(
        "select installments from letters where attempt_id = $1", attempt
    )
    assert str(own) in installments


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
