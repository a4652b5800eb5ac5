"""The tenant's campaigns as a list: create one, list them with their progress, and the
history of their states. Counts only, no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from saikoku.core.errors import Conflict, NotFound
from store import audit
from store.db import Executor

LIST_SQL = """
select c.id, c.name, c.status, c.tax_scope, c.pacing, c.priority_order, c.created_at,
       count(t.id) filter (where t.state in ('pending', 'callback', 'claimed')) as waiting,
       count(t.id) filter (where t.state = 'in_call') as in_call,
       count(t.id) filter (where t.state in ('completed', 'exhausted')) as done,
       count(t.id) as targets
  from campaigns c left join campaign_targets t on t.campaign_id = c.id
 where c.tenant_id = $1 group by c.id order by c.created_at
"""

STATUS_HISTORY_SQL = """
select h.changed_at, h.from_status, h.to_status, h.reason, u.login_id as changed_by
  from campaign_status_changes h left join users u on u.id = h.changed_by
 where h.tenant_id = $1 and h.campaign_id = $2 order by h.changed_at, h.id
"""


@dataclass(frozen=True)
class CampaignRef:
    id: UUID
    created_by: UUID
    creator_login: str


async def find_campaign(conn: Executor, tenant_id: UUID, id_or_name: str) -> CampaignRef:
    """The tenant's campaign with this id or name."""
    try:
        by_id: UUID | None = UUID(id_or_name)
    except ValueError:
        by_id = None
    row = await conn.fetchrow(
        "select c.id, c.created_by, u.login_id from campaigns c"
        " join users u on u.id = c.created_by"
        " where c.tenant_id = $1 and (c.id = $2 or c.name = $3)",
        tenant_id,
        by_id,
        id_or_name,
    )
    if row is None:
        raise NotFound(f"no campaign {id_or_name!r} in this tenant (see `saikoku campaign list`)")
    return CampaignRef(row["id"], row["created_by"], row["login_id"])


async def create_campaign(
    conn: asyncpg.Connection, actor: audit.Actor, name: str, tax_types: list[str]
) -> UUID:
    """A draft campaign of this name (unique in the tenant), logged with who made it."""
    async with conn.transaction():
        if await conn.fetchval(
            "select 1 from campaigns where tenant_id = $1 and name = $2", actor.tenant_id, name
        ):
            raise Conflict("同じ名前のキャンペーンがあります。", code="duplicate_name")
        campaign_id: UUID = await conn.fetchval(
            "insert into campaigns (tenant_id, name, tax_scope, created_by)"
            " values ($1, $2, $3, $4) returning id",
            actor.tenant_id,
            name,
            tax_types,
            actor.user_id,
        )
        await audit.record(
            conn, actor, "campaign_created", object_type="campaign", object_id=campaign_id
        )
    return campaign_id


async def list_campaigns(conn: Executor, tenant_id: UUID) -> list[dict[str, Any]]:
    """Every campaign of the tenant, oldest first, with its targets counted by state:
    waiting (to call), in_call, done (completed or exhausted) and all."""
    return [dict(r) for r in await conn.fetch(LIST_SQL, tenant_id)]


async def status_history(
    conn: Executor, tenant_id: UUID, campaign_id: UUID
) -> list[dict[str, Any]]:
    await must_exist(conn, tenant_id, campaign_id)
    return [dict(r) for r in await conn.fetch(STATUS_HISTORY_SQL, tenant_id, campaign_id)]


async def must_exist(conn: Executor, tenant_id: UUID, campaign_id: UUID) -> None:
    """NotFound unless the campaign is the tenant's: another tenant's is as if it did not
    exist (not an empty answer, which would confirm it does)."""
    if not await conn.fetchval(
        "select exists (select 1 from campaigns where tenant_id = $1 and id = $2)",
        tenant_id,
        campaign_id,
    ):
        raise NotFound("キャンペーンが見つかりません。")
