"""The importer against real PostgreSQL: all or nothing, every bad row, idempotent."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import pytest

from campaigns.linkage.importer import ImportResult, import_files
from campaigns.linkage.spec import ENTITIES
from saikoku.devtools.synth import write_synthetic_ward
from store.db import create_pool
from tests.db.linkage_files import (
    BILLS_HEADER,
    INSTALLMENTS_HEADER,
    PERSONS_HEADER,
    PHONES_HEADER,
    RECEIPTS_HEADER,
    small_export,
    write_csv,
)

if TYPE_CHECKING:
    from _csv import _QuotingType

TABLES = ("persons", "phones", "tax_bills", "installments", "receipts", "history")


async def table_counts(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> dict[str, int]:
    return {
        t: await pool.fetchval(f"select count(*) from {t} where tenant_id = $1", tenant_id)
        for t in TABLES
    }


async def run(pool: asyncpg.Pool, tenant_id: uuid.UUID, paths: list[Path]) -> ImportResult:
    return await import_files(pool, tenant_id, paths, imported_by="test")


async def test_export_is_imported_and_normalised(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    result = await run(pool, tenant_id, small_export(tmp_path))
    assert result.ok, result.errors
    assert result.counts["persons"]["inserted"] == 3
    person = await pool.fetchrow(
        "select * from persons where tenant_id = $1 and resident_number = '1001'", tenant_id
    )
    assert person["name"] == "佐藤 花子" and person["name_raw"] == "佐藤　花子"
    assert person["name_kana"] == "サトウ ハナコ" and person["name_kana_raw"] == "ｻﾄｳ ﾊﾅｺ"
    assert str(person["birth_date"]) == "1985-04-12"
    assert person["birth_date_raw"] == "昭和60年4月12日"
    assert person["postal_code"] == "1900012"
    assert person["address"] == "東京都さいこく区本町1丁目2番地"
    kana = await pool.fetchval(
        "select name_kana from persons where tenant_id = $1 and resident_number = '1002'",
        tenant_id,
    )
    assert kana == "スズキ イチロウ"
    deceased = await pool.fetchrow(
        "select do_not_call, no_call_category from persons where tenant_id = $1"
        " and resident_number = '1003'",
        tenant_id,
    )
    assert tuple(deceased) == (True, "deceased")
    phones = await pool.fetch(
        "select phone_raw, phone_e164, kind, is_valid from phones where tenant_id = $1"
        " order by phone_raw",
        tenant_id,
    )
    by_raw = {p["phone_raw"]: p for p in phones}
    assert by_raw["090-1234-5678"]["phone_e164"] == "+819012345678"
    assert by_raw["090-1234-5678"]["kind"] == "mobile"
    assert by_raw["０３－１２３４－５６７８"]["phone_e164"] == "+81312345678"
    assert by_raw["090-123"]["is_valid"] is False  # kept and flagged, not dropped
    assert (
        await pool.fetchval(
            "select fiscal_year from tax_bills"
            " where tenant_id = $1 and notice_number = '800000000001'",
            tenant_id,
        )
        == 2026
    )
    statuses = await pool.fetch(
        "select i.installment_no, i.status, i.due_date::text from installments i"
        " join tax_bills b on b.id = i.bill_id where b.tenant_id = $1 order by b.notice_number,"
        " i.installment_no",
        tenant_id,
    )
    assert [tuple(s) for s in statuses] == [
        (1, "paid", "2026-06-30"),
        (2, "unpaid", "2026-08-31"),
        (1, "unpaid", "2026-06-01"),
    ]
    record = await pool.fetchrow("select * from imports where id = $1", result.import_id)
    assert record["status"] == "completed" and record["imported_by_name"] == "test"
    assert len(json.loads(record["files"])) == 4


async def test_cp932_export_reads_the_same(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    result = await run(pool, tenant_id, small_export(tmp_path, "cp932"))
    assert result.ok, result.errors
    name, kana = await pool.fetchrow(
        "select name, name_kana from persons where tenant_id = $1 and resident_number = '1001'",
        tenant_id,
    )
    assert (name, kana) == ("佐藤 花子", "サトウ ハナコ")
    assert '"cp932"' in await pool.fetchval(
        "select files::text from imports where id = $1", result.import_id
    )


def pad_cells(path: Path, quoting: _QuotingType = csv.QUOTE_MINIMAL) -> None:
    """Rewrite an export file with a space either side of every cell (blank ones: two)."""
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=quoting)
        writer.writerow(header)
        writer.writerows([f" {cell} " if cell else "  " for cell in row] for row in rows)


async def test_padded_cells_read_as_if_trimmed(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    padded = small_export(tmp_path / "padded")
    for path in padded:
        pad_cells(path, csv.QUOTE_ALL if path.name == "電話番号.csv" else csv.QUOTE_MINIMAL)
    assert (await run(pool, tenant_id, padded)).ok
    before = await row_versions(pool, tenant_id)
    again = await run(pool, tenant_id, small_export(tmp_path / "plain"))
    assert again.ok
    for entity, counts in again.counts.items():
        assert counts["inserted"] == counts["updated"] == counts["missing"] == 0, entity
    assert await row_versions(pool, tenant_id) == before


async def test_quoted_blank_cells_are_blank(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    paths = small_export(tmp_path)
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    assert (await run(pool, tenant_id, paths)).ok
    assert (
        await pool.fetchval(
            "select count(*) from persons where tenant_id = $1 and no_call_category is null",
            tenant_id,
        )
        == 2
    )


async def row_versions(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tables: tuple[str, ...] = TABLES
) -> list[tuple[str, ...]]:
    """Every row of the tenant with its xmin and xmax: a row updated, or only locked (as
    INSERT … ON CONFLICT DO UPDATE locks the rows it leaves alone), shows a new one."""
    return [
        tuple(r)
        for t in tables
        for r in await pool.fetch(
            f"select '{t}', id::text, xmin::text, xmax::text from {t} where tenant_id = $1"
            " order by id",
            tenant_id,
        )
    ]


async def test_reimporting_the_same_export_changes_nothing(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    paths = small_export(tmp_path)
    assert (await run(pool, tenant_id, paths)).ok
    before = await row_versions(pool, tenant_id)
    again = await run(pool, tenant_id, paths)
    assert again.ok
    for entity, counts in again.counts.items():
        assert counts["inserted"] == counts["updated"] == counts["missing"] == 0, entity
    assert await row_versions(pool, tenant_id) == before  # nothing written, nothing locked


async def test_imported_rows_get_time_ordered_ids(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (await run(pool, tenant_id, small_export(tmp_path))).ok
    ids = await pool.fetch(
        "select p.id, p.created_at from persons p where tenant_id = $1 order by id", tenant_id
    )
    assert {i["id"].version for i in ids} == {7}
    first_ms = int.from_bytes(ids[0]["id"].bytes[:6], "big")
    assert abs(first_ms / 1000 - ids[0]["created_at"].timestamp()) < 60


async def test_newer_export_updates_and_flags_what_it_no_longer_mentions(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    assert (await run(pool, tenant_id, small_export(tmp_path / "v1"))).ok
    newer = tmp_path / "v2"
    newer.mkdir()
    persons = write_csv(
        newer,
        "宛名.csv",
        PERSONS_HEADER,
        [
            [
                "1001",
                "佐藤 花子",
                "サトウ ハナコ",
                "女",
                "1985-04-12",
                "1900099",
                "東京都さいこく区新町9",
                "",
            ],
            [
                "1002",
                "鈴木 一郎",
                "スズキ イチロウ",
                "男",
                "1993-01-03",
                "1900013",
                "東京都さいこく区桜ヶ丘2-3-4",
                "",
            ],
            [
                "1004",
                "田中 三郎",
                "タナカ サブロウ",
                "男",
                "1970-05-05",
                "1900015",
                "東京都さいこく区本町3-1",
                "",
            ],
        ],
    )
    phones = write_csv(
        newer,
        "電話番号.csv",
        PHONES_HEADER,
        [
            ["1001", "090-1234-5678", "自宅"],  # same number, new kind
            ["1004", "080-2222-3333", ""],  # new person, new number
        ],
    )
    result = await run(pool, tenant_id, [persons, phones])
    assert result.ok, result.errors
    assert result.counts["persons"]["missing"] == 1
    assert result.counts["persons"]["updated"] >= 1
    assert result.counts["persons"]["inserted"] == 1
    assert (
        result.counts["phones"]["inserted"],
        result.counts["phones"]["updated"],
        result.counts["phones"]["missing"],
    ) == (1, 1, 2)
    gone = await pool.fetchrow(
        "select missing_since from persons where tenant_id = $1 and resident_number = '1003'",
        tenant_id,
    )
    assert gone is not None and gone["missing_since"] is not None
    assert (
        await pool.fetchval(
            "select postal_code from persons where tenant_id = $1 and resident_number = '1001'",
            tenant_id,
        )
        == "1900099"
    )


async def test_bad_rows_reject_the_whole_import_and_every_one_is_reported(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    paths = small_export(tmp_path)
    write_csv(
        tmp_path,
        "課税.csv",
        BILLS_HEADER,
        [
            ["1001", "住民税", "令和8", "800000000001", "120,000"],
            ["1002", "固定資産税", "2026", "800000000002", "10800"],  # unknown tax type
            ["9999", "住民税", "2026", "800000000003", "-5"],  # unknown person, bad yen
        ],
    )
    write_csv(
        tmp_path,
        "期別.csv",
        INSTALLMENTS_HEADER,
        [
            ["住民税", "令和8", "800000000001", "1", "30000", "30000", "2026-02-30"],  # bad date
            ["住民税", "令和8", "800000000001", "1", "30000", "0", "2026-06-30"],  # duplicate
        ],
    )
    before = await table_counts(pool, tenant_id)
    result = await run(pool, tenant_id, paths)
    assert not result.ok
    assert await table_counts(pool, tenant_id) == before
    found = {(e.file, e.line, e.column) for e in result.errors}
    assert ("課税.csv", 3, "税目区分") in found
    assert ("課税.csv", 4, "宛名番号") in found
    assert ("課税.csv", 4, "年税額") in found
    assert ("期別.csv", 2, "納期限") in found
    assert ("期別.csv", 3, "期別") in found or ("期別.csv", 2, "期別") in found
    bad_yen = next(e for e in result.errors if e.column == "年税額")
    assert bad_yen.value == "-5" and bad_yen.reason
    status = await pool.fetchval("select status from imports where id = $1", result.import_id)
    assert status == "failed"


async def test_two_accounts_without_tax_type_for_one_person_are_duplicates(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """A blank optional key part is a key value of its own, as in the unique index."""
    paths = small_export(tmp_path)
    paths.append(
        write_csv(
            tmp_path,
            "口座振替.csv",
            ["宛名番号", "税目区分", "口座振替"],
            [
                ["1001", "", "有"],
                ["1001", "住民税", "有"],
                ["1001", "", "無"],
                ["1002", "", "有"],
            ],
        )
    )
    result = await run(pool, tenant_id, paths)
    assert sorted((e.file, e.line) for e in result.errors) == [
        ("口座振替.csv", 2),
        ("口座振替.csv", 4),
    ]


async def test_broken_file_structure_names_each_line(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    persons = tmp_path / "宛名.csv"
    persons.write_bytes(
        "宛名番号,氏名\r\n1001,佐藤 花子\r\n1002,鈴木,余分\r\n".encode("cp932")
        + b"1003,\x82\xff\r\n1004,\x93\x63\x92\x86\r\n"
    )
    before = await table_counts(pool, tenant_id)
    result = await run(pool, tenant_id, [persons])
    assert not result.ok
    lines = {e.line for e in result.errors}
    assert {3, 4} <= lines
    assert 5 not in lines and 2 not in lines
    assert await table_counts(pool, tenant_id) == before


async def test_unknown_file_and_missing_required_column(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    stray = write_csv(tmp_path, "notes.csv", ["a"], [["b"]])
    phones = write_csv(tmp_path, "電話番号.csv", ["宛名番号", "メモ"], [["1001", "x"]])
    result = await run(pool, tenant_id, [stray, phones])
    reasons = {(e.file, e.column): e.reason for e in result.errors}
    assert ("notes.csv", "") in reasons
    assert ("電話番号.csv", "メモ") in reasons
    assert ("電話番号.csv", "電話番号") in reasons


async def test_phones_of_unknown_people_are_refused(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    phones = write_csv(tmp_path, "電話番号.csv", PHONES_HEADER, [["424242", "09011112222", ""]])
    result = await run(pool, tenant_id, [phones])
    assert [(e.line, e.column) for e in result.errors] == [(2, "宛名番号")]


async def test_file_order_does_not_matter(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """Phones before persons on the command line still find their people."""
    result = await run(pool, tenant_id, list(reversed(small_export(tmp_path))))
    assert result.ok, result.errors


async def test_deleting_a_tenant_erases_everything_it_imported(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Contract-end erasure: one DELETE of the tenant, every row of it gone (the imported
    tables reach the tenant through persons and bills, not a reference of their own)."""
    tenant = await pool.fetchval(
        "insert into tenants (code, name) values ('t_erasure', '消去') returning id"
    )
    paths = small_export(tmp_path)
    paths.append(
        write_csv(
            tmp_path,
            "収納.csv",
            RECEIPTS_HEADER,
            [
                ["R1", "住民税", "令和8", "800000000001", "1", "本税", "30000", "2026-06-20"],
            ],
        )
    )
    paths.append(
        write_csv(
            tmp_path,
            "経過記録.csv",
            ["宛名番号", "日時", "内容"],
            [
                ["1001", "2026-05-01 10:30", "電話催告"],
            ],
        )
    )
    result = await run(pool, tenant, paths)
    assert result.ok, result.errors
    # What the call center adds: a user and a phone of theirs, checked (not cascaded) when
    # the user goes. Erasure must not trip over it, nor over the import's receipts/history.
    user = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'op1', 'オペレーター', 'operator', 'x') returning id",
        tenant,
    )
    await pool.execute(
        "insert into phones (tenant_id, person_id, phone_raw, source, created_by, invalid_reason)"
        " select tenant_id, id, '0312340000', 'operator', $2, 'unchecked' from persons"
        " where tenant_id = $1 and resident_number = '1002'",
        tenant,
        user,
    )
    tables = [
        r[0]
        for r in await pool.fetch(
            "select c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid"
            " where c.relnamespace = 'saikoku'::regnamespace and c.relkind = 'r'"
            " and a.attname = 'tenant_id' and c.relname <> 'audit_log'"
        )
    ]
    assert await pool.fetchval("select count(*) from receipts where tenant_id = $1", tenant) == 1
    await pool.execute("delete from tenants where id = $1", tenant)
    left = {
        t: await pool.fetchval(f"select count(*) from {t} where tenant_id = $1", tenant)
        for t in tables
    }
    assert set(left.values()) == {0}, left


async def test_a_broken_later_file_reports_only_broken_lines_and_imports_nothing(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """Files are read in merge order while earlier ones are already merged: a file COPY
    refuses still rolls everything back, and the report is its broken lines alone."""
    paths = small_export(tmp_path)
    write_csv(
        tmp_path,
        "期別.csv",
        INSTALLMENTS_HEADER,
        [
            ["住民税", "令和8", "800000000001", "1", "30000", "30000", "2026-02-30"],  # bad date
        ],
    )
    (tmp_path / "課税.csv").write_bytes(
        (tmp_path / "課税.csv").read_bytes() + "1003,住民税,2026,8,1,余分\n".encode()
    )
    before = await table_counts(pool, tenant_id)
    result = await run(pool, tenant_id, paths)
    assert [(e.file, e.line) for e in result.errors] == [("課税.csv", 4)]
    assert await table_counts(pool, tenant_id) == before
    assert result.counts == {}


async def test_a_pool_of_one_connection_imports_the_same(
    migrated_database: str, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    single = await create_pool(migrated_database, min_size=1, max_size=1)
    try:
        result = await run(single, tenant_id, small_export(tmp_path))
        assert result.ok, result.errors
        assert result.counts["installments"]["inserted"] == 3
        # A first import turns the foreign-key checks off for its own copies only.
        assert await single.fetchval("show session_replication_role") == "origin"
        again = await run(single, tenant_id, small_export(tmp_path))
        assert again.ok and again.counts["persons"]["unchanged"] == 3
    finally:
        await single.close()


async def test_a_database_constraint_mid_way_rolls_back_and_stops_the_reader(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """A name of nothing but U+3000 passes the checks but not persons' NOT NULL: the merge
    fails while the other session still reads later files; no traceback, nothing left."""
    paths = small_export(tmp_path)
    write_csv(
        tmp_path,
        "宛名.csv",
        PERSONS_HEADER,
        [
            ["1001", "\u3000", "", "", "", "", "", ""],
            ["1002", "鈴木 一郎", "", "", "", "", "", ""],
            ["1003", "高橋 次郎", "", "", "", "", "", ""],
        ],
    )
    before = await table_counts(pool, tenant_id)
    result = await run(pool, tenant_id, paths)
    assert not result.ok and len(result.errors) == 1 and "constraint" in result.errors[0].reason
    assert await table_counts(pool, tenant_id) == before


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
async def test_a_synthetic_ward_imports_whole_and_again_writes_nothing(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path, encoding: str
) -> None:
    """Every file of the format, every entity's merge (first and again), in both encodings."""
    written = write_synthetic_ward(300, 5, tmp_path, encoding=encoding)
    paths = [tmp_path / f"{entity.ja}.csv" for entity in ENTITIES]
    first = await run(pool, tenant_id, paths)
    assert first.ok, first.errors[:5]
    assert {k: c["rows"] for k, c in first.counts.items()} == written
    assert 0 < first.counts["phones"]["inserted"] <= written["phones"]  # one row per number
    for entity in written.keys() - {"phones"}:
        assert first.counts[entity]["inserted"] == written[entity], entity
    tables = (*TABLES, "installment_plans", "bank_accounts", "corporations", "agents")
    before = await row_versions(pool, tenant_id, tables)
    again = await run(pool, tenant_id, paths)
    assert again.ok
    assert all(c["inserted"] == c["updated"] == c["missing"] == 0 for c in again.counts.values())
    assert await row_versions(pool, tenant_id, tables) == before


async def test_imported_tables_have_no_insert_triggers_but_their_foreign_keys(
    pool: asyncpg.Pool,
) -> None:
    """A tenant's first import turns off its copies' triggers (campaigns.linkage.first):
    that may skip nothing but foreign-key checks it has made redundant."""
    tables = [
        "persons",
        "phones",
        "tax_bills",
        "installments",
        "receipts",
        "history",
        "installment_plans",
        "bank_accounts",
        "corporations",
        "agents",
    ]
    insert_triggers = await pool.fetch(
        "select tgrelid::regclass::text as t, tgname from pg_trigger"
        " where tgrelid = any($1::regclass[]) and tgtype & 4 <> 0 and tgconstraint = 0",
        tables,
    )
    assert [tuple(r) for r in insert_triggers] == []


async def test_a_first_import_makes_ids_that_parents_and_children_agree_on(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    written = write_synthetic_ward(60, 3, tmp_path)
    result = await run(pool, tenant_id, [tmp_path / f"{e.ja}.csv" for e in ENTITIES])
    assert result.ok, result.errors[:5]
    orphans = await pool.fetchval(
        """
        select (select count(*) from installments i where i.tenant_id = $1 and not exists
                  (select 1 from tax_bills b where b.id = i.bill_id and b.tenant_id = $1))
             + (select count(*) from tax_bills b where b.tenant_id = $1 and not exists
                  (select 1 from persons p where p.id = b.person_id and p.tenant_id = $1))
             + (select count(*) from receipts r where r.tenant_id = $1 and not exists
                  (select 1 from installments i where i.id = r.installment_id))""",
        tenant_id,
    )
    assert orphans == 0
    assert (
        await pool.fetchval("select count(*) from installments where tenant_id = $1", tenant_id)
        == written["installments"]
    )
    ids = await pool.fetch("select id from installments where tenant_id = $1", tenant_id)
    assert {i["id"].version for i in ids} == {7}


@pytest.mark.parametrize("persons_clean", [True, False])
async def test_a_first_import_reports_unknown_persons_whoever_reads_the_file(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path, persons_clean: bool
) -> None:
    """A first import's phones are checked by the importing session (against the persons
    it has just inserted) when the persons file is clean, else by the reader (against the
    persons file): either way the report names the phone of nobody, and no more."""
    paths = small_export(tmp_path)
    if not persons_clean:
        write_csv(
            tmp_path,
            "宛名.csv",
            PERSONS_HEADER,
            [
                ["1001", "佐藤　花子", "", "", "", "", "", ""],
                ["1002", "鈴木 一郎", "", "", "1990-02-30", "", "", ""],  # no such date
                ["1003", "高橋 次郎", "", "", "", "", "", ""],
            ],
        )
    write_csv(
        tmp_path,
        "電話番号.csv",
        PHONES_HEADER,
        [["1001", "090-1234-5678", "携帯"], ["4242", "090-1111-2222", ""]],
    )
    before = await table_counts(pool, tenant_id)
    result = await run(pool, tenant_id, paths)
    found = sorted((e.file, e.line, e.column) for e in result.errors)
    expected = [("電話番号.csv", 3, "宛名番号")]
    if not persons_clean:
        expected = [("宛名.csv", 3, "生年月日"), *expected]
    assert found == expected
    assert await table_counts(pool, tenant_id) == before


async def test_receipts_naming_no_installment_are_each_reported(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    paths = small_export(tmp_path)
    paths.append(
        write_csv(
            tmp_path,
            "収納.csv",
            RECEIPTS_HEADER,
            [
                ["R-1", "住民税", "令和8", "800000000001", "1", "本税", "100", "2026-06-20"],
                ["R-2", "住民税", "令和8", "800000000001", "7", "本税", "100", "2026-06-20"],
                ["R-3", "住民税", "令和8", "800000000001", "7", "延滞金", "100", "2026-06-21"],
            ],
        )
    )
    result = await run(pool, tenant_id, paths)
    assert [(e.file, e.line, e.column) for e in result.errors] == [
        ("収納.csv", 3, "期別"),
        ("収納.csv", 4, "期別"),
    ]
