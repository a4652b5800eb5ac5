"""Who to dial next. Safe under concurrency: claims take row locks with SKIP LOCKED, so two
dialer processes asking at once never get the same person, and a claim not used within its
lease goes back to the queue."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from campaigns.phones import best_phones
from campaigns.policy import ContactPolicy, PastAttempt, may_call, next_call_time

CANDIDATE_FACTOR = 3  # look at more rows than asked: the policy may turn some away


@dataclass(frozen=True)
class Target:
    target_id: UUID
    person_id: UUID
    priority: int


async def release_expired_claims(conn: asyncpg.Connection, now: datetime) -> int:
    result = await conn.execute(
        "update campaign_targets set state = 'pending', claimed_by = null,"
        " claim_expires_at = null, updated_at = now()"
        " where state = 'claimed' and claim_expires_at < $1",
        now,
    )
    return int(result.split()[-1])


async def held_by(
    conn: asyncpg.Connection, campaign_ids: list[UUID], worker: str, now: datetime
) -> Target | None:
    """The target of these campaigns this worker has claimed and whose lease still runs."""
    row = await conn.fetchrow(
        "select id, person_id, priority from campaign_targets"
        " where campaign_id = any($1::uuid[]) and state = 'claimed' and claimed_by = $2"
        " and claim_expires_at >= $3 order by claim_expires_at desc limit 1",
        campaign_ids,
        worker,
        now,
    )
    return None if row is None else Target(row["id"], row["person_id"], row["priority"])


async def _attempt_history(
    conn: asyncpg.Connection, person_ids: list[UUID]
) -> dict[UUID, list[PastAttempt]]:
    rows = await conn.fetch(
        "select person_id, created_at, status, amd_status = 'MACHINE' as machine,"
        " (status in ('connected', 'completed', 'abandoned')"
        "  or (status = 'answered' and coalesce(amd_status, 'HUMAN') = 'HUMAN')) as human"
        " from call_attempts where person_id = any($1::uuid[]) and direction = 'outbound'",
        person_ids,
    )
    history: dict[UUID, list[PastAttempt]] = defaultdict(list)
    for r in rows:
        history[r["person_id"]].append(
            PastAttempt(r["created_at"], r["status"], bool(r["machine"]), bool(r["human"]))
        )
    return history


async def next_targets(
    conn: asyncpg.Connection,
    campaign_id: UUID,
    n: int,
    now: datetime,
    *,
    worker: str,
    lease: timedelta = timedelta(minutes=2),
    policy: ContactPolicy | None = None,
) -> list[Target]:
    """Claim up to n targets of a running campaign that the contact policy allows now.
    Targets the policy turns away get their next allowed time, so they are not examined
    again before it; people with no dialable number are excluded."""
    policy = policy or ContactPolicy()
    async with conn.transaction():
        await release_expired_claims(conn, now)
        rows = await conn.fetch(
            """
            select t.id, t.person_id, t.priority from campaign_targets t
              join campaigns c on c.id = t.campaign_id
             where t.campaign_id = $1 and c.status = 'running'
               and t.state in ('pending', 'callback')
               and (t.next_attempt_at is null or t.next_attempt_at <= $2)
               -- nobody is ever in two calls at once (another campaign may be calling them)
               and not exists (select 1 from call_attempts a
                                where a.person_id = t.person_id and a.ended_at is null)
             order by t.priority desc, t.next_attempt_at nulls first, t.id
             limit $3
               for update of t skip locked
            """,
            campaign_id,
            now,
            n * CANDIDATE_FACTOR,
        )
        if not rows:
            return []
        person_ids = [r["person_id"] for r in rows]
        history = await _attempt_history(conn, person_ids)
        kinds = {p: best.kind for p, best in (await best_phones(conn, person_ids)).items()}
        claimed: list[Target] = []
        for row in rows:
            person = row["person_id"]
            if person not in kinds:
                await _set(conn, row["id"], "excluded", reason="no_dialable_number")
                continue
            attempts = history.get(person, [])
            if len(claimed) < n and may_call(policy, kinds[person], attempts, now).allowed:
                await conn.execute(
                    "update campaign_targets set state = 'claimed', claimed_by = $2,"
                    " claim_expires_at = $3, updated_at = now() where id = $1",
                    row["id"],
                    worker,
                    now + lease,
                )
                claimed.append(Target(row["id"], person, row["priority"]))
            elif len(claimed) < n:
                later = next_call_time(policy, kinds[person], attempts, now)
                if later is None:
                    await _set(conn, row["id"], "exhausted", reason=None)
                else:
                    await conn.execute(
                        "update campaign_targets set next_attempt_at = $2, updated_at = now()"
                        " where id = $1",
                        row["id"],
                        later,
                    )
        return claimed


async def _set(
    conn: asyncpg.Connection, target_id: UUID, state: str, *, reason: str | None
) -> None:
    await conn.execute(
        "update campaign_targets set state = $2, excluded_reason = $3, updated_at = now()"
        " where id = $1",
        target_id,
        state,
        reason,
    )
