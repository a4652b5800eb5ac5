"""The synthetic ward generator: deterministic, well-formed, consistent, and messy on purpose."""

from __future__ import annotations

import csv
import io
import threading
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from campaigns.linkage.spec import ENTITIES, TAX_TYPE, Entity, Kind
from saikoku.devtools import synth, synth_data
from saikoku.devtools.synth import write_synthetic_ward

PEOPLE = 2000
Rows = list[dict[str, str]]


def read_rows(directory: Path, entity: Entity, encoding: str = "utf-8") -> Rows:
    """Rows keyed by column key (the files have Japanese headers in spec order)."""
    with (directory / f"{entity.ja}.csv").open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == [c.ja for c in entity.columns]
        keys = [c.key for c in entity.columns]
        return [dict(zip(keys, row, strict=True)) for row in reader]


def yen(text: str) -> int:
    return int(unicodedata.normalize("NFKC", text).replace(",", "").replace("▲", "-"))


def bill_of(row: dict[str, str]) -> tuple[str, str, str]:
    return row["tax_type"], row["fiscal_year"], row["notice_number"]


def installment_of(row: dict[str, str]) -> tuple[str, str, str, str]:
    return (*bill_of(row), row["installment_no"])


def file_bytes(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def ward(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("ward")
    return out, write_synthetic_ward(PEOPLE, 42, out)


@pytest.fixture(scope="module")
def tables(ward: tuple[Path, dict[str, int]]) -> dict[str, Rows]:
    return {entity.key: read_rows(ward[0], entity) for entity in ENTITIES}


def test_one_file_per_entity_with_the_spec_headers(ward: tuple[Path, dict[str, int]]) -> None:
    out, _ = ward
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{e.ja}.csv" for e in ENTITIES)
    for entity in ENTITIES:
        first = (out / f"{entity.ja}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == ",".join(c.ja for c in entity.columns)


def test_counts_are_the_rows_written(
    ward: tuple[Path, dict[str, int]], tables: dict[str, Rows]
) -> None:
    _, counts = ward
    assert counts == {key: len(rows) for key, rows in tables.items()}
    assert counts["persons"] == PEOPLE
    assert all(counts[e.key] > 0 for e in ENTITIES)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    write_synthetic_ward(300, 7, tmp_path / "a")
    write_synthetic_ward(300, 7, tmp_path / "b")
    write_synthetic_ward(300, 8, tmp_path / "c")
    assert file_bytes(tmp_path / "a") == file_bytes(tmp_path / "b")
    assert file_bytes(tmp_path / "a")["宛名.csv"] != file_bytes(tmp_path / "c")["宛名.csv"]


def test_chunking_and_workers_do_not_change_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if threading.active_count() > 1:
        pytest.skip("forking a multi-threaded process is unsafe (the pool would not be used)")
    monkeypatch.setattr(synth, "CHUNK_PEOPLE", 250)  # 4 chunks
    monkeypatch.setattr(synth, "_worker_count", lambda jobs: 1)
    write_synthetic_ward(1000, 3, tmp_path / "serial")
    monkeypatch.setattr(synth, "_worker_count", lambda jobs: 2)
    write_synthetic_ward(1000, 3, tmp_path / "pool")
    assert file_bytes(tmp_path / "serial") == file_bytes(tmp_path / "pool")


def test_rows_are_exactly_what_csv_writer_writes(ward: tuple[Path, dict[str, int]]) -> None:
    # Rows needing no quotes are joined by hand for speed; they must not differ.
    for path in ward[0].iterdir():
        text = path.read_text(encoding="utf-8")
        rewritten = io.StringIO()
        csv.writer(rewritten, lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
        assert rewritten.getvalue() == text, path.name


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_awkward_cells_are_quoted_as_csv_writer_quotes_them(newline: str) -> None:
    entity = ENTITIES[1]  # 電話番号: three columns
    rows = [
        {"resident_number": "1", "phone": "a\nb", entity.columns[2].key: "c\rd"},
        {"resident_number": "2", "phone": "e,f", entity.columns[2].key: 'g"h'},
        {"resident_number": "3"},
    ]
    table = synth._Table(entity, newline)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator=newline)
    for row in rows:
        table.add(row)
        writer.writerow([row.get(c.key, "") for c in entity.columns])
    assert table.text() == expected.getvalue()
    assert table.rows == 3


def test_cp932_files_are_windows_exports(tmp_path: Path) -> None:
    counts = write_synthetic_ward(PEOPLE, 5, tmp_path, encoding="cp932")
    persons = (tmp_path / "宛名.csv").read_bytes()
    for path in tmp_path.iterdir():
        raw = path.read_bytes()
        raw.decode("cp932")  # strict: every character is in the code page
        assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF only (no cell has a break)
    assert any("\uff61" <= ch <= "\uff9f" for ch in persons.decode("cp932"))  # ｻﾄｳ ﾊﾅｺ
    rows = read_rows(tmp_path, ENTITIES[0], "cp932")
    assert len(rows) == counts["persons"] == PEOPLE


def test_utf8_files_have_lf_and_no_bom(ward: tuple[Path, dict[str, int]]) -> None:
    for path in ward[0].iterdir():
        raw = path.read_bytes()
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")


def test_every_reference_is_consistent(tables: dict[str, Rows]) -> None:
    residents = {row["resident_number"] for row in tables["persons"]}
    assert len(residents) == PEOPLE
    for entity in ENTITIES:
        if entity.references_person:
            assert {row["resident_number"] for row in tables[entity.key]} <= residents
    bills = {bill_of(row) for row in tables["bills"]}
    assert len(bills) == len(tables["bills"])
    assert {row["resident_number"] for row in tables["bills"]} == residents  # all owe
    installments = {installment_of(row): row for row in tables["installments"]}
    assert len(installments) == len(tables["installments"])
    assert {key[:3] for key in installments} == bills
    paid: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for row in tables["receipts"]:
        key = installment_of(row)
        assert key in installments
        paid[key][row["receipt_kind"]] += yen(row["amount"])
    for key, row in installments.items():
        assert paid[key]["本税"] == yen(row["paid_amount"])
        assert paid[key]["延滞金"] == (yen(row["late_fee_paid"]) if row["late_fee_paid"] else 0)
        assert yen(row["over_under_amount"]) == yen(row["paid_amount"]) - yen(
            row["assessed_amount"]
        )


def test_installments_add_up_to_the_annual_amount(tables: dict[str, Rows]) -> None:
    assessed: Counter[tuple[str, str, str]] = Counter()
    for row in tables["installments"]:
        assessed[bill_of(row)] += yen(row["assessed_amount"])
    for bill in tables["bills"]:
        assert assessed[bill_of(bill)] == yen(bill["annual_amount"])


def test_everyone_owes_something_overdue(tables: dict[str, Rows]) -> None:
    owner = {row["notice_number"]: row["resident_number"] for row in tables["bills"]}
    owing = {
        owner[row["notice_number"]]
        for row in tables["installments"]
        if row["due_date"] < "2026-11-01"
        and row["due_date"][:2] == "20"
        and yen(row["over_under_amount"]) < 0
    }
    # ISO-dated rows alone already cover nearly everyone (other date forms are ~12 %)
    assert len(owing) > 0.8 * PEOPLE


def test_unique_identifiers(tables: dict[str, Rows]) -> None:
    for key, column in (("receipts", "receipt_number"), ("plans", "plan_number")):
        values = [row[column] for row in tables[key]]
        assert len(values) == len(set(values)), key
    phones = [(row["resident_number"], row["phone"]) for row in tables["phones"]]
    assert len(phones) == len(set(phones))
    accounts = [(row["resident_number"], row["tax_type"]) for row in tables["accounts"]]
    assert len(accounts) == len(set(accounts))


def test_about_thirty_percent_have_no_phone(tables: dict[str, Rows]) -> None:
    with_phone = {row["resident_number"] for row in tables["phones"]}
    assert 0.26 < 1 - len(with_phone) / PEOPLE < 0.34


def test_both_tax_types_in_the_brief_ratio(tables: dict[str, Rows]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in tables["bills"]:
        owners[TAX_TYPE[row["tax_type"]]].add(row["resident_number"])
    assert 0.87 < len(owners["resident"]) / PEOPLE < 0.95
    assert 0.06 < len(owners["light_vehicle"]) / PEOPLE < 0.15
    vehicle = [row for row in tables["bills"] if TAX_TYPE[row["tax_type"]] == "light_vehicle"]
    assert all(row["plate_number"] and row["vehicle_type"] for row in vehicle)
    resident = [row for row in tables["bills"] if TAX_TYPE[row["tax_type"]] == "resident"]
    assert not any(row["chassis_number"] or row["plate_number"] for row in resident)


def test_the_mess_real_exports_carry(tables: dict[str, Rows]) -> None:
    persons = tables["persons"]
    kana = [row["name_kana"] for row in persons]
    share = {
        "half-width kana": sum(any("\uff66" <= ch <= "\uff9d" for ch in k) for k in kana),
        "hiragana": sum(any("\u3041" <= ch <= "\u3093" for ch in k) for k in kana),
        "era birth dates": sum(row["birth_date"][:2] in ("昭和", "平成") for row in persons),
        "S/H birth dates": sum(row["birth_date"][:1] in ("S", "H") for row in persons),
        "foreign residents": sum(bool(row["nationality"]) for row in persons),
        "full-width digits": sum(
            any("０" <= ch <= "９" for ch in row["address"]) for row in persons
        ),
    }
    expected = {
        "half-width kana": 0.05,
        "hiragana": 0.03,
        "era birth dates": 0.20,
        "S/H birth dates": 0.05,
        "foreign residents": 0.03,
        "full-width digits": 0.10,
    }
    for name, count in share.items():
        assert 0.4 * expected[name] < count / PEOPLE < 2 * expected[name], name
    assert all(row["address"].startswith("東京都さいこく区") for row in persons)
    assert {row["sex"] for row in persons} == {"男", "女", "1", "2"}


def test_households_share_number_address_and_head(tables: dict[str, Rows]) -> None:
    homes: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in tables["persons"]:
        homes[row["household_number"]].append(row)
    assert max(len(members) for members in homes.values()) == 4
    for members in homes.values():
        assert len({(m["address"], m["householder_name"]) for m in members}) == 1
        assert [m["relation"] for m in members].count("世帯主") == 1
        head = next(m for m in members if m["relation"] == "世帯主")
        assert head["name"] == head["householder_name"]


def test_sex_follows_the_given_name(tables: dict[str, Rows]) -> None:
    men = {name for name, _ in synth_data.MALE_NAMES}
    women = {name for name, _ in synth_data.FEMALE_NAMES}
    for row in tables["persons"]:
        given = row["name"].split("\u3000")[-1]
        if given in men or given in women:
            assert (row["sex"] in ("男", "1")) == (given in men)


def test_every_typed_cell_reads_with_the_importer(tables: dict[str, Rows]) -> None:
    values = pytest.importorskip("campaigns.linkage.values")
    invalid_phones = 0
    phones = 0
    for entity in ENTITIES:
        for column in entity.columns:
            if column.kind is Kind.TEXT:
                continue
            if column.kind is Kind.PHONE:
                for row in tables[entity.key]:
                    if row[column.key]:
                        phones += 1
                        invalid_phones += not values.read_phone(row[column.key]).valid
                continue
            read = (
                values.parse_datetime
                if column.kind is Kind.DATETIME
                else values.reader_for(column.kind, column.codes or None)
            )
            for row in tables[entity.key]:
                if row[column.key]:
                    read(row[column.key])  # raises ValueError on a cell it cannot read
    assert 0.01 < invalid_phones / phones < 0.06  # ~3 % broken on purpose


@pytest.mark.parametrize(
    ("day", "forms"),
    [
        (date(1985, 4, 12), ("1985-04-12", "昭和60年4月12日", "S60.4.12", "1985/4/12")),
        (date(1989, 1, 7), ("1989-01-07", "昭和64年1月7日", "S64.1.7", "1989/1/7")),
        (date(1989, 1, 8), ("1989-01-08", "平成元年1月8日", "H1.1.8", "1989/1/8")),
        (date(2019, 4, 30), ("2019-04-30", "平成31年4月30日", "H31.4.30", "2019/4/30")),
        (date(2019, 5, 1), ("2019-05-01", "令和元年5月1日", "R1.5.1", "2019/5/1")),
        (date(2026, 9, 15), ("2026-09-15", "令和8年9月15日", "R8.9.15", "2026/9/15")),
    ],
)
def test_japanese_eras(day: date, forms: tuple[str, str, str, str]) -> None:
    assert synth._date_forms(day.toordinal()) == forms


def test_kana_spellings_stay_in_cp932() -> None:
    readings = [
        kana for _, kana in synth_data.SURNAMES + synth_data.MALE_NAMES + synth_data.FEMALE_NAMES
    ]
    readings += [
        kana
        for nationality in synth_data.FOREIGN
        for _, kana in nationality.families + nationality.men + nationality.women
    ]
    for reading in readings:
        half = reading.translate(synth.HALFWIDTH)
        assert all(ch == " " or "\uff61" <= ch <= "\uff9f" for ch in half), reading
        assert unicodedata.normalize("NFKC", half) == reading.replace("\u3000", " ")
        reading.translate(synth.HIRAGANA).encode("cp932")


def test_due_dates_move_off_weekends() -> None:
    assert date.fromordinal(synth._due_date(2026, 5)) == date(2026, 6, 1)  # Sun 31 May
    assert date.fromordinal(synth._due_date(2026, 6)) == date(2026, 6, 30)  # a Tuesday
    assert date.fromordinal(synth._due_date(2027, 1)) == date(2027, 2, 1)  # Sun 31 Jan


def test_a_key_outside_the_spec_is_refused() -> None:
    table = synth._Table(ENTITIES[1], "\n")
    with pytest.raises(KeyError, match="nonsense"):
        table.add({"resident_number": "1", "nonsense": "x"})


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="encoding"):
        write_synthetic_ward(1, 1, tmp_path, encoding="latin-1")
    with pytest.raises(ValueError, match="people"):
        write_synthetic_ward(-1, 1, tmp_path)
    assert write_synthetic_ward(0, 1, tmp_path)["persons"] == 0
