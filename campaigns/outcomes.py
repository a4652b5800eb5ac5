"""What the operator records at the end of a call (応答内容) and what follows from it, saved in
one transaction with the attempt: the disposition, the conversation log (会話記録) — also
queued as a contact-history row for the export back to the ward — and per disposition a
promise to pay, a payment-slip reissue queued with the letters, a hand-off to ward staff, a
callback time, or the number marked wrong. The contact policy then decides the target's next
state; a callback the operator set wins."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal, Self
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, model_validator

from saikoku.core.errors import Conflict
from saikoku.core.inputs import Text
from store import audit
from store.db import Executor

Disposition = Literal[
    "promise_to_pay",
    "already_paid",
    "slip_reissue",
    "auto_debit_recommended",
    "consultation_handoff",
    "callback",
    "wrong_number",
    "third_party",
    "refused",
    "answering_machine",
]


class OutcomeError(Conflict):
    """The outcome cannot be saved as sent (wrong call, saved already…)."""

    code = "outcome_refused"


class Promise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    amount: int = Field(gt=0, le=100_000_000)
    installment_ids: list[UUID] = Field(default_factory=list, max_length=50)


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempt_id: UUID
    disposition: Disposition
    conversation_log: Text = Field(min_length=1, max_length=4000)
    promise: Promise | None = None
    callback_at: datetime | None = None
    handoff_note: Text | None = Field(default=None, max_length=2000)
    slip_installment_ids: list[UUID] = Field(default_factory=list, max_length=50)
    auto_debit_form_sent: bool | None = None

    @model_validator(mode="after")
    def _what_the_disposition_needs(self) -> Self:
        if not self.conversation_log.strip():
            raise ValueError("conversation_log: write what was said")
        if self.disposition == "promise_to_pay" and self.promise is None:
            raise ValueError("promise: a promise to pay needs a date and an amount")
        if self.disposition == "callback" and self.callback_at is None:
            raise ValueError("callback_at: a callback needs a time")
        if self.callback_at is not None and self.callback_at.tzinfo is None:
            raise ValueError("callback_at: give the time with its zone, e.g. +09:00")
        if self.disposition == "consultation_handoff" and not (self.handoff_note or "").strip():
            raise ValueError("handoff_note: say what ward staff should know")
        if self.disposition == "slip_reissue" and not self.slip_installment_ids:
            raise ValueError("slip_installment_ids: which installments the slip is for")
        return self


async def save(
    conn: asyncpg.Connection, actor: audit.Actor, outcome: Outcome, now: datetime
) -> UUID:
    """Save the operator's outcome for their own call; returns the person's id."""
    assert actor.user_id is not None
    async with conn.transaction():
        call = await conn.fetchrow(
            "select a.id, a.person_id, a.phone_id, a.target_id, a.operator_id,"
            " exists (select 1 from outcomes o where o.attempt_id = a.id) as saved"
            " from call_attempts a where a.id = $1 and a.tenant_id = $2 for update of a",
            outcome.attempt_id,
            actor.tenant_id,
        )
        if call is None or call["operator_id"] != actor.user_id or call["person_id"] is None:
            raise OutcomeError("this call is not yours to record")
        if call["saved"]:
            raise OutcomeError("the outcome of this call is saved already")
        person = call["person_id"]
        if outcome.promise is not None:
            _check_promise(outcome.promise, now)
        await _check_installments(conn, actor.tenant_id, person, outcome)
        await conn.execute(
            "insert into outcomes (tenant_id, attempt_id, disposition, operator_id, wrap_overrun)"
            " values ($1, $2, $3, $4, exists (select 1 from call_attempt_events"
            "   where attempt_id = $2 and kind = 'wrap_up_overrun'))",
            actor.tenant_id,
            call["id"],
            outcome.disposition,
            actor.user_id,
        )
        await conn.execute(
            "insert into conversation_logs (tenant_id, attempt_id, person_id, author_id, body)"
            " values ($1, $2, $3, $4, $5)",
            actor.tenant_id,
            call["id"],
            person,
            actor.user_id,
            outcome.conversation_log,
        )
        await conn.execute(
            "insert into history (tenant_id, person_id, source, contact_kind, contacted_at,"
            " content, forms_issued, attempt_id, author_id)"
            " values ($1, $2, 'call_center', '電話', $3, $4, $5, $6, $7)",
            actor.tenant_id,
            person,
            now,
            outcome.conversation_log,
            _forms_issued(outcome),
            call["id"],
            actor.user_id,
        )
        await _follow_up(conn, actor, outcome, call)
        await audit.record(
            conn,
            actor,
            "outcome_saved",
            object_type="call_attempt",
            object_id=call["id"],
            person_id=person,
            detail={"disposition": outcome.disposition},
        )
    return UUID(str(person))


def _forms_issued(outcome: Outcome) -> str | None:
    """What was sent to the person, for the history's 各種帳票発行記録 column."""
    forms = []
    if outcome.auto_debit_form_sent:
        forms.append("口座振替依頼書送付")
    if outcome.disposition == "slip_reissue":
        forms.append("納付書再発行")
    return "、".join(forms) or None


def _check_promise(promise: Promise, now: datetime) -> None:
    if promise.date < now.date():
        raise OutcomeError("promise date: it is in the past")
    if (promise.date - now.date()).days > 366:
        raise OutcomeError("promise date: more than a year ahead; hand over to ward staff")


async def _check_installments(
    conn: asyncpg.Connection, tenant_id: UUID, person_id: UUID, outcome: Outcome
) -> None:
    """Every installment the promise or the slip names is one of the called person's own, in
    the caller's tenant: an id from another person's card (or another division) is refused."""
    named = set(outcome.slip_installment_ids)
    if outcome.promise is not None:
        named.update(outcome.promise.installment_ids)
    if not named:
        return
    theirs = await conn.fetchval(
        "select count(*) from installments i"
        " join tax_bills b on b.tenant_id = i.tenant_id and b.id = i.bill_id"
        " where i.tenant_id = $1 and b.person_id = $2 and i.id = any($3::uuid[])",
        tenant_id,
        person_id,
        list(named),
    )
    if theirs != len(named):
        raise OutcomeError("installments: name only installments of the person called")


async def _follow_up(
    conn: asyncpg.Connection, actor: audit.Actor, outcome: Outcome, call: asyncpg.Record
) -> None:
    tenant, person, attempt = actor.tenant_id, call["person_id"], call["id"]
    if outcome.promise is not None:
        await conn.execute(
            "insert into promises (tenant_id, person_id, attempt_id, promised_date, amount,"
            " installments, created_by) values ($1, $2, $3, $4, $5, $6::jsonb, $7)",
            tenant,
            person,
            attempt,
            outcome.promise.date,
            outcome.promise.amount,
            json.dumps([{"installment_id": str(i)} for i in outcome.promise.installment_ids]),
            actor.user_id,
        )
    if outcome.disposition == "slip_reissue":
        await conn.execute(
            "insert into letters (tenant_id, person_id, attempt_id, kind, installments,"
            " requested_by) values ($1, $2, $3, 'slip_reissue', $4::jsonb, $5)",
            tenant,
            person,
            attempt,
            json.dumps([{"installment_id": str(i)} for i in outcome.slip_installment_ids]),
            actor.user_id,
        )
    if outcome.disposition == "consultation_handoff":
        await conn.execute(
            "insert into handoffs (tenant_id, person_id, attempt_id, note, created_by)"
            " values ($1, $2, $3, $4, $5)",
            tenant,
            person,
            attempt,
            outcome.handoff_note,
            actor.user_id,
        )
    if outcome.disposition == "wrong_number" and call["phone_id"] is not None:
        await conn.execute(
            "update phones set marked_wrong_at = now(), updated_at = now() where id = $1",
            call["phone_id"],
        )
    if call["target_id"] is not None and outcome.disposition == "callback":
        await conn.execute(
            "update campaign_targets set state = 'callback', next_attempt_at = $2,"
            " updated_at = now() where id = $1",
            call["target_id"],
            outcome.callback_at,
        )


async def has_outcome(conn: Executor, attempt_id: UUID) -> bool:
    """Whether the operator saved the result of this call (wrap-up ends only after it)."""
    return bool(
        await conn.fetchval(
            "select exists (select 1 from outcomes where attempt_id = $1)", attempt_id
        )
    )
