"""PostgreSQL reads the usual spellings itself (staging.FAST_PATHS); whatever it accepts, it
must read exactly as the Python readers of campaigns.linkage.values do."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaigns.linkage import spec, values
from campaigns.linkage.spec import Column, Kind
from campaigns.linkage.staging import FAST_PATHS, fast_value

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

KINDS = sorted(FAST_PATHS, key=str)
CODE_COLUMNS = sorted({c.key: c for e in spec.ENTITIES for c in e.columns
                       if c.kind is Kind.CODE}.values(), key=lambda c: c.key)


def column_of(kind: Kind) -> Column:
    return Column("列", "x", kind)


async def compare(pool: asyncpg.Pool, column: Column, cells: list[str]) -> int:
    """Every cell PostgreSQL reads must read the same in Python; returns how many it read."""
    rows = await pool.fetch(
        f"select r, {fast_value(column, 'r')} as v"
        " from (select nullif(btrim(cell), '') as r from unnest($1::text[]) cell) c"
        " where r is not null", cells,
    )
    read: Callable[[str], object] = values.reader_for(column.kind, column.codes)
    for row in rows:
        if row["v"] is not None:
            assert read(row["r"]) == row["v"], (column.kind, row["r"])
    return sum(1 for r in rows if r["v"] is not None)


# Cells near each usual spelling (digits, dashes, kana, spaces) and anything at all.
near = st.text(alphabet="0123456789-/ 　", max_size=14)
kana = st.text(alphabet="アイウカガキャッーヴヶヺ・ヽヾヿ 　ぁゝ゛ｶﾞ", max_size=10)
# What COPY can bring: any text but NUL and lone surrogates.
anything = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=12)
cells = st.lists(st.one_of(near, kana, anything), max_size=40)


@pytest.mark.parametrize("kind", KINDS, ids=str)
@PROPERTY
@given(cells=cells)
@example(cells=["0", "-0", "007", "999999999999", "1000000000000", "-999999999999", "1868",
                "1867", "2200", "2201", "1900-02-28", "2024-02-29", "2100-02-28",
                "2024-13-01", "2024-00-10", "160-0023", "1600023", "サトウ　ハナコ",
                "サトウ  ハナコ", "ヴァ・ヴ ヽヾ", "ヿ", "さとう", "A-1_z", "ａ1", "1 2"])
async def test_fast_path_reads_like_python(
    pool: asyncpg.Pool, kind: Kind, cells: list[str]
) -> None:
    await compare(pool, column_of(kind), cells)


@pytest.mark.parametrize("kind", KINDS, ids=str)
@PROPERTY
@given(data=st.data())
async def test_fast_path_takes_what_its_pattern_says(
    pool: asyncpg.Pool, kind: Kind, data: st.DataObject
) -> None:
    """Cells written in the pattern itself are read by PostgreSQL (and read right)."""
    pattern = FAST_PATHS[kind][0]
    cell = data.draw(st.from_regex(pattern.removeprefix("^").removesuffix("$"), fullmatch=True))
    assert await compare(pool, column_of(kind), [cell]) == 1


async def test_every_date_of_the_fast_path_is_a_date(pool: asyncpg.Pool) -> None:
    days = [date(1900, 1, 1) + timedelta(days=n) for n in range(0, 300 * 366, 7)]
    cells = [d.isoformat() for d in days if d.year < 2200]
    assert await compare(pool, column_of(Kind.DATE), cells) == sum(
        1 for c in cells if int(c[-2:]) <= 28)


def test_fast_kana_is_left_alone_by_nfkc() -> None:
    for code in range(0x30A1, 0x30FF):
        assert unicodedata.normalize("NFKC", chr(code)) == chr(code)


@pytest.mark.parametrize("column", CODE_COLUMNS, ids=lambda c: c.key)
async def test_code_labels_read_like_python(pool: asyncpg.Pool, column: Column) -> None:
    labels = list(column.codes)
    assert await compare(pool, column, [*labels, "Male", " 男 ", "男性 ", "？"]) >= len(labels)
