"""The receipts feed settles debts and pulls people out of running campaigns; the history
export reads back through the importer unchanged."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from campaigns.linkage.export import export_history
from campaigns.linkage.importer import import_files
from tests.db.linkage_files import RECEIPTS_HEADER, small_export, write_csv


async def running_campaign(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> uuid.UUID:
    user_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv' || substr(md5(random()::text), 1, 8), '監督者', 'supervisor', 'x')"
        " returning id",
        tenant_id,
    )
    campaign_id: uuid.UUID = await pool.fetchval(
        "insert into campaigns (tenant_id, name, status, created_by)"
        " values ($1, 'R8 現年度', 'running', $2) returning id",
        tenant_id,
        user_id,
    )
    await pool.execute(
        "insert into campaign_targets (tenant_id, campaign_id, person_id)"
        " select $1, $2, id from persons where tenant_id = $1",
        tenant_id,
        campaign_id,
    )
    return campaign_id


async def target_states(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    rows = await pool.fetch(
        "select p.resident_number, t.state, coalesce(t.excluded_reason, '') as reason"
        " from campaign_targets t join persons p on p.id = t.person_id"
        " where t.campaign_id = $1",
        campaign_id,
    )
    return {r["resident_number"]: (r["state"], r["reason"]) for r in rows}


async def test_paid_person_leaves_the_running_campaign_at_once(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (
        await import_files(pool, tenant_id, small_export(tmp_path / "export"), imported_by="test")
    ).ok
    campaign_id = await running_campaign(pool, tenant_id)
    feed = tmp_path / "feed"
    feed.mkdir()
    receipts = write_csv(
        feed,
        "収納_20261126.csv",
        RECEIPTS_HEADER,
        [
            # 1002 pays the light-vehicle tax in full; 1001 pays part of installment 2.
            ["R-1", "軽自動車税", "2026", "800000000002", "1", "本税", "10,800", "2026-11-20"],
            ["R-2", "住民税", "令和8", "800000000001", "2", "本税", "10000", "2026-11-21"],
        ],
    )
    result = await import_files(pool, tenant_id, [receipts], imported_by="test")
    assert result.ok, result.errors
    # 1002 has now paid everything; 1003 owed nothing in scope to begin with.
    assert result.withdrawn == 2
    states = await target_states(pool, campaign_id)
    assert states["1002"] == states["1003"] == ("excluded", "settled")
    assert states["1001"][0] == "pending"
    paid = await pool.fetch(
        "select b.notice_number, i.installment_no, i.paid_amount, i.status from installments i"
        " join tax_bills b on b.id = i.bill_id where b.tenant_id = $1 order by 1, 2",
        tenant_id,
    )
    assert [tuple(r) for r in paid] == [
        ("800000000001", 1, 30000, "paid"),
        ("800000000001", 2, 10000, "partially_paid"),
        ("800000000002", 1, 10800, "paid"),
    ]
    # The same feed again (a re-send) changes nothing.
    again = await import_files(pool, tenant_id, [receipts], imported_by="test")
    assert again.ok and again.counts["receipts"]["inserted"] == 0
    assert (
        await pool.fetchval(
            "select paid_amount from installments i join tax_bills b on b.id = i.bill_id"
            " where b.tenant_id = $1 and b.notice_number = '800000000001' and i.installment_no = 2",
            tenant_id,
        )
        == 10000
    )


async def test_receipt_for_an_unknown_installment_is_refused(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (
        await import_files(pool, tenant_id, small_export(tmp_path / "export"), imported_by="test")
    ).ok
    receipts = write_csv(
        tmp_path,
        "収納.csv",
        RECEIPTS_HEADER,
        [
            ["R-9", "住民税", "令和8", "800000000001", "7", "本税", "100", "2026-11-20"],
        ],
    )
    result = await import_files(pool, tenant_id, [receipts], imported_by="test")
    assert [(e.line, e.column) for e in result.errors] == [(2, "期別")]


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
async def test_history_export_round_trips_through_the_importer(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path, encoding: str
) -> None:
    assert (
        await import_files(pool, tenant_id, small_export(tmp_path / "export"), imported_by="test")
    ).ok
    since = datetime.now(UTC) - timedelta(minutes=1)
    person_id = await pool.fetchval(
        "select id from persons where tenant_id = $1 and resident_number = '1001'", tenant_id
    )
    contacted = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    await pool.execute(
        "insert into history (tenant_id, person_id, source, contact_kind, contacted_at,"
        " counterpart, content, forms_issued, recorded_by, promise) values"
        " ($1, $2, 'call_center', '電話', $3, '本人', '12月10日までに第2期分を納付すると約束',"
        " '納付書再発行', 'オペレーター山田', '2026-12-10 30,000円')",
        tenant_id,
        person_id,
        contacted,
    )
    await pool.execute(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'staff1', '区職員', 'staff', 'x')",
        tenant_id,
    )
    out = tmp_path / f"経過記録_{encoding}.csv"
    async with pool.acquire() as conn:
        written = await export_history(conn, tenant_id, "staff1", since, out, encoding=encoding)
    assert written == 1
    with out.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["宛名番号", "日時"]
    assert rows[1][:2] == ["1001", "2026-11-25 19:30"]  # Asia/Tokyo

    # Read it back into a fresh tenant holding the same people: the same record arrives.
    other = await pool.fetchval(
        "insert into tenants (code, name) values ($1, 'round trip') returning id",
        f"rt_{uuid.uuid4().hex[:12]}",
    )
    assert (
        await import_files(pool, other, small_export(tmp_path / "again"), imported_by="test")
    ).ok
    back = await import_files(pool, other, [out], imported_by="test")
    assert back.ok, back.errors
    row = await pool.fetchrow(
        "select contacted_at, contact_kind, counterpart, content, forms_issued, recorded_by,"
        " promise from history where tenant_id = $1",
        other,
    )
    assert row["contacted_at"] == contacted
    assert tuple(row)[1:] == (
        "電話",
        "本人",
        "12月10日までに第2期分を納付すると約束",
        "納付書再発行",
        "オペレーター山田",
        "2026-12-10 30,000円",
    )
    exported = await pool.fetchval(
        "select exported_at from history where tenant_id = $1 and source = 'call_center'",
        tenant_id,
    )
    assert exported is not None
