"""Finding recordings to play back. Who may play them is the caller's rule (supervisors and
ward staff, never operators); every playback is access-logged with the person the call was
with, in the same transaction as the lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from saikoku.core.errors import NotFound
from store import audit
from store.db import Executor

PLAYABLE_SQL = """
select r.id, r.path, a.person_id from recordings r
  join call_attempts a on a.id = r.attempt_id
 where r.tenant_id = $1 and r.attempt_id = $2 and r.stored_at is not null
   and r.purged_at is null
"""

RECENT_SQL = """
select r.attempt_id, r.started_at, r.duration_ms, u.login_id as operator
  from recordings r join call_attempts a on a.id = r.attempt_id
  left join users u on u.id = a.operator_id
 where r.tenant_id = $1 and r.stored_at is not null and r.purged_at is null
 order by r.started_at desc limit $2
"""


async def open_for_playback(conn: asyncpg.Connection, actor: audit.Actor, attempt_id: UUID) -> Path:
    """The stored file of the call's recording, its playback logged."""
    async with conn.transaction():
        row = await conn.fetchrow(PLAYABLE_SQL, actor.tenant_id, attempt_id)
        if row is None:
            raise NotFound("録音がありません。")
        await audit.record(
            conn,
            actor,
            "recording_played",
            object_type="recording",
            object_id=row["id"],
            person_id=row["person_id"],
        )
    return Path(row["path"])


async def recent(conn: Executor, tenant_id: UUID, limit: int = 50) -> list[dict[str, Any]]:
    """The latest stored recordings: ids, times and operator only (no personal data)."""
    return [dict(r) for r in await conn.fetch(RECENT_SQL, tenant_id, limit)]
