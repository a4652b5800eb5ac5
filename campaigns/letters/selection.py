"""Who gets a reminder letter (催告書) in a campaign: people the planner would write to
because they have no usable number, and people the dialer tried often enough without
reaching — never anyone the planner excludes (settled, no-call, handed to staff, an active
installment plan…) and never twice for the same campaign.

Built on the planner's classification (`campaigns.planning.CLASSIFIED_SQL`), in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from campaigns.planning import CLASSIFIED_SQL, LETTER, NO_JIT, Scope, order_by, scope_args

# Three tries a day at most (policy.ContactPolicy), so five spans at least two days and
# several times of day before we give up on the phone and write instead.
DEFAULT_AFTER_ATTEMPTS = 5

NO_PHONE = "no_phone"
FAILED_CALLS = "failed_calls"

# $12 campaign, $13 failed calls that earn a letter, $14 at most this many (null: all).
# A failed call is one nobody came to the phone for (busy, no answer, rejected, dead number,
# machine); someone who talked to an operator is reached. Failed calls count as contacts for
# the planner, so its "contacted_recently" must not keep the letter from someone we only
# failed to reach.
RECIPIENTS_SQL = (
    CLASSIFIED_SQL
    + f"""
, tries as (
    select person_id,
           count(*) filter (where status in ('busy', 'no_answer', 'rejected', 'invalid_number')
                               or amd_status = 'MACHINE') as failed,
           coalesce(bool_or(status in ('connected', 'completed')
                            or (status = 'answered' and amd_status = 'HUMAN')), false)
             as reached
      from call_attempts
     where campaign_id = $12 and direction = 'outbound' and person_id is not null
     group by person_id),
sent as (
    select distinct person_id from letters
     where tenant_id = $1 and campaign_id = $12 and kind = 'reminder')
select c.person_id,
       case when c.reason = '{LETTER}' then '{NO_PHONE}' else '{FAILED_CALLS}' end as reason
  from classified c
  left join tries t on t.person_id = c.person_id
 where not exists (select 1 from sent s where s.person_id = c.person_id)
   and (c.reason = '{LETTER}'
        or ((c.reason is null or c.reason = 'contacted_recently')
            and not t.reached and t.failed >= $13::int))
 order by {order_by()}
 limit $14::bigint
"""
)


@dataclass(frozen=True)
class Recipient:
    person_id: UUID
    reason: str


async def recipients(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    campaign_id: UUID,
    tax_types: tuple[str, ...],
    now: datetime,
    *,
    after_attempts: int = DEFAULT_AFTER_ATTEMPTS,
    limit: int | None = None,
) -> list[Recipient]:
    """Who is due a letter now, most owed first (the planner's priority), at most `limit`."""
    async with conn.transaction():
        await conn.execute(NO_JIT)
        rows = await conn.fetch(
            RECIPIENTS_SQL,
            *scope_args(tenant_id, Scope(tax_types=tax_types), now),
            campaign_id,
            after_attempts,
            limit,
        )
    return [Recipient(r["person_id"], r["reason"]) for r in rows]
