"""Who gets a reminder letter (催告書) in a campaign: people the planner would write to
because they have no usable number, and people the dialer tried often enough without
reaching — never anyone the planner excludes (settled, no-call, handed to staff, an active
installment plan…) and never twice for the same campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from campaigns.planning import LETTER, PersonFacts, Scope, classify, person_facts, priority_order

# Three tries a day at most (policy.ContactPolicy), so five spans at least two days and
# several times of day before we give up on the phone and write instead.
DEFAULT_AFTER_ATTEMPTS = 5

NO_PHONE = "no_phone"
FAILED_CALLS = "failed_calls"


@dataclass(frozen=True)
class Tries:
    """A person's outbound calls in this campaign."""

    failed: int      # nobody came to the phone: busy, no answer, rejected, dead number, machine
    reached: bool    # someone talked to an operator


def letter_reason(
    facts: PersonFacts, tries: Tries | None, scope: Scope, now: datetime, after_attempts: int
) -> str | None:
    """NO_PHONE, FAILED_CALLS or None (no letter). Failed calls count as contacts for the
    planner, so its "contacted_recently" must not keep the letter from someone we only
    failed to reach."""
    reason = classify(facts, scope, now)
    if reason == LETTER:
        return NO_PHONE
    if (reason in (None, "contacted_recently") and tries is not None and not tries.reached
            and tries.failed >= after_attempts):
        return FAILED_CALLS
    return None


TRIES_SQL = """
select person_id,
       count(*) filter (where status in ('busy', 'no_answer', 'rejected', 'invalid_number')
                           or amd_status = 'MACHINE') as failed,
       bool_or(status in ('connected', 'completed')
               or (status = 'answered' and amd_status = 'HUMAN')) as reached
  from call_attempts
 where campaign_id = $1 and direction = 'outbound' and person_id is not null
 group by person_id
"""

SENT_SQL = """
select distinct person_id from letters
 where tenant_id = $1 and campaign_id = $2 and kind = 'reminder'
"""


@dataclass(frozen=True)
class Recipient:
    person_id: UUID
    reason: str


async def recipients(
    conn: asyncpg.Connection, tenant_id: UUID, campaign_id: UUID, tax_types: tuple[str, ...],
    now: datetime, *, after_attempts: int = DEFAULT_AFTER_ATTEMPTS, limit: int | None = None,
) -> list[Recipient]:
    """Who is due a letter now, most owed first (the planner's priority), at most `limit`."""
    scope = Scope(tax_types=tax_types)
    facts = await person_facts(conn, tenant_id, scope, now)
    tries = {r["person_id"]: Tries(r["failed"], bool(r["reached"]))
             for r in await conn.fetch(TRIES_SQL, campaign_id)}
    sent = {r["person_id"] for r in await conn.fetch(SENT_SQL, tenant_id, campaign_id)}
    reasons: dict[UUID, str] = {}
    for person in facts:
        if person.person_id in sent:
            continue
        reason = letter_reason(person, tries.get(person.person_id), scope, now, after_attempts)
        if reason is not None:
            reasons[person.person_id] = reason
    chosen = priority_order([f for f in facts if f.person_id in reasons], now)[:limit]
    return [Recipient(f.person_id, reasons[f.person_id]) for f in chosen]
