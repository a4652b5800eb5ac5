"""`saikoku export history`: the call center's records back to the delinquency system, as
経過記録 rows in the interchange format (so `saikoku import` reads them back unchanged)."""

from __future__ import annotations

import codecs
import csv
from datetime import datetime
from pathlib import Path
from uuid import UUID

import asyncpg

from campaigns.linkage.spec import HISTORY
from saikoku.core.errors import Forbidden
from saikoku.core.private_file import private_text_file
from saikoku.core.tokyo import TOKYO
from store import audit, tenant_files
from store.accounts import active_user
from store.audit import Actor

GETA = "〓"  # what Japanese systems print for a character the code page lacks


def _geta(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return GETA * (error.end - error.start), error.end


codecs.register_error("saikoku-geta", _geta)


# Who may take the tenant's records out in bulk: the ward's own staff (who hand the file to the
# delinquency system) and admins. Not the contractor's operators and supervisors — the
# contract forbids them copies — nor auditors (they read the access log, not the records)
# or PBX admins.
EXPORT_ROLES = ("staff", "admin")


class ExportRefused(Forbidden):
    """The named login may not export records."""

    code = "export_refused"


async def export_history(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    by_login: str,
    since: datetime,
    out: Path,
    *,
    encoding: str = "utf-8",
    mark_exported: bool = True,
) -> int:
    """Write call-center history recorded since `since` to `out` (mode 0600) for the login
    `by_login`, access-logged in the transaction that reads it; returns the rows written."""
    exporter = await active_user(conn, tenant_id, by_login)
    by = Actor(tenant_id, exporter.id, exporter.login)
    if exporter.role not in EXPORT_ROLES:
        await audit.record(conn, by, "export_refused", object_type="export", reason="role")
        raise ExportRefused(
            f"{by_login!r} may not export records: only the roles {', '.join(EXPORT_ROLES)} may"
        )
    async with conn.transaction():
        rows = await conn.fetch(
            """
            select h.id, p.resident_number, h.contacted_at, h.contact_kind, h.place,
                   h.counterpart, h.content, h.forms_issued, h.recorded_by, h.promise
              from history h join persons p on p.id = h.person_id
             where h.tenant_id = $1 and h.source = 'call_center' and h.created_at >= $2
             order by h.contacted_at, h.id
            """,
            tenant_id,
            since,
        )
        if mark_exported and rows:
            await conn.execute(
                "update history set exported_at = now() where id = any($1::bigint[])",
                [r["id"] for r in rows],
            )
        await audit.record(
            conn,
            by,
            "export_history",
            object_type="export",
            detail={"rows": len(rows), "file": out.name, "since": since.isoformat()},
        )
        # Last, so that a file exists only with its access-log row (the commit follows);
        # registered for the tenant's erasure at contract end.
        _write(rows, out, encoding)
        await tenant_files.register(conn, tenant_id, "history_export", out)
    return len(rows)


def _write(rows: list[asyncpg.Record], out: Path, encoding: str) -> None:
    newline = "\r\n" if encoding.lower() in ("cp932", "shift_jis", "sjis") else "\n"
    keys = [c.key for c in HISTORY.columns]
    with private_text_file(out, encoding=encoding, errors="saikoku-geta", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow([c.ja for c in HISTORY.columns])
        for row in rows:
            values = dict(row)
            values["contacted_at"] = (
                row["contacted_at"].astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
            )
            writer.writerow(["" if values.get(k) is None else values[k] for k in keys])
