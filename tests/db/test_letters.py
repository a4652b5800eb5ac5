"""Reminder-letter batches against real PostgreSQL: who gets one, the PDF against its
manifest, what is recorded, and that a failure records nothing."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pypdf import PdfReader

from campaigns.letters.batch import BatchRequest, BatchResult, LettersRefused, make_batch
from campaigns.letters.content import Sender
from campaigns.linkage.importer import import_files
from saikoku.core.tokyo import TOKYO
from saikoku.devtools.synth import write_synthetic_ward
from tests.db.linkage_files import small_export
from tests.db.test_campaign_cli import run_cli

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
SENDER = Sender("さいこく区役所", "税務課 納税係", "03-0000-0000", "平日 8:30〜17:15")


async def ready_campaign(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    user_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv1', '監督者', 'supervisor', 'x') returning id",
        tenant_id,
    )
    campaign_id = await pool.fetchval(
        "insert into campaigns (tenant_id, name, status, created_by)"
        " values ($1, 'R8 催告', 'ready', $2) returning id",
        tenant_id,
        user_id,
    )
    return campaign_id, user_id


@pytest.fixture
async def small_campaign(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> tuple[uuid.UUID, uuid.UUID]:
    """A ready campaign over the small export: 1001 has a good mobile number, 1002's only
    number is invalid, 1003 is deceased."""
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    return await ready_campaign(pool, tenant_id)


async def batch(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    user_id: uuid.UUID,
    out: Path,
    **options: Any,
) -> BatchResult:
    request = BatchRequest(tenant_id, campaign_id, user_id, "sv1", out, SENDER, **options)
    async with pool.acquire() as conn:
        return await make_batch(conn, request, NOW)


async def resident_numbers(pool: asyncpg.Pool, batch_id: uuid.UUID | None) -> list[str]:
    rows = await pool.fetch(
        "select p.resident_number from letters l join persons p on p.id = l.person_id"
        " where l.batch_id = $1 order by l.page_from",
        batch_id,
    )
    return [r["resident_number"] for r in rows]


async def test_pdf_has_one_page_per_letter_and_the_manifest_matches_it(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    write_synthetic_ward(300, 11, tmp_path / "ward")
    paths = sorted((tmp_path / "ward").glob("*.csv"))
    assert (await import_files(pool, tenant_id, paths, imported_by="t")).ok
    campaign_id, user_id = await ready_campaign(pool, tenant_id)

    result = await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")

    assert result.pdf is not None and result.manifest is not None
    assert result.letters > 10
    pdf = result.pdf.read_bytes()
    doc = json.loads(result.manifest.read_text())
    assert doc["sha256"] == result.sha256 == hashlib.sha256(pdf).hexdigest()
    pages = PdfReader(result.pdf).pages
    assert len(pages) == doc["letter_count"] == doc["totals"]["pages"] == result.letters
    entries = doc["letters"]
    assert [(e["sequence"], e["page_from"], e["page_to"]) for e in entries] == [
        (n, n, n) for n in range(1, result.letters + 1)
    ]
    assert [e["postal_code"] for e in entries] == sorted(e["postal_code"] for e in entries)
    recorded = {
        r["person_id"]: r
        for r in await pool.fetch(
            "select l.person_id, l.page_from, l.page_to, l.printed_at, p.resident_number, p.name,"
            " coalesce(p.mailing_postal_code, p.postal_code) as postal_code from letters l"
            " join persons p on p.id = l.person_id where l.batch_id = $1",
            result.batch_id,
        )
    }
    assert len(recorded) == result.letters
    for entry in entries:
        row = recorded[uuid.UUID(entry["person_id"])]
        assert (row["page_from"], row["page_to"]) == (entry["page_from"], entry["page_to"])
        assert row["postal_code"] == entry["postal_code"] and row["printed_at"] == NOW
        text = pages[entry["page_from"] - 1].extract_text()
        assert entry["reference"] in text and row["resident_number"] in text
        assert row["name"] in text and "催" in text and "合計" in text
    stored = await pool.fetchrow("select * from letter_batches where id = $1", result.batch_id)
    assert (stored["letter_count"], stored["sha256"], stored["file_path"]) == (
        result.letters,
        result.sha256,
        str(result.pdf),
    )
    # The manifest names people by id only.
    names = [r["name"] for r in recorded.values()]
    assert not any(name in result.manifest.read_text() for name in names)


async def test_letters_go_to_people_without_a_usable_phone_once(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    small_campaign: tuple[uuid.UUID, uuid.UUID],
) -> None:
    campaign_id, user_id = small_campaign

    first = await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")
    assert first.letters == 1
    assert await resident_numbers(pool, first.batch_id) == ["1002"]

    again = await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")
    assert again == BatchResult(None, 0)
    assert await pool.fetchval("select count(*) from letters where tenant_id = $1", tenant_id) == 1


async def test_failed_calls_earn_a_letter_after_n_attempts(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    small_campaign: tuple[uuid.UUID, uuid.UUID],
) -> None:
    campaign_id, user_id = small_campaign
    await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")  # 1002's letter
    await pool.execute(
        "insert into call_attempts (tenant_id, campaign_id, person_id, dial_string, status,"
        " created_at) select $1, $2, id, 'PJSIP/x@trunk', s,"
        " $3::timestamptz - n * interval '3 hours'"
        " from persons, unnest(array['no_answer', 'busy', 'no_answer', 'busy']) with ordinality"
        " as a(s, n) where tenant_id = $1 and resident_number = '1001'",
        tenant_id,
        campaign_id,
        NOW,
    )
    four = await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out", after_attempts=5)
    assert four.letters == 0
    after_four = await batch(
        pool, tenant_id, campaign_id, user_id, tmp_path / "out", after_attempts=4
    )
    assert await resident_numbers(pool, after_four.batch_id) == ["1001"]


async def test_the_audit_row_holds_ids_and_counts_only(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    small_campaign: tuple[uuid.UUID, uuid.UUID],
) -> None:
    campaign_id, user_id = small_campaign
    result = await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")

    audit = await pool.fetchrow(
        "select * from audit_log where tenant_id = $1 and action = 'letters.batch_created'",
        tenant_id,
    )
    assert audit["object_id"] == str(result.batch_id) and audit["user_id"] == user_id
    assert audit["person_id"] is None
    assert json.loads(audit["detail"]) == {
        "campaign_id": str(campaign_id),
        "letters": 1,
        "pages": 1,
        "sha256": result.sha256,
        "after_attempts": 5,
        "by_reason": {"no_phone": 1},
    }
    person = await pool.fetchrow(
        "select * from persons where resident_number = '1002' and tenant_id = $1", tenant_id
    )
    row_text = json.dumps({k: str(v) for k, v in dict(audit).items()}, ensure_ascii=False)
    for personal in (
        person["name"],
        person["address"],
        person["postal_code"],
        "1002",
        "10,800",
        "10800",
        str(person["id"]),
    ):
        assert personal not in row_text


async def test_a_failure_records_nothing_and_leaves_no_files(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    small_campaign: tuple[uuid.UUID, uuid.UUID],
) -> None:
    campaign_id, _ = small_campaign
    out = tmp_path / "out"
    # No such user: the batch row is refused after the PDF and manifest are written.
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await batch(pool, tenant_id, campaign_id, uuid.uuid4(), out)
    assert list(out.iterdir()) == []
    for table in ("letter_batches", "letters"):
        assert (
            await pool.fetchval(f"select count(*) from {table} where tenant_id = $1", tenant_id)
            == 0
        )
    assert (
        await pool.fetchval("select count(*) from audit_log where tenant_id = $1", tenant_id) == 0
    )


async def test_a_draft_campaign_gets_no_letters(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    campaign_id, user_id = await ready_campaign(pool, tenant_id)
    await pool.execute("update campaigns set status = 'draft' where id = $1", campaign_id)
    with pytest.raises(LettersRefused, match="campaign is draft"):
        await batch(pool, tenant_id, campaign_id, user_id, tmp_path / "out")


@pytest.mark.usefixtures("small_campaign")
async def test_the_letters_command(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    migrated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)

    def run() -> Any:  # the command runs its own event loop: call it off this one
        answer: Any = run_cli(
            capsys,
            "letters",
            "--campaign",
            "R8 催告",
            "--tenant",
            code,
            "--out",
            str(tmp_path / "out"),
            "--after-attempts",
            "3",
        )
        assert Path(answer["pdf"]).is_file() and Path(answer["manifest_csv"]).is_file()
        assert json.loads(Path(answer["manifest"]).read_text())["batch_id"] == answer["batch_id"]
        return answer

    answer = await asyncio.to_thread(run)
    assert answer["letters"] == 1 and len(answer["sha256"]) == 64
    assert await pool.fetchval(
        "select b.created_by = c.created_by from letter_batches b"
        " join campaigns c on c.id = b.campaign_id"
        " where b.id = $1",
        uuid.UUID(answer["batch_id"]),
    )
