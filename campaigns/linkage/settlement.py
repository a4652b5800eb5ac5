"""Nobody is called about a bill they have paid: after every import, people whose debt in
a live campaign's scope is settled leave that campaign at once."""

from __future__ import annotations

from uuid import UUID

import asyncpg

LIVE_CAMPAIGN_STATES = ("ready", "running", "paused")
# Targets not yet finished with; one in a call right now is left to its operator.
OPEN_TARGET_STATES = ("pending", "claimed", "callback")
SETTLED = "settled"


async def withdraw_settled(conn: asyncpg.Connection, tenant_id: UUID) -> int:
    """Exclude every open target whose person owes nothing in the campaign's tax scope.
    Returns how many targets were withdrawn."""
    result = await conn.execute(
        """
        update campaign_targets t
           set state = 'excluded', excluded_reason = $4, claimed_by = null,
               claim_expires_at = null, updated_at = now()
          from campaigns c
         where c.id = t.campaign_id and c.tenant_id = $1 and t.tenant_id = $1
           and c.status = any($2::text[]) and t.state = any($3::text[])
           and not exists (
               select 1 from tax_bills b join installments i on i.bill_id = b.id
                where b.tenant_id = $1 and b.person_id = t.person_id
                  and b.tax_type = any(c.tax_scope) and b.missing_since is null
                  and i.missing_since is null and installment_owed(i) > 0)
        """,
        tenant_id,
        list(LIVE_CAMPAIGN_STATES),
        list(OPEN_TARGET_STATES),
        SETTLED,
    )
    return int(result.split()[-1])
