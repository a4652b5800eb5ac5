"""Files into PostgreSQL: COPY into a staging table of text columns, then one typed
"converted" table per entity. Values are read by campaigns.linkage.values — run once per
DISTINCT raw value, in Python, and joined back — except free text, which PostgreSQL
normalises (NFKC) itself: names and addresses are too many to send back and forth, and
the usual spellings (ISO dates, plain digits, the spec's labels: FAST_PATHS), which
PostgreSQL reads itself exactly as Python would, so they need neither trip nor join."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

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
    # Temp tables are never auto-analysed: without statistics the planner picks nested loops.
    await conn.execute(f"analyze {table}")
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


# The usual spelling of each kind, read by PostgreSQL itself: a regular expression over
# the trimmed raw text and the value it gives. Every raw it accepts is read exactly as the
# Python reader in campaigns.linkage.values reads it (tests/db/test_fast_paths.py holds
# them together); only the distinct raws it does not accept make the trip to Python. A
# whole file in the usual spellings then needs no value map, no join and no round trip.
FAST_PATHS: dict[Kind, tuple[str, str]] = {
    Kind.ID: ("^[0-9A-Za-z_-]+$", "{r}"),
    Kind.INT: ("^[0-9]{1,9}$", "{r}::integer"),
    Kind.YEN: ("^[0-9]{1,12}$", "{r}::bigint"),
    Kind.SIGNED_YEN: ("^-?[0-9]{1,12}$", "{r}::bigint"),
    # 1868–2200, the years every reader accepts
    Kind.YEAR: ("^(18(6[89]|[7-9][0-9])|19[0-9][0-9]|2[01][0-9][0-9]|2200)$", "{r}::smallint"),
    # ISO dates of 1900–2199 whose day exists in every month; the 29th–31st go to Python
    Kind.DATE: ("^(19|2[01])[0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$", "{r}::date"),
    Kind.POSTAL: ("^[0-9]{3}-?[0-9]{4}$", "replace({r}, '-', '')"),
    # full-width katakana words (NFKC leaves them alone) split by one space or U+3000
    Kind.KANA: ("^[\u30a1-\u30fe]+([ \u3000][\u30a1-\u30fe]+)*$",
                "translate({r}, '\u3000', ' ')"),
}


def fast_value(column: Column, raw: str) -> str | None:
    """SQL for the column's value when `raw` (a SQL expression) is in its usual spelling,
    else NULL; None when the kind has no fast path."""
    if column.kind is Kind.CODE:
        # Exactly one of the spec's labels: its code (labels are ours, not file data).
        whens = " ".join(f"when {_literal(label)} then {_literal(code)}"
                         for label, code in column.codes.items())
        return f"(case {raw} {whens} end)"
    if column.kind not in FAST_PATHS:
        return None
    pattern, value = FAST_PATHS[column.kind]
    return f"(case when {raw} ~ {_literal(pattern)} then {value.format(r=raw)} end)"


async def _build_maps(
    conn: asyncpg.Connection, entity: Entity, mapped: list[Column]
) -> tuple[set[str], set[str]]:
    """Read every distinct raw value of the mapped columns that PostgreSQL could not read
    itself, once each, in Python, into map_<entity> (and map_phone_<entity> for phone
    numbers). Returns the columns that have map rows and those with unreadable values."""
    # One hash aggregate per column: far cheaper than one over all (column, value) pairs.
    raws = []
    for column in mapped:
        fast = fast_value(column, _raw(column))
        rest = f" and {fast} is null" if fast else ""
        raws += await conn.fetch(
            f"select distinct '{column.key}' as col, {_raw(column)} as raw"
            f" from {staging_table(entity)} s where {_raw(column)} is not null{rest}"
        )
    readers = {c.key: _reader(c) for c in mapped if c.kind is not Kind.PHONE}
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
    await conn.execute(
        f"create temp table {_map_table(entity)} (col text, raw text, val text, err text,"
        " primary key (col, raw)) on commit drop"
    )
    await conn.copy_records_to_table(_map_table(entity), records=records)
    await conn.execute(
        f"create temp table {_phone_map_table(entity)} (col text, raw text, e164 text, kind text,"
        " valid boolean, reason text, primary key (col, raw)) on commit drop"
    )
    await conn.copy_records_to_table(_phone_map_table(entity), records=phones)
    if records or phones:
        await conn.execute(f"analyze {_map_table(entity)}, {_phone_map_table(entity)}")
    with_rows = {r[0] for r in records} | {p[0] for p in phones}
    return with_rows, {r[0] for r in records if r[3] is not None}


# The SQL type of each read value in conv_<entity>: typed columns let cross-file checks and
# merges compare with the target tables' indexes (a cast on the lookup side defeats them).
SQL_TYPES: dict[Kind, str] = {
    Kind.DATE: "date", Kind.DATETIME: "timestamp", Kind.YEAR: "smallint", Kind.INT: "integer",
    Kind.YEN: "bigint", Kind.SIGNED_YEN: "bigint",
}


def _phone_fields(phone: values.Phone) -> tuple[str | None, str, bool, str | None]:
    return phone.e164, phone.kind, phone.valid, phone.invalid_reason


def _text_sql(raw: str) -> str:
    # Mirrors values.normalize_text: NFKC, whitespace runs to one space, trimmed.
    return f"nullif(btrim(regexp_replace(normalize({raw}, NFKC), '\\s+', ' ', 'g')), '')"


async def convert(conn: asyncpg.Connection, source: SourceFile) -> set[str]:
    """Build conv_<entity>: per column <key>_raw and <key> (typed), <key>_err for a column
    with unreadable values, and for phones <key>_kind/_valid/_reason. Columns the file
    lacks come out NULL. Returns the columns that have a <key>_err."""
    entity = source.entity
    present = {c.key for c in source.columns}
    select = ["s.rec"]
    joins = []
    mapped = [c for c in source.columns if c.kind is not Kind.TEXT]
    with_map, with_errors = await _build_maps(conn, entity, mapped)
    for column in entity.columns:
        key = column.key
        typed = SQL_TYPES.get(column.kind, "text")
        if key not in present:
            select.append(f"null::text as \"{key}_raw\", null::{typed} as \"{key}\"")
            if column.kind is Kind.PHONE:
                select.append(f"null::text as \"{key}_kind\", null::boolean as \"{key}_valid\","
                              f" null::text as \"{key}_reason\"")
            continue
        raw = _raw(column)
        select.append(f"{raw} as \"{key}_raw\"")
        if column.kind is Kind.TEXT:
            select.append(f"{_text_sql(raw)} as \"{key}\"")
            continue
        alias = f"m_{key}"
        fast = fast_value(column, raw)
        if key in with_map:
            table = _phone_map_table(entity) if column.kind is Kind.PHONE else _map_table(entity)
            joins.append(
                f"left join {table} {alias} on {alias}.col = '{key}' and {alias}.raw = {raw}"
            )
        if column.kind is Kind.PHONE:
            if key in with_map:
                select.append(
                    f"{alias}.e164 as \"{key}\", {alias}.kind as \"{key}_kind\","
                    f" {alias}.valid as \"{key}_valid\", {alias}.reason as \"{key}_reason\""
                )
            else:
                select.append(f"null::text as \"{key}\", null::text as \"{key}_kind\","
                              f" null::boolean as \"{key}_valid\", null::text as \"{key}_reason\"")
            continue
        slow = f"{alias}.val::{typed}" if key in with_map else None
        value = ", ".join(v for v in (fast, slow) if v) or f"null::{typed}"
        select.append(f"coalesce({value})::{typed} as \"{key}\"")
        if key in with_errors:
            select.append(f"{alias}.err as \"{key}_err\"")
    table = converted_table(entity)
    await conn.execute(f"drop table if exists {table}")
    await conn.execute(
        f"create temp table {table} on commit drop as select {', '.join(select)}"
        f" from {staging_table(entity)} s {' '.join(joins)}"
    )
    # Checks and merges join these by hash: statistics, no indexes.
    await conn.execute(f"analyze {table}")
    return with_errors
