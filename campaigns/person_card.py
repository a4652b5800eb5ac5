"""What an operator sees of a person on their call (the screen-pop): only what the call needs —
name with furigana, identity-check hints, what is owed per tax item and installment with due
dates and late fees, promises and how they went, recent contacts, auto-debit status. Not the
full record: no full birth date, no full address, no employer, no bank account number.

Every read goes through `open_card`, which writes the access-log row (who, when, which
person, why) in the same transaction as the read."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from saikoku.core.errors import Forbidden, NotFound
from store import audit

PERSON_SQL = """
select id, name, name_kana, birth_date, postal_code, address, delinquency_category
  from persons where tenant_id = $1 and id = $2
"""

OWED_SQL = """
select b.tax_type, b.fiscal_year, b.tax_item, b.notice_number, i.id as installment_id,
       i.installment_no, i.due_date,
       greatest(i.assessed_amount - i.paid_amount, 0) as principal_owed,
       greatest(i.late_fee_assessed - i.late_fee_paid, 0) as late_fee_owed
  from tax_bills b join installments i on i.bill_id = b.id
 where b.tenant_id = $1 and b.person_id = $2 and b.missing_since is null
   and i.missing_since is null and installment_owed(i) > 0
 order by i.due_date nulls last, b.fiscal_year, i.installment_no
"""

PROMISES_SQL = """
select promised_date, amount, status, created_at from promises
 where tenant_id = $1 and person_id = $2 order by created_at desc limit 10
"""

CONTACTS_SQL = """
(select contacted_at as at, coalesce(contact_kind, '') as kind, coalesce(content, '') as summary
   from history where tenant_id = $1 and person_id = $2 and contacted_at is not null)
union all
(select a.created_at, 'call', a.status from call_attempts a
  where a.tenant_id = $1 and a.person_id = $2 and a.ended_at is not null)
order by at desc limit 15
"""

AUTO_DEBIT_SQL = """
select tax_type, auto_debit, cancelled_on is not null as cancelled from bank_accounts
 where tenant_id = $1 and person_id = $2 and missing_since is null
"""

TAX_NAMES = {"resident": "特別区民税・都民税", "light_vehicle": "軽自動車税"}


def _identity_hints(row: asyncpg.Record) -> dict[str, Any]:
    """Enough to check the caller is the person, not enough to impersonate them: the birth
    year and month (the full date is asked, then compared by the operator) and the town."""
    birth: date | None = row["birth_date"]
    address: str = row["address"] or ""
    return {
        "birth_year_month": f"{birth.year}-{birth.month:02d}" if birth else None,
        "postal_code_head": (row["postal_code"] or "")[:3] or None,
        "town": address.split("丁目")[0][:12] if address else None,
    }


async def open_card(
    conn: asyncpg.Connection,
    actor: audit.Actor,
    person_id: UUID,
    *,
    reason: str,
    attempt_id: UUID | None,
) -> dict[str, Any] | None:
    """The person's card for this operator's screen, logged; None if not in the tenant."""
    tenant = actor.tenant_id
    async with conn.transaction():
        person = await conn.fetchrow(PERSON_SQL, tenant, person_id)
        if person is None:
            return None
        owed = await conn.fetch(OWED_SQL, tenant, person_id)
        card = {
            "person_id": str(person_id),
            "attempt_id": str(attempt_id) if attempt_id else None,
            "name": person["name"],
            "name_kana": person["name_kana"],
            "delinquency_category": person["delinquency_category"],
            "identity": _identity_hints(person),
            "owed": [
                {
                    **dict(r),
                    "installment_id": str(r["installment_id"]),
                    "tax_name": TAX_NAMES.get(r["tax_type"], r["tax_type"]),
                    "due_date": r["due_date"].isoformat() if r["due_date"] else None,
                }
                for r in owed
            ],
            "owed_total": sum(r["principal_owed"] + r["late_fee_owed"] for r in owed),
            "promises": [
                {
                    **dict(r),
                    "promised_date": r["promised_date"].isoformat(),
                    "created_at": r["created_at"].isoformat(),
                }
                for r in await conn.fetch(PROMISES_SQL, tenant, person_id)
            ],
            "contacts": [
                {"at": r["at"].isoformat(), "kind": r["kind"], "summary": r["summary"][:200]}
                for r in await conn.fetch(CONTACTS_SQL, tenant, person_id)
            ],
            "auto_debit": [dict(r) for r in await conn.fetch(AUTO_DEBIT_SQL, tenant, person_id)],
        }
        await audit.record(
            conn,
            actor,
            "person_viewed",
            object_type="person",
            object_id=person_id,
            person_id=person_id,
            reason=reason,
            detail={"attempt_id": card["attempt_id"]},
        )
    return card


async def open_call_card(
    conn: asyncpg.Connection, actor: audit.Actor, attempt_id: UUID, *, reason: str
) -> dict[str, Any] | None:
    """The card of the person a call of the actor's tenant is with (None: no such call, or a
    call with nobody known, such as an unmatched inbound number)."""
    person_id: UUID | None = await conn.fetchval(
        "select person_id from call_attempts where id = $1 and tenant_id = $2",
        attempt_id,
        actor.tenant_id,
    )
    if person_id is None:
        return None
    return await open_card(conn, actor, person_id, reason=reason, attempt_id=attempt_id)


async def open_card_on_call(
    conn: asyncpg.Connection,
    actor: audit.Actor,
    person_id: UUID,
    attempt_id: UUID | None,
    *,
    reason: str,
) -> dict[str, Any]:
    """The card of `person_id` only if `attempt_id` — the call the operator is on or wrapping
    up, None otherwise — is with that person; any other ask is refused and the refusal
    access-logged."""
    on_call = attempt_id is not None and await conn.fetchval(
        "select person_id = $2 from call_attempts where id = $1 and tenant_id = $3",
        attempt_id,
        person_id,
        actor.tenant_id,
    )
    if not on_call:
        await audit.record(
            conn,
            actor,
            "person_refused",
            object_type="person",
            object_id=person_id,
            person_id=person_id,
            reason="not on this operator's call",
        )
        raise Forbidden("この方の情報は表示できません。")
    card = await open_card(conn, actor, person_id, reason=reason, attempt_id=attempt_id)
    if card is None:
        raise NotFound("この方の情報はありません。")
    return card
