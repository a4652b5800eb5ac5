"""One letter batch end to end: choose the people, gather their letters, render the PDF,
write the manifest, and record the batch, each letter and an audit row — in one transaction.
If anything fails, nothing is recorded and the files written so far are removed, so the same
people are chosen again next time."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from campaigns.letters.content import Letter, Sender, gather
from campaigns.letters.manifest import as_csv, as_json, manifest
from campaigns.letters.page import Issue
from campaigns.letters.pdf import Placed, render
from campaigns.letters.selection import DEFAULT_AFTER_ATTEMPTS, recipients
from campaigns.policy import DayType, day_type
from saikoku.core.errors import Conflict
from saikoku.core.tokyo import TOKYO
from store.tenant_files import letter_manifests

# Letters go out for decided campaigns only: not for a draft, not for a stopped one.
LETTER_STATUSES = frozenset({"ready", "running", "paused", "completed"})
PAY_WITHIN = timedelta(days=14)


class LettersRefused(Conflict):
    """The campaign cannot have letters now; the message says why."""

    code = "letters_refused"


@dataclass(frozen=True)
class BatchRequest:
    tenant_id: UUID
    campaign_id: UUID
    created_by: UUID
    created_by_login: str
    out_dir: Path
    sender: Sender
    after_attempts: int = DEFAULT_AFTER_ATTEMPTS
    limit: int | None = None  # at most this many letters; the rest wait for the next batch


@dataclass(frozen=True)
class BatchResult:
    batch_id: UUID | None  # None: nobody is due a letter
    letters: int
    pdf: Path | None = None
    manifest: Path | None = None
    manifest_csv: Path | None = None
    sha256: str | None = None
    unaddressable: int = 0  # due a letter but no postal code or address on file

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "letters": self.letters,
            "pdf": self.pdf,
            "manifest": self.manifest,
            "manifest_csv": self.manifest_csv,
            "sha256": self.sha256,
            "unaddressable": self.unaddressable,
        }


def pay_by(issued_on: date) -> date:
    """Two weeks after the letter, moved on to a day the ward office is open."""
    day = issued_on + PAY_WITHIN
    while day_type(day) is not DayType.WEEKDAY:
        day += timedelta(days=1)
    return day


async def make_batch(conn: asyncpg.Connection, request: BatchRequest, now: datetime) -> BatchResult:
    written: list[Path] = []
    try:
        async with conn.transaction():
            return await _make_batch(conn, request, now, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


async def _make_batch(
    conn: asyncpg.Connection, request: BatchRequest, now: datetime, written: list[Path]
) -> BatchResult:
    # Two runs for one campaign at once would pick the same people: the second waits.
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended($1, 0))", f"letters:{request.campaign_id}"
    )
    campaign = await conn.fetchrow(
        "select status, tax_scope from campaigns where id = $1 and tenant_id = $2",
        request.campaign_id,
        request.tenant_id,
    )
    if campaign is None:
        raise LettersRefused(f"no campaign {request.campaign_id} in this tenant")
    if campaign["status"] not in LETTER_STATUSES:
        raise LettersRefused(
            f"campaign is {campaign['status']}: letters go out for a ready,"
            " running, paused or completed campaign"
        )
    tax_types = tuple(campaign["tax_scope"])
    chosen = await recipients(
        conn,
        request.tenant_id,
        request.campaign_id,
        tax_types,
        now,
        after_attempts=request.after_attempts,
        limit=request.limit,
    )
    issued_on = now.astimezone(TOKYO).date()
    letters, unaddressable = await gather(
        conn, request.tenant_id, [r.person_id for r in chosen], list(tax_types), issued_on
    )
    if not letters:
        return BatchResult(None, 0, unaddressable=len(unaddressable))
    # The print run comes out sorted by postal code, as the post office wants it.
    letters.sort(key=lambda letter: (letter.postal_code, str(letter.person_id)))
    batch_id = uuid4()
    issue = Issue(batch_id.hex[:8], issued_on, pay_by(issued_on), request.sender)
    pdf, placed = await asyncio.to_thread(render, letters, issue)  # seconds of CPU: off the loop
    sha256 = hashlib.sha256(pdf).hexdigest()

    request.out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = (request.out_dir / f"letters-{batch_id}.pdf").resolve()
    json_path, csv_path = letter_manifests(pdf_path, batch_id)
    reasons = {r.person_id: r.reason for r in chosen}
    doc = manifest(
        batch_id, request.campaign_id, issue, placed, reasons, pdf_path.name, sha256, now
    )
    for path, data in ((pdf_path, pdf), (json_path, as_json(doc)), (csv_path, as_csv(doc))):
        _write_private(path, data, written)

    await _record(conn, request, batch_id, placed, sha256, pdf_path, now)
    await conn.execute(
        "insert into audit_log (user_id, user_login, tenant_id, action, object_type,"
        " object_id, detail) values ($1, $2, $3, 'letters.batch_created', 'letter_batch',"
        " $4, $5::jsonb)",
        request.created_by,
        request.created_by_login,
        request.tenant_id,
        str(batch_id),
        json.dumps(
            {
                "campaign_id": str(request.campaign_id),
                "letters": len(placed),
                "pages": doc["totals"]["pages"],
                "sha256": sha256,
                "after_attempts": request.after_attempts,
                "by_reason": doc["totals"]["by_reason"],
            }
        ),
    )
    return BatchResult(
        batch_id, len(placed), pdf_path, json_path, csv_path, sha256, len(unaddressable)
    )


async def _record(
    conn: asyncpg.Connection,
    request: BatchRequest,
    batch_id: UUID,
    placed: list[Placed],
    sha256: str,
    pdf_path: Path,
    now: datetime,
) -> None:
    await conn.execute(
        "insert into letter_batches (id, tenant_id, campaign_id, letter_count, sha256,"
        " file_path, created_by, printed_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        batch_id,
        request.tenant_id,
        request.campaign_id,
        len(placed),
        sha256,
        str(pdf_path),
        request.created_by,
        now,
    )
    await conn.copy_records_to_table(
        "letters",
        columns=[
            "tenant_id",
            "person_id",
            "campaign_id",
            "batch_id",
            "kind",
            "installments",
            "requested_by",
            "printed_at",
            "page_from",
            "page_to",
        ],
        records=[
            (
                request.tenant_id,
                p.letter.person_id,
                request.campaign_id,
                batch_id,
                "reminder",
                _installments(p.letter),
                request.created_by,
                now,
                p.page_from,
                p.page_to,
            )
            for p in placed
        ],
    )


def _installments(letter: Letter) -> str:
    return json.dumps([{"installment_id": str(d.installment_id)} for d in letter.dues])


def _write_private(path: Path, data: bytes, written: list[Path]) -> None:
    """A new file only its owner can read (letters carry personal data); never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written.append(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
