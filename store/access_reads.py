"""The auditor's view of the access log: who read which person's data, when and why (a call's
screen-pop, a preview, a hand-off, a recording played, an export), filtered by login and
person. Reading it is itself a read of the log: it writes its own row, in the same
transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from store import audit

# Rows about a person, and bulk exports (which name no one person but read many).
READS_SQL = """
select seq, at, user_login, action, reason, object_type, object_id, person_id, client_addr,
       detail
  from saikoku.audit_log
 where tenant_id = $1 and at >= $2 and at < $3
   and (person_id is not null or action like 'export%')
   and ($4::text is null or user_login = $4)
   and ($5::uuid is null or person_id = $5)
 order by seq
"""

COLUMNS = (
    "seq",
    "at",
    "user_login",
    "action",
    "reason",
    "object_type",
    "object_id",
    "person_id",
    "client_addr",
    "detail",
)


@dataclass(frozen=True)
class ReadsFilter:
    since: datetime
    until: datetime
    login: str | None = None
    person_id: UUID | None = None

    def as_detail(self) -> dict[str, Any]:
        return {
            "from": self.since.isoformat(),
            "to": self.until.isoformat(),
            "login": self.login,
            "person_id": str(self.person_id) if self.person_id else None,
        }


def _row(record: asyncpg.Record) -> dict[str, Any]:
    row = dict(record)
    row["detail"] = json.loads(row["detail"])
    row["client_addr"] = str(row["client_addr"]) if row["client_addr"] else None
    return row


async def reads(
    conn: asyncpg.Connection,
    actor: audit.Actor,
    wanted: ReadsFilter,
    *,
    how: str,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The matching rows, oldest first, at most `limit`; `how` (page, export) goes into the
    log's own row with the filter and the count."""
    async with conn.transaction():
        rows = await conn.fetch(
            READS_SQL + " limit $6",
            actor.tenant_id,
            wanted.since,
            wanted.until,
            wanted.login,
            wanted.person_id,
            limit,
        )
        await audit.record(
            conn,
            actor,
            "access_log_read",
            reason=how,
            detail={**wanted.as_detail(), "rows": len(rows)},
        )
    return [_row(r) for r in rows]
