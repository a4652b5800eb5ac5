"""PostgreSQL reads the usual spellings itself (staging.FAST_PATHS); whatever it accepts, it
must read exactly as the Python readers of campaigns.linkage.values do."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaigns.linkage import spec, values
from campaigns.linkage.fast_paths import FAST_PATHS, FAST_TEXT, fast_mobile, fast_value, text_sql
from campaigns.linkage.spec import Column, Kind

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KINDS = sorted(FAST_PATHS, key=str)
CODE_COLUMNS = sorted(
    {c.key: c for e in spec.ENTITIES for c in e.columns if c.kind is Kind.CODE}.values(),
    key=lambda c: c.key,
)


def column_of(kind: Kind) -> Column:
    return Column("列", "x", kind)


async def compare(pool: asyncpg.Pool, column: Column, cells: list[str]) -> int:
    """Every cell PostgreSQL reads must read the same in Python; returns how many it read."""
    rows = await pool.fetch(
        f"select r, {fast_value(column, 'r')} as v"
        " from (select nullif(btrim(cell), '') as r from unnest($1::text[]) cell) c"
        " where r is not null",
        cells,
    )
    read: Callable[[str], object] = values.reader_for(column.kind, column.codes)
    for row in rows:
        if row["v"] is not None:
            assert read(row["r"]) == row["v"], (column.kind, row["r"])
    return sum(1 for r in rows if r["v"] is not None)


# Cells near each usual spelling (digits, dashes, kana, spaces) and anything at all.
near = st.text(alphabet="0123456789-/. 　〒年月日元令和平成昭RHS", max_size=14)
kana = st.text(alphabet="アイウカガキャッーヴヶヺ・ヽヾヿ 　ぁゝ゛ｶﾞﾟｰｦゖゔ", max_size=10)
# What COPY can bring: any text but NUL and lone surrogates.
anything = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
cells = st.lists(st.one_of(near, kana, anything), max_size=40)


@pytest.mark.parametrize("kind", KINDS, ids=str)
@PROPERTY
@given(cells=cells)
@example(
    cells=[
        "0",
        "-0",
        "007",
        "999999999999",
        "1000000000000",
        "-999999999999",
        "1868",
        "1867",
        "2200",
        "2201",
        "1900-02-28",
        "2024-02-29",
        "2100-02-28",
        "2024-13-01",
        "2024-00-10",
        "160-0023",
        "1600023",
        "サトウ　ハナコ",
        "サトウ  ハナコ",
        "ヴァ・ヴ ヽヾ",
        "ヿ",
        "さとう",
        "さとう　はなこ",
        "ｻﾄｳ ﾊﾅｺ",
        "ｶﾞｯｺｳ",
        "ﾞｱ",
        "ｱ ﾟ",
        "かﾞ",
        "ゝゞ",
        "ゟ",
        "〒160-0023",
        "〒 160-0023",
        "〒〒1600023",
        "A-1_z",
        "ａ1",
        "1 2",
        "12,300",
        "1,2345",
        "012,000",
        "999,999,999,999",
        "1,000,000,000,000",
        "▲0",
        "▲1,200",
        "△5",
        "−7",
        "+8",
        "+-8",
        "--8",
        "R8",
        "令和8年度",
        "令和元年",
        "R0",
        "R182",
        "R183",
        "R001",
        "R0001",
        "H31",
        "H32",
        "平成元",
        "令8年",
        "S60",
        "2000-02-29",
        "1900-02-29",
        "2100-02-29",
        "2024-04-31",
        "2024-12-31",
        "9999999999999",
        "0000000000001",
        "+999999999999",
        "+9999999999999",
        "▲999,999,999,999",
        "1234567890",
        "12345678901",
    ]
)
async def test_fast_path_reads_like_python(
    pool: asyncpg.Pool, kind: Kind, cells: list[str]
) -> None:
    await compare(pool, column_of(kind), cells)


PATTERNS = [(kind, pattern, most) for kind in KINDS for pattern, most, _ in FAST_PATHS[kind]]


def _readable(column: Column, cell: str) -> bool:
    try:
        values.reader_for(column.kind, column.codes)(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("kind", "pattern", "most"), PATTERNS, ids=[f"{k}-{n}" for n, (k, _, _) in enumerate(PATTERNS)]
)
@PROPERTY
@given(data=st.data())
async def test_fast_path_takes_what_its_patterns_say(
    pool: asyncpg.Pool, kind: Kind, pattern: str, most: int | None, data: st.DataObject
) -> None:
    """Cells written in a pattern itself (and not too long) that Python can read are read
    by PostgreSQL (and read right): a pattern may leave a bad value (R1.4.30) to Python."""
    cells = data.draw(st.lists(st.from_regex(pattern, fullmatch=True), min_size=1, max_size=20))
    column = column_of(kind)
    short = [c for c in cells if (most is None or len(c) <= most) and _readable(column, c)]
    assert await compare(pool, column, cells) == len(short)


async def test_every_date_of_1900_to_2199_is_read_by_the_fast_path(pool: asyncpg.Pool) -> None:
    days = [date(1900, 1, 1) + timedelta(days=n) for n in range(0, 300 * 366)]
    cells = [d.isoformat() for d in days if d.year < 2200]
    assert await compare(pool, column_of(Kind.DATE), cells) == len(cells)


async def test_every_era_and_slashed_date_is_read_like_python(pool: asyncpg.Pool) -> None:
    """Every day, month and year spelling of 昭和, 平成 and 令和 in the kanji and the short
    form, good or bad (昭和64年1月8日, 令和元年4月30日, R8.2.29), and 2026/2/29 alike."""
    column = column_of(Kind.DATE)
    cells = [
        f"{era}{year}{a}{month}{b}{day}{c}"
        for era, years in (("昭和", 65), ("H", 32), ("令和", 9), ("R", 9))
        for year in ["元", "0", *map(str, range(1, years))]
        for month in range(0, 14)
        for day in range(0, 33)
        for a, b, c in (("年", "月", "日"), (".", ".", ""))
    ]
    cells += [
        f"{year}/{month}/{day}"
        for year in (1900, 2000, 2023, 2024, 2199)
        for month in range(1, 13)
        for day in range(1, 32)
    ]
    cells += [
        "R08.06.30",
        "r8/6/30",
        "令8-6-30",
        "s63.1.7",
        "H31.4.30",
        "H31.5.1",
        "2026.6.1",
        "2026年6月30日",
        "R8.6/30",
        "令和8年6月30",
    ]
    left_to_python = ["R100.1.1", "大正15年12月25日", "2026/6/30(火)", "R8. 6. 30"]
    read = await compare(pool, column, cells + left_to_python)
    assert read == sum(1 for c in cells if _readable(column, c))
    assert all(_readable(column, c) for c in left_to_python)


async def test_every_fiscal_year_spelling_of_reiwa_and_heisei_is_read(pool: asyncpg.Pool) -> None:
    eras = ("令和", "令", "R", "r", "平成", "平", "H", "h")
    cells = [
        f"{era}{n:0{width}d}{suffix}"
        for era in eras
        for n in range(0, 200)
        for width in (1, 2, 3)
        for suffix in ("", "年", "年度")
    ]
    column = column_of(Kind.YEAR)
    assert await compare(pool, column, cells) == sum(1 for c in cells if _readable(column, c))


def test_fast_kana_is_left_alone_by_nfkc() -> None:
    for code in range(0x30A1, 0x30FF):
        assert unicodedata.normalize("NFKC", chr(code)) == chr(code)


@pytest.mark.parametrize("column", CODE_COLUMNS, ids=lambda c: c.key)
async def test_code_labels_read_like_python(pool: asyncpg.Pool, column: Column) -> None:
    labels = list(column.codes)
    assert await compare(pool, column, [*labels, "Male", " 男 ", "男性 ", "？"]) >= len(labels)


def test_plain_text_characters_are_left_alone_by_nfkc() -> None:
    plain = (
        [chr(c) for c in range(0x21, 0x7F)]
        + [
            chr(c)
            for lo, hi in ((0x3041, 0x3096), (0x30A1, 0x30FA), (0x4E00, 0x9FFF))
            for c in range(lo, hi + 1)
        ]
        + list("ー・々〇、。")
    )
    for char in plain:
        assert re.fullmatch(FAST_TEXT, char), hex(ord(char))
        assert unicodedata.normalize("NFKC", char) == char and not char.isspace(), hex(ord(char))


text_cells = st.lists(
    st.one_of(
        st.from_regex(FAST_TEXT, fullmatch=True),
        st.text(alphabet="佐藤花子さとうサトウｻﾄｳ 　\t１Ａa-（）㈱ﾞ", max_size=12),
        anything,
    ),
    max_size=30,
)


@PROPERTY
@given(cells=text_cells)
@example(
    cells=[
        "佐藤　花子",
        "佐藤 花子",
        "佐藤  花子",
        "　佐藤",
        "東京都さいこく区本町1丁目2番地",
        "本町１丁目",
        "ｻﾄｳ",
        "(株)サイコク",
        "㈱サイコク",
        "a\tb",
    ]
)
async def test_free_text_reads_like_python(pool: asyncpg.Pool, cells: list[str]) -> None:
    rows = await pool.fetch(
        f"select r, {text_sql('r')} as v, r ~ $2 as fast"
        " from (select nullif(btrim(cell), '') as r from unnest($1::text[]) cell) c"
        " where r is not null",
        cells,
        FAST_TEXT,
    )
    for row in rows:
        if row["fast"]:
            assert values.normalize_text(row["r"]) == row["v"], row["r"]


async def compare_phones(pool: asyncpg.Pool, cells: list[str]) -> int:
    """Every number PostgreSQL reads must read the same in Python; returns how many."""
    rows = await pool.fetch(
        f"select r, {fast_mobile('r')} as fast from"
        " (select nullif(btrim(cell), '') as r from unnest($1::text[]) cell) c"
        " where r is not null",
        cells,
    )
    for row in rows:
        if row["fast"]:
            phone = values.read_phone(row["r"])
            assert (phone.valid, phone.kind, phone.e164) == (
                True,
                "mobile",
                "+81" + row["r"].replace("-", "")[1:],
            ), row["r"]
    return sum(1 for r in rows if r["fast"])


async def test_every_mobile_prefix_reads_like_python(pool: asyncpg.Pool) -> None:
    cells = [
        f"0{a}0-{b}{c:03d}-{(b * 7919 + c) % 10000:04d}"
        for a in "789"
        for b in range(10)
        for c in range(0, 1000, 37)
    ]
    assert await compare_phones(pool, cells) == sum(1 for c in cells if c[4] != "0")


@PROPERTY
@given(
    cells=st.lists(
        st.one_of(
            st.text(alphabet="0123456789-", max_size=14),
            st.from_regex("0[789]0-?[0-9]{4}-?[0-9]{4}", fullmatch=True),
            anything,
        ),
        max_size=30,
    )
)
async def test_fast_mobile_reads_like_python(pool: asyncpg.Pool, cells: list[str]) -> None:
    await compare_phones(pool, cells)
