"""The dialer's bookkeeping on campaign targets: claim people with the number to call (in
preview, one person per operator at a time, put back only with a logged reason), mark them in a
call, and settle them when the call is over (next try per the contact policy, completed when an
operator talked to them, exhausted when the policy allows no more).

Settling reads the attempt rows, not in-memory state, so a dialer that crashed and restarted
settles what happened meanwhile (after reconciliation closed the lost attempts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

import asyncpg

from campaigns.phones import best_phones
from campaigns.policy import ContactPolicy, PastAttempt, next_call_time
from campaigns.targets import Target, held_by, next_targets
from saikoku.core.errors import Conflict
from store import audit

# Why an operator in preview puts a person back without calling: a fixed list, so the access
# log holds a reason and never free text about the person.
SkipReason = Literal["knows_the_person", "number_in_doubt", "needs_check", "not_now", "other"]


@dataclass(frozen=True)
class Dial:
    target_id: UUID
    person_id: UUID
    phone_id: UUID
    # The national number (0…); personal data: never logged.
    number: str


async def claim_dials(
    conn: asyncpg.Connection,
    campaign_id: UUID,
    n: int,
    now: datetime,
    *,
    worker: str,
    policy: ContactPolicy | None = None,
    lease: timedelta = timedelta(minutes=2),
) -> list[Dial]:
    """Claim up to n targets and pick each one's number (mobile first)."""
    targets = await next_targets(
        conn, campaign_id, n, now, worker=worker, lease=lease, policy=policy
    )
    if not targets:
        return []
    phones = await best_phones(conn, [t.person_id for t in targets])
    return [
        Dial(t.target_id, t.person_id, phones[t.person_id].phone_id, phones[t.person_id].national)
        for t in targets
        if t.person_id in phones
    ]


async def claim_for_operator(
    conn: asyncpg.Connection,
    campaign_ids: list[UUID],
    now: datetime,
    *,
    worker: str,
    policy: ContactPolicy | None = None,
    lease: timedelta = timedelta(minutes=2),
) -> Target | None:
    """Preview: the one person an operator may look at. The target they hold already (lease
    still running), else a new claim from the first of these campaigns with someone to call
    now. They get no other until it is dialed (`mark_in_call`), skipped (`release_claim`) or
    its lease runs out; two asks at once from one operator are taken one after the other, so
    they never hold two."""
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock(hashtextextended($1, 0))", worker)
        held = await held_by(conn, campaign_ids, worker, now)
        if held is not None:
            return held
        for campaign_id in campaign_ids:
            claimed = await next_targets(
                conn, campaign_id, 1, now, worker=worker, lease=lease, policy=policy
            )
            if claimed:
                return claimed[0]
    return None


async def release_claim(
    conn: asyncpg.Connection,
    actor: audit.Actor,
    target_id: UUID,
    *,
    worker: str,
    reason: SkipReason,
    retry_at: datetime,
) -> None:
    """The operator puts the person they hold back without calling, for a reason (logged in
    the same transaction). The target is pending again from `retry_at` — not at once, or it
    would be the next one shown again."""
    async with conn.transaction():
        person_id: UUID | None = await conn.fetchval(
            "update campaign_targets set state = 'pending', claimed_by = null,"
            " claim_expires_at = null, next_attempt_at = $4, updated_at = now()"
            " where id = $1 and tenant_id = $2 and state = 'claimed' and claimed_by = $3"
            " returning person_id",
            target_id,
            actor.tenant_id,
            worker,
            retry_at,
        )
        if person_id is None:
            raise Conflict("この案件は表示期限が切れました。", code="not_claimed")
        await audit.record(
            conn,
            actor,
            "preview_skipped",
            object_type="campaign_target",
            object_id=target_id,
            person_id=person_id,
            reason=reason,
        )


async def mark_in_call(conn: asyncpg.Connection, target_id: UUID) -> None:
    await conn.execute(
        "update campaign_targets set state = 'in_call', attempts = attempts + 1,"
        " claimed_by = null, claim_expires_at = null, updated_at = now() where id = $1",
        target_id,
    )


SETTLE_SQL = """
select t.id, t.person_id, f.kind,
       array_agg(a.created_at order by a.created_at) as at,
       array_agg(a.status order by a.created_at) as status,
       array_agg(coalesce(a.amd_status = 'MACHINE', false) order by a.created_at) as machine,
       array_agg(a.status in ('connected', 'completed', 'abandoned')
                 or (a.status = 'answered' and coalesce(a.amd_status, 'HUMAN') = 'HUMAN')
                 order by a.created_at) as human,
       bool_or(a.ended_at is null) as open,
       -- the attempt of this round exists (the dialer marks in_call just before inserting it)
       bool_or(a.target_id = t.id and a.created_at >= t.updated_at) as placed
  from campaign_targets t
  join call_attempts a on a.person_id = t.person_id and a.direction = 'outbound'
  left join phones f on f.id = (select phone_id from call_attempts x where x.target_id = t.id
                                order by x.created_at desc limit 1)
 where t.campaign_id = $1 and t.state = 'in_call'
 group by t.id, t.person_id, f.kind
"""


async def settle_finished(
    conn: asyncpg.Connection,
    campaign_id: UUID,
    now: datetime,
    policy: ContactPolicy | None = None,
) -> int:
    """Move in-call targets whose calls are all over to their next state; returns how many."""
    policy = policy or ContactPolicy()
    settled = 0
    # In a call with no attempt a minute on: the dialer died before placing it.
    await conn.execute(
        "update campaign_targets t set state = 'pending', updated_at = now()"
        " where t.campaign_id = $1 and t.state = 'in_call'"
        " and t.updated_at < now() - interval '1 minute' and not exists ("
        "   select 1 from call_attempts a where a.target_id = t.id"
        "   and a.created_at >= t.updated_at)",
        campaign_id,
    )
    for row in await conn.fetch(SETTLE_SQL, campaign_id):
        if row["open"] or not row["placed"]:
            continue
        history = [
            PastAttempt(*a)
            for a in zip(row["at"], row["status"], row["machine"], row["human"], strict=True)
        ]
        if history[-1].status == "connected":
            # An operator spoke with them; the operator's result decides what comes next.
            state, when = "completed", None
        else:
            when = next_call_time(policy, row["kind"] or "landline", history, now)
            state = "exhausted" if when is None else "pending"
        await conn.execute(
            "update campaign_targets set state = $2, next_attempt_at = $3, updated_at = now()"
            " where id = $1 and state = 'in_call'",
            row["id"],
            state,
            when,
        )
        settled += 1
    return settled
