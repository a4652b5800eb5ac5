"""The auditor's view of the access log: who read which person's data, when and why (a call's
screen-pop, a preview, a hand-off, a recording played, an export), filtered by login and
person. Reading it is itself a read of the log: it writes its own row, in the same
transaction."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from saikoku.core.errors import BadRequest, Forbidden
from saikoku.core.private_file import private_text_file
from saikoku.core.tokyo import TOKYO
from store import audit, tenant_files
from store.accounts import active_user

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

    @classmethod
    def for_days(
        cls, first: date, last: date, login: str | None = None, person_id: UUID | None = None
    ) -> ReadsFilter:
        """Whole days in Tokyo, first to last inclusive."""
        if last < first:
            raise BadRequest("the last day is before the first")
        return cls(
            datetime.combine(first, time(), TOKYO),
            datetime.combine(last + timedelta(days=1), time(), TOKYO),
            login or None,
            person_id,
        )

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


# Who may read the access log: auditors, and admins (who answer for the system). Not the
# contractor's supervisors and operators, whose reads it records.
AUDIT_ROLES = ("auditor", "admin")


class AccessLogRefused(Forbidden):
    """The named login may not read the access log."""

    code = "access_log_refused"


async def export_reads(
    conn: asyncpg.Connection, tenant_id: UUID, by_login: str, wanted: ReadsFilter, out: Path
) -> int:
    """Write the matching rows to `out` as CSV (UTF-8 with BOM, mode 0600) for `by_login`, an
    auditor or admin of the tenant; the export is logged with the read. Returns the rows."""
    reader = await active_user(conn, tenant_id, by_login)
    actor = audit.Actor(tenant_id, reader.id, reader.login)
    if reader.role not in AUDIT_ROLES:
        await audit.record(conn, actor, "access_log_refused", reason="role")
        raise AccessLogRefused(
            f"{by_login!r} may not read the access log: only {', '.join(AUDIT_ROLES)} may"
        )
    async with conn.transaction():
        rows = await reads(conn, actor, wanted, how="export")
        # Last, so that a file exists only with its access-log row (the commit follows);
        # registered for the tenant's erasure at contract end.
        with private_text_file(out, encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow(["" if row[c] is None else _cell(row[c]) for c in COLUMNS])
        await tenant_files.register(conn, tenant_id, "access_log_export", out)
    return len(rows)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).isoformat(timespec="seconds")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
