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
from saikoku.core.tokyo import TOKYO

GETA = "〓"  # what Japanese systems print for a character the code page lacks


def _geta(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return GETA * (error.end - error.start), error.end


codecs.register_error("saikoku-geta", _geta)


async def export_history(
    pool: asyncpg.Pool,
    tenant_id: UUID,
    since: datetime,
    out: Path,
    *,
    encoding: str = "utf-8",
    mark_exported: bool = True,
) -> int:
    """Write call-center history recorded since `since`; returns the rows written."""
    rows = await pool.fetch(
        """
        select h.id, p.resident_number, h.contacted_at, h.contact_kind, h.place, h.counterpart,
               h.content, h.forms_issued, h.recorded_by, h.promise
          from history h join persons p on p.id = h.person_id
         where h.tenant_id = $1 and h.source = 'call_center' and h.created_at >= $2
         order by h.contacted_at, h.id
        """,
        tenant_id,
        since,
    )
    newline = "\r\n" if encoding.lower() in ("cp932", "shift_jis", "sjis") else "\n"
    keys = [c.key for c in HISTORY.columns]
    with out.open("w", encoding=encoding, errors="saikoku-geta", newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow([c.ja for c in HISTORY.columns])
        for row in rows:
            values = dict(row)
            values["contacted_at"] = (
                row["contacted_at"].astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
            )
            writer.writerow(["" if values.get(k) is None else values[k] for k in keys])
    if mark_exported and rows:
        await pool.execute(
            "update history set exported_at = now() where id = any($1::bigint[])",
            [r["id"] for r in rows],
        )
    return len(rows)
