"""Files into PostgreSQL: COPY into a staging table of text columns, then one typed
"converted" table per entity. Values are read by campaigns.linkage.values — run once per
DISTINCT raw value, in Python, and joined back — except free text, which PostgreSQL
normalises (NFKC) itself: names and addresses are too many to send back and forth, and
the usual spellings (ISO dates, plain digits, the spec's labels: FAST_PATHS), which
PostgreSQL reads itself exactly as Python would, so they need neither trip nor join."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

import asyncpg

from campaigns.linkage import values
from campaigns.linkage.files import SourceFile, utf8_chunks
from campaigns.linkage.spec import Column, Entity, Kind

# A converted row c names its bill b (tax_bills or conv_bills) by these three typed columns.
BILL_MATCH = ("b.tax_type = c.tax_type and b.fiscal_year = c.fiscal_year"
              " and b.notice_number = c.notice_number")


# The statistics target of the staging tables: the planner needs only rough figures.
STAGING_STATISTICS = 10


def staging_table(entity: Entity) -> str:
    return f"stg_{entity.key}"


def converted_table(entity: Entity) -> str:
    return f"conv_{entity.key}"


def _map_table(entity: Entity) -> str:
    return f"map_{entity.key}"


def _phone_map_table(entity: Entity) -> str:
    return f"map_phone_{entity.key}"


def _raw(column: Column) -> str:
    return f"nullif(btrim(s.\"{column.key}\"), '')"


async def copy_file(
    conn: asyncpg.Connection, source: SourceFile, on_bytes: Callable[[int], None] | None = None
) -> int:
    """COPY the file into its staging table; returns the rows staged. Raises what COPY
    raises when the file is malformed (the caller then scans it line by line)."""
    table = staging_table(source.entity)
    columns = ", ".join(f'"{c.key}" text' for c in source.columns)
    await conn.execute(f"drop table if exists {table}")
    await conn.execute(
        f"create temp table {table} (rec bigint generated always as identity, {columns})"
        " on commit drop"
    )
    status = await conn.copy_to_table(
        table, source=utf8_chunks(source, on_bytes), columns=[c.key for c in source.columns],
        format="csv", header=True,
    )
    return int(status.split()[-1])  # "COPY <rows>"


def _reader(column: Column) -> Callable[[str], object]:
    if column.kind is Kind.DATETIME:
        return values.parse_datetime
    return values.reader_for(column.kind, column.codes)


def _as_text(value: object) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _read_or_null(read: Callable[[str], object], raw: str) -> str | None:
    """The value as text for the map table; a reader's None (e.g. kana that was only
    spaces) stays NULL, never the text "None"."""
    value = read(raw)
    return None if value is None else _as_text(value)


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings is on: only ' needs doubling).
    Used for the spec's own labels, never for file data."""
    return "'" + text.replace("'", "''") + "'"


# The usual spellings of each kind, read by PostgreSQL itself: a regular expression over
# the trimmed raw text, the most characters it may have, and the value it gives. Every raw
# they accept is read exactly as the Python reader in campaigns.linkage.values reads it
# (tests/db/test_fast_paths.py holds them together); only the distinct raws they do not
# accept make the trip to Python. A file in the usual spellings then needs no trip, no join
# and no second pass. (Lengths are checked apart: PostgreSQL's regular expressions are four
# times slower with counted repetitions such as [0-9]{1,12}.)
_GROUPED = "[0-9][0-9]?[0-9]?(,[0-9][0-9][0-9])+"  # 12,300; at most 15 characters = 12 digits
_REIWA_YEAR = "([1-9]|0[1-9]|[1-9][0-9]|00[1-9]|0[1-9][0-9]|1[0-7][0-9]|18[0-2])"  # 1-182
_HEISEI_YEAR = "([1-9]|0[1-9]|[12][0-9]|3[01]|00[1-9]|0[12][0-9]|03[01])"  # 1-31
_LEAP = "((19|2[01])(0[48]|[2468][048]|[13579][26])|2000)"  # 1900-2199
_NEGATIVE = "[-−▲△]"
FAST_PATHS: dict[Kind, tuple[tuple[str, int | None, str], ...]] = {
    Kind.ID: (("^[0-9A-Za-z_-]+$", None, "{r}"),),
    Kind.INT: (("^[0-9]+$", 9, "{r}::integer"),),
    Kind.YEN: (
        ("^[0-9]+$", 12, "{r}::bigint"),
        (f"^{_GROUPED}$", 15, "replace({r}, ',', '')::bigint"),
    ),
    Kind.SIGNED_YEN: (
        ("^[0-9]+$", 12, "{r}::bigint"),
        (f"^{_NEGATIVE}[0-9]+$", 13, "-substr({r}, 2)::bigint"),
        (f"^{_GROUPED}$", 15, "replace({r}, ',', '')::bigint"),
        (f"^{_NEGATIVE}{_GROUPED}$", 16, "-replace(substr({r}, 2), ',', '')::bigint"),
        ("^\\+[0-9]+$", 13, "substr({r}, 2)::bigint"),
    ),
    Kind.YEAR: (
        ("^(18(6[89]|[7-9][0-9])|19[0-9][0-9]|2[01][0-9][0-9]|2200)$", None, "{r}::smallint"),
        (f"^(令和|令|R|r){_REIWA_YEAR}(年度?)?$", None,
         "2018 + ltrim(rtrim({r}, '年度'), '令和Rr')::smallint"),
        (f"^(平成|平|H|h){_HEISEI_YEAR}(年度?)?$", None,
         "1988 + ltrim(rtrim({r}, '年度'), '平成Hh')::smallint"),
        ("^(令和|令|R|r)元(年度?)?$", None, "2019"),
        ("^(平成|平|H|h)元(年度?)?$", None, "1989"),
    ),
    # ISO dates of 1900-2199 that exist (the 29th of February in leap years only)
    Kind.DATE: (
        ("^(19|2[01])[0-9][0-9]-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
         "|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$", None, "{r}::date"),
        (f"^{_LEAP}-02-29$", None, "{r}::date"),
    ),
    Kind.POSTAL: (("^[0-9][0-9][0-9]-?[0-9][0-9][0-9][0-9]$", None, "replace({r}, '-', '')"),),
    # full-width katakana words (NFKC leaves them alone) split by one space or U+3000
    Kind.KANA: (("^[\u30a1-\u30fe]+([ \u3000][\u30a1-\u30fe]+)*$", None,
                 "translate({r}, '\u3000', ' ')"),),
}


def fast_value(column: Column, raw: str) -> str | None:
    """SQL for the column's value when `raw` (a SQL expression) is in a usual spelling,
    else NULL; None when the kind has no fast path."""
    if column.kind is Kind.CODE:
        # Exactly one of the spec's labels: its code (labels are ours, not file data).
        whens = " ".join(f"when {_literal(label)} then {_literal(code)}"
                         for label, code in column.codes.items())
        return f"(case {raw} {whens} end)"
    if column.kind not in FAST_PATHS:
        return None
    whens = " ".join(
        f"when {raw} ~ {_literal(pattern)}"
        f"{f' and length({raw}) <= {most}' if most else ''} then {value.format(r=raw)}"
        for pattern, most, value in FAST_PATHS[column.kind]
    )
    return f"(case {whens} end)"


def fast_mobile(raw: str) -> str:
    """SQL: true when `raw` is a mobile number in digits and hyphens (090-1234-5678,
    09012345678): phonenumbers reads every 070/080/090 number whose fourth digit is not 0
    as a valid mobile, +81 and the digits after the 0. Other numbers go to Python."""
    digits = f"replace({raw}, '-', '')"
    return (f"({raw} ~ '^[0-9-]+$' and length({digits}) = 11"
            f" and {digits} ~ '^0[789]0[1-9]')")


def _fast_phone_columns(key: str, raw: str) -> str:
    mobile = fast_mobile(raw)
    return (f"case when {mobile} then '+81' || substr(replace({raw}, '-', ''), 2) end"
            f" as {_q(key)}, case when {mobile} then 'mobile' end as {_q(key + '_kind')},"
            f" case when {mobile} then true end as {_q(key + '_valid')},"
            f" null::text as {_q(key + '_reason')}")


def _read_by_sql(column: Column) -> bool:
    return column.kind is Kind.PHONE or fast_value(column, "r") is not None


@dataclass
class _Maps:
    """What Python read: map_<entity> (col, raw, val, err) and map_phone_<entity>."""

    with_rows: set[str] = field(default_factory=set)   # columns that have map rows
    unreadable: set[str] = field(default_factory=set)  # columns with a raw Python refused


async def _create_maps(conn: asyncpg.Connection, entity: Entity) -> None:
    await conn.execute(
        f"create temp table {_map_table(entity)} (col text, raw text, val text, err text,"
        " primary key (col, raw)) on commit drop;"
        f" create temp table {_phone_map_table(entity)} (col text, raw text, e164 text,"
        " kind text, valid boolean, reason text, primary key (col, raw)) on commit drop"
    )


async def _read_in_python(
    conn: asyncpg.Connection, entity: Entity, columns: list[Column], raws: list[asyncpg.Record],
    maps: _Maps,
) -> None:
    """Read each distinct (col, raw) once, in Python, into the map tables."""
    readers = {c.key: _reader(c) for c in columns if c.kind is not Kind.PHONE}
    records: list[tuple[str, str, str | None, str | None]] = []
    phones: list[tuple[str, str, str | None, str, bool, str | None]] = []
    for row in raws:
        col, raw = row["col"], row["raw"]
        if col not in readers:
            phones.append((col, raw, *_phone_fields(values.read_phone(raw))))
            continue
        try:
            records.append((col, raw, _read_or_null(readers[col], raw), None))
        except ValueError as exc:
            records.append((col, raw, None, str(exc)))
    if records:
        await conn.copy_records_to_table(_map_table(entity), records=records)
    if phones:
        await conn.copy_records_to_table(_phone_map_table(entity), records=phones)
    if records or phones:
        await conn.execute(f"analyze {_map_table(entity)}, {_phone_map_table(entity)}")
    maps.with_rows |= {r[0] for r in records} | {p[0] for p in phones}
    maps.unreadable |= {r[0] for r in records if r[3] is not None}


# The SQL type of each read value in conv_<entity>: typed columns let cross-file checks and
# merges compare with the target tables' indexes (a cast on the lookup side defeats them).
SQL_TYPES: dict[Kind, str] = {
    Kind.DATE: "date", Kind.DATETIME: "timestamp", Kind.YEAR: "smallint", Kind.INT: "integer",
    Kind.YEN: "bigint", Kind.SIGNED_YEN: "bigint",
}


def _phone_fields(phone: values.Phone) -> tuple[str | None, str, bool, str | None]:
    return phone.e164, phone.kind, phone.valid, phone.invalid_reason


# Characters NFKC leaves alone and that are no whitespace: ASCII but the space, hiragana,
# katakana (full width), 々〇、。 and the CJK unified ideographs.
_PLAIN = "[!-~\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3005\u3007\u3001\u3002\u4e00-\u9fff]"
# Free text in words of those, split by one space or U+3000: most names and addresses.
FAST_TEXT = f"^{_PLAIN}+([ \u3000]{_PLAIN}+)*$"


def _text_sql(raw: str) -> str:
    """Mirrors values.normalize_text: NFKC, whitespace runs to one space, trimmed. Text in
    FAST_TEXT only needs U+3000 made a space: NFKC (1.4 µs per address) is skipped."""
    full = f"nullif(btrim(regexp_replace(normalize({raw}, NFKC), '\\s+', ' ', 'g')), '')"
    return (f"(case when {raw} ~ {_literal(FAST_TEXT)} then translate({raw}, '\u3000', ' ')"
            f" else {full} end)")


def _q(name: str) -> str:
    return f'"{name}"'


async def convert(conn: asyncpg.Connection, source: SourceFile) -> set[str]:
    """Build conv_<entity>: per column <key>_raw and <key> (typed), <key>_err for a column
    with unreadable values, and for phones <key>_kind/_valid/_reason. Columns the file
    lacks come out NULL. Returns the columns that have a <key>_err.

    1. Kinds Python alone reads (date-times): their distinct raws go to Python first and
       are joined in step 2.
    2. One pass over the staging table: each raw trimmed once, free text normalised, the
       usual spellings read (FAST_PATHS, mobile numbers).
    3. One pass over that finds the distinct raws the fast paths left unread; Python reads
       them and one UPDATE puts their values (or reasons) into the rows that have them."""
    entity = source.entity
    table = converted_table(entity)
    present = {c.key for c in source.columns}
    mapped = [c for c in source.columns if c.kind is not Kind.TEXT]
    python_only = [c for c in mapped if not _read_by_sql(c)]
    fast = [c for c in mapped if _read_by_sql(c)]
    maps = _Maps()
    await _create_maps(conn, entity)
    raws: list[asyncpg.Record] = []
    for column in python_only:
        raws += await conn.fetch(
            f"select distinct '{column.key}' as col, {_raw(column)} as raw"
            f" from {staging_table(entity)} s where {_raw(column)} is not null"
        )
    await _read_in_python(conn, entity, python_only, raws, maps)

    trimmed = ["s.rec", *(f"{_raw(c)} as {_q(c.key + '_raw')}" for c in source.columns)]
    select, joins = ["r.rec"], []
    for column in entity.columns:
        key, typed = column.key, SQL_TYPES.get(column.kind, "text")
        phone = column.kind is Kind.PHONE
        if key not in present:
            select.append(f"null::text as {_q(key + '_raw')}, null::{typed} as {_q(key)}")
            if phone:
                select.append(f"null::text as {_q(key + '_kind')},"
                              f" null::boolean as {_q(key + '_valid')},"
                              f" null::text as {_q(key + '_reason')}")
            continue
        raw = f"r.{_q(key + '_raw')}"
        select.append(raw)
        if column.kind is Kind.TEXT:
            select.append(f"{_text_sql(raw)} as {_q(key)}")
        elif phone:
            select.append(_fast_phone_columns(key, raw))
        elif column in fast:
            select.append(f"{fast_value(column, raw)}::{typed} as {_q(key)}")
        elif key not in maps.with_rows:
            select.append(f"null::{typed} as {_q(key)}")
        else:  # read by Python in step 1
            alias = f"m_{key}"
            joins.append(f"left join {_map_table(entity)} {alias}"
                         f" on {alias}.col = '{key}' and {alias}.raw = {raw}")
            select.append(f"{alias}.val::{typed} as {_q(key)}")
            if key in maps.unreadable:
                select.append(f"{alias}.err as {_q(key + '_err')}")
    await conn.execute(f"drop table if exists {table}")
    # offset 0 keeps the trimming in the inner query: each raw is trimmed once, not once
    # per expression that uses it.
    await conn.execute(
        f"create temp table {table} on commit drop as select {', '.join(select)}"
        f" from (select {', '.join(trimmed)} from {staging_table(entity)} s offset 0) r"
        f" {' '.join(joins)}"
    )
    if fast:
        await _read_the_rest(conn, entity, fast, maps)
    return maps.unreadable


async def analyze_converted(conn: asyncpg.Connection, source: SourceFile) -> None:
    """Checks and merges join conv_<entity> on its keys by hash: statistics of those
    columns, no indexes."""
    keys = dict.fromkeys([*source.entity.natural_key, *(
        ["resident_number"] if "resident_number" in {c.key for c in source.columns} else [])])
    await conn.execute(f"analyze {converted_table(source.entity)}"
                       f" ({', '.join(_q(k) for k in keys) or 'rec'})")


@dataclass
class Converted:
    """A converted table written out by the session that made it, for another session:
    its columns and its rows in binary COPY format, in an unnamed temporary file (gone
    with the process, whatever happens)."""

    table: str
    columns: list[tuple[str, str]]
    rows: IO[bytes]


async def write_out(conn: asyncpg.Connection, table: str) -> Converted:
    """Spool the temporary table `table` out of this session (which keeps it for the
    checks of later files): the session can go on with the next file at once, and the
    other session reads the rows in when it is ready."""
    columns = await conn.fetch(
        "select a.attname, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a"
        " where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped"
        " order by a.attnum", f"pg_temp.{table}",
    )
    # Closed by read_in (or by the importer when it never gets there).
    rows = tempfile.TemporaryFile(prefix="saikoku-import-")  # noqa: SIM115
    try:
        await conn.copy_from_table(table, output=rows, format="binary")
    except BaseException:
        rows.close()
        raise
    rows.seek(0)
    return Converted(table, [(c[0], c[1]) for c in columns], rows)


async def read_in(conn: asyncpg.Connection, converted: Converted) -> None:
    """Create the converted table in this session from what `write_out` spooled."""
    with converted.rows:
        await conn.execute(
            f"drop table if exists {converted.table}; create temp table {converted.table}"
            f" ({', '.join(f'{_q(name)} {kind}' for name, kind in converted.columns)})"
            " on commit drop"
        )
        await conn.copy_to_table(converted.table, source=converted.rows, format="binary")


def _unread(column: Column, a: str = "") -> str:
    """SQL: the row has a raw the fast paths left unread (phones: no validity yet)."""
    value = _q(column.key + ("_valid" if column.kind is Kind.PHONE else ""))
    return f"({a}{value} is null and {a}{_q(column.key + '_raw')} is not null)"


async def _read_the_rest(
    conn: asyncpg.Connection, entity: Entity, fast: list[Column], maps: _Maps
) -> None:
    """Step 3 of `convert`: raws the fast paths left unread, through Python, into the rows."""
    table = converted_table(entity)
    pairs = ", ".join(f"('{c.key}', case when {_unread(c)} then {_q(c.key + '_raw')} end)"
                      for c in fast)
    raws = await conn.fetch(
        f"select v.col, v.raw from {table} c cross join lateral (values {pairs}) v(col, raw)"
        f" where ({' or '.join(_unread(c) for c in fast)}) and v.raw is not null"
        " group by v.col, v.raw"
    )
    if not raws:
        return
    await _read_in_python(conn, entity, fast, raws, maps)
    fix = [c for c in fast if c.key in maps.with_rows]
    for column in fix:
        if column.key in maps.unreadable:
            await conn.execute(f"alter table {table} add column {_q(column.key + '_err')} text")
    sets, found, joins = [], ["c.rec"], []
    for column in fix:
        key, alias = column.key, f"m_{column.key}"
        if column.kind is Kind.PHONE:
            joins.append(f"left join {_phone_map_table(entity)} {alias} on {alias}.col = '{key}'"
                         f" and {alias}.raw = c.{_q(key + '_raw')}")
            for name, field_ in (("", "e164"), ("_kind", "kind"), ("_valid", "valid"),
                                 ("_reason", "reason")):
                found.append(f"{alias}.{field_} as {_q(key + name)}")
                sets.append(f"{_q(key + name)} = case when {_unread(column, 'c.')}"
                            f" then f.{_q(key + name)} else c.{_q(key + name)} end")
            continue
        joins.append(f"left join {_map_table(entity)} {alias} on {alias}.col = '{key}'"
                     f" and {alias}.raw = c.{_q(key + '_raw')}")
        found.append(f"{alias}.val as {_q(key)}")
        sets.append(f"{_q(key)} = coalesce(c.{_q(key)},"
                    f" f.{_q(key)}::{SQL_TYPES.get(column.kind, 'text')})")
        if key in maps.unreadable:
            found.append(f"{alias}.err as {_q(key + '_err')}")
            sets.append(f"{_q(key + '_err')} = f.{_q(key + '_err')}")
    await conn.execute(
        f"update {table} c set {', '.join(sets)}"
        f" from (select {', '.join(found)} from {table} c {' '.join(joins)}"
        f" where {' or '.join(_unread(c, 'c.') for c in fix)}) f"
        " where f.rec = c.rec"
    )
