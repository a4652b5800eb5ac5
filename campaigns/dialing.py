"""The dialer's bookkeeping on campaign targets: claim people with the number to call, mark
them in a call, and settle them when the call is over (next try per the contact policy,
completed when an operator talked to them, exhausted when the policy allows no more).

Settling reads the attempt rows, not in-memory state, so a dialer that crashed and restarted
settles what happened meanwhile (after reconciliation closed the lost attempts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from campaigns.phones import best_phones
from campaigns.policy import ContactPolicy, PastAttempt, next_call_time
from campaigns.targets import next_targets


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
