"""A campaign's pacing knobs as stored with it, and the history of their changes (who, when,
before and after). The running dialer adopts new knobs within a second."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.catalog import must_exist
from dialer.pacing.settings import PacingSettings, pacing_settings
from saikoku.core.errors import NotFound
from store.db import Executor

_NO_CAMPAIGN = "キャンペーンが見つかりません。"


async def campaign_knobs(conn: Executor, tenant_id: UUID, campaign_id: UUID) -> PacingSettings:
    raw = await conn.fetchval(
        "select pacing from campaigns where tenant_id = $1 and id = $2", tenant_id, campaign_id
    )
    if raw is None:
        raise NotFound(_NO_CAMPAIGN)
    return pacing_settings(**json.loads(raw))


async def replace_knobs(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    campaign_id: UUID,
    knobs: PacingSettings,
    *,
    changed_by: UUID,
) -> None:
    """Store validated knobs and the change, in one transaction."""
    after = knobs.model_dump_json()
    async with conn.transaction():
        before = await conn.fetchval(
            "select pacing from campaigns where tenant_id = $1 and id = $2 for update",
            tenant_id,
            campaign_id,
        )
        if before is None:
            raise NotFound(_NO_CAMPAIGN)
        await conn.execute(
            "update campaigns set pacing = $2::jsonb where id = $1", campaign_id, after
        )
        await conn.execute(
            "insert into campaign_pacing_changes (tenant_id, campaign_id, changed_by, before,"
            " after) values ($1, $2, $3, $4::jsonb, $5::jsonb)",
            tenant_id,
            campaign_id,
            changed_by,
            before,
            after,
        )


async def knob_changes(conn: Executor, tenant_id: UUID, campaign_id: UUID) -> list[dict[str, Any]]:
    await must_exist(conn, tenant_id, campaign_id)
    rows = await conn.fetch(
        "select h.changed_at, u.login_id as changed_by, h.before, h.after"
        " from campaign_pacing_changes h join users u on u.id = h.changed_by"
        " where h.tenant_id = $1 and h.campaign_id = $2 order by h.id",
        tenant_id,
        campaign_id,
    )
    return [
        {**dict(r), "before": json.loads(r["before"]), "after": json.loads(r["after"])}
        for r in rows
    ]
