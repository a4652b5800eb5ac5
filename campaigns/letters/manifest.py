"""The enclosing and sealing manifest (封入封緘): which page range is which letter, the
postal code to sort by, totals and the PDF's SHA-256. Manifests travel to the print shop
and back, so they name people by id only — never a name, an address or an amount."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from campaigns.letters.page import Issue
from campaigns.letters.pdf import Placed

CSV_COLUMNS = ("sequence", "reference", "page_from", "page_to", "postal_code", "person_id")


def manifest(
    batch_id: UUID,
    campaign_id: UUID,
    issue: Issue,
    placed: Sequence[Placed],
    reasons: dict[UUID, str],
    pdf_name: str,
    sha256: str,
    created_at: datetime,
) -> dict[str, Any]:
    pages = placed[-1].page_to if placed else 0
    return {
        "batch_id": str(batch_id),
        "campaign_id": str(campaign_id),
        "created_at": created_at.isoformat(),
        "issued_on": issue.issued_on.isoformat(),
        "pay_by": issue.pay_by.isoformat(),
        "pdf": pdf_name,
        "sha256": sha256,
        "letter_count": len(placed),
        "letters": [
            {
                "sequence": p.sequence,
                "reference": issue.reference(p.sequence),
                "page_from": p.page_from,
                "page_to": p.page_to,
                "postal_code": p.letter.postal_code,
                "person_id": str(p.letter.person_id),
            }
            for p in placed
        ],
        "totals": {
            "letters": len(placed),
            "pages": pages,
            "by_reason": dict(Counter(reasons[p.letter.person_id] for p in placed)),
            # For bundling by delivery area: letters per 3-digit postal prefix.
            "by_postal_prefix": dict(
                sorted(Counter(p.letter.postal_code[:3] for p in placed).items())
            ),
        },
    }


def as_json(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()


def as_csv(doc: dict[str, Any]) -> bytes:
    """The letter list for the enclosing table, one row per envelope; BOM so Excel reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for letter in doc["letters"]:
        writer.writerow([letter[column] for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8-sig")
