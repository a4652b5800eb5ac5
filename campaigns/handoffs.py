"""Ward staff's work list: persons operators handed over (consultation needed), with the note
and the conversation log; staff take one and close it with a result. Every listed person is
a read of personal data and is access-logged in the same transaction as the read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from saikoku.core.errors import Conflict
from store import audit

OPEN_HANDOFFS_SQL = """
select h.id, h.status, h.note, h.created_at, h.taken_at, t.login_id as taken_by,
       p.id as person_id, p.name, p.name_kana, o.login_id as handed_over_by,
       (select string_agg(c.body, E'\\n' order by c.created_at) from conversation_logs c
         where c.attempt_id = h.attempt_id) as conversation_log
  from handoffs h join persons p on p.id = h.person_id
  join users o on o.id = h.created_by left join users t on t.id = h.taken_by
 where h.tenant_id = $1 and h.status <> 'closed'
 order by h.created_at
"""


async def work_list(conn: asyncpg.Connection, actor: audit.Actor) -> list[dict[str, Any]]:
    async with conn.transaction():
        rows = await conn.fetch(OPEN_HANDOFFS_SQL, actor.tenant_id)
        for row in rows:
            await audit.record(
                conn,
                actor,
                "person_viewed",
                object_type="handoff",
                object_id=row["id"],
                person_id=row["person_id"],
                reason="hand-off work list",
            )
    return [dict(r) for r in rows]


async def take(conn: asyncpg.Connection, actor: audit.Actor, handoff_id: UUID) -> None:
    async with conn.transaction():
        taken = await conn.fetchval(
            "update handoffs set status = 'taken', taken_by = $3, taken_at = now()"
            " where tenant_id = $1 and id = $2 and status = 'open' returning id",
            actor.tenant_id,
            handoff_id,
            actor.user_id,
        )
        if taken is None:
            raise Conflict("この引継ぎは受付済みか、終了しています。", code="not_open")
        await audit.record(conn, actor, "handoff_taken", object_type="handoff", object_id=taken)


async def close(
    conn: asyncpg.Connection, actor: audit.Actor, handoff_id: UUID, result: str
) -> None:
    """Only the staff member who took the hand-off closes it."""
    async with conn.transaction():
        closed = await conn.fetchval(
            "update handoffs set status = 'closed', closed_at = now(), result = $4"
            " where tenant_id = $1 and id = $2 and status = 'taken' and taken_by = $3"
            " returning id",
            actor.tenant_id,
            handoff_id,
            actor.user_id,
            result,
        )
        if closed is None:
            raise Conflict("受付した引継ぎだけを終了できます。", code="not_yours")
        await audit.record(conn, actor, "handoff_closed", object_type="handoff", object_id=closed)
