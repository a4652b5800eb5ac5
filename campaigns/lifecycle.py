"""Campaign lifecycle: draft → ready → running ⇄ paused → completed | stopped.

Pausing means no new dials (next_targets yields nothing) while calls in progress finish.
Every transition is recorded with who and when (campaign_status_changes)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from saikoku.core.errors import Conflict

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"ready", "stopped"}),
    "ready": frozenset({"draft", "running", "stopped"}),
    "running": frozenset({"paused", "completed", "stopped"}),
    "paused": frozenset({"running", "completed", "stopped"}),
    "completed": frozenset(),
    "stopped": frozenset(),
}


class TransitionError(Conflict):
    """A campaign cannot move to the asked state from the one it is in."""

    code = "wrong_state"


async def transition(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    campaign_id: UUID,
    to_status: str,
    *,
    changed_by: UUID | None,
    reason: str | None = None,
) -> str:
    """Move the campaign, or raise TransitionError saying which moves are possible.
    Returns the state it came from."""
    if to_status not in TRANSITIONS:
        raise TransitionError(f"unknown campaign state {to_status!r}")
    async with conn.transaction():
        row = await conn.fetchrow(
            "select tenant_id, status from campaigns where id = $1 and tenant_id = $2 for update",
            campaign_id,
            tenant_id,
        )
        if row is None:
            raise TransitionError(f"no campaign {campaign_id}")
        current = row["status"]
        if to_status not in TRANSITIONS[current]:
            allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is finished)"
            raise TransitionError(
                f"campaign is {current}; it can move to: {allowed} — not {to_status}"
            )
        await conn.execute(
            "update campaigns set status = $2, updated_at = now() where id = $1",
            campaign_id,
            to_status,
        )
        await conn.execute(
            "insert into campaign_status_changes"
            " (tenant_id, campaign_id, changed_by, from_status, to_status, reason)"
            " values ($1, $2, $3, $4, $5, $6)",
            row["tenant_id"],
            campaign_id,
            changed_by,
            current,
            to_status,
            reason,
        )
    return str(current)
