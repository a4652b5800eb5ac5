"""Files into PostgreSQL: COPY into a staging table of text columns, then one typed
"converted" table per entity. Values are read by campaigns.linkage.values — run once per
DISTINCT raw value, in Python, and joined back — except free text, which PostgreSQL
normalises (NFKC) itself: names and addresses are too many to send back and forth."""

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
    await conn.copy_to_table(
        table, source=utf8_chunks(source, on_bytes), columns=[c.key for c in source.columns],
        format="csv", header=True,
    )
    # Temp tables are never auto-analysed: without statistics the planner picks nested loops.
    await conn.execute(f"analyze {table}")
    count: int = await conn.fetchval(f"select count(*) from {table}")
    return count


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


async def _build_maps(conn: asyncpg.Connection, entity: Entity, mapped: list[Column]) -> None:
    """Read every distinct raw value of the mapped columns, once each, in Python, into
    map_<entity> (and map_phone_<entity> for phone numbers)."""
    # One hash aggregate per column: far cheaper than one over all (column, value) pairs.
    raws = []
    for column in mapped:
        raws += await conn.fetch(
            f"select distinct '{column.key}' as col, {_raw(column)} as raw"
            f" from {staging_table(entity)} s where {_raw(column)} is not null"
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


async def convert(conn: asyncpg.Connection, source: SourceFile) -> None:
    """Build conv_<entity>: per column <key>_raw, <key> (typed as text), <key>_err, and for
    phones <key>_kind/_valid/_reason. Columns the file lacks come out NULL."""
    entity = source.entity
    present = {c.key for c in source.columns}
    select = ["s.rec"]
    joins = []
    mapped = [c for c in source.columns if c.kind is not Kind.TEXT]
    await _build_maps(conn, entity, mapped)
    for column in entity.columns:
        key = column.key
        if key not in present:
            typed = SQL_TYPES.get(column.kind, "text")
            select.append(f"null::text as \"{key}_raw\", null::{typed} as \"{key}\","
                          f" null::text as \"{key}_err\"")
            if column.kind is Kind.PHONE:
                select.append(f"null::text as \"{key}_kind\", null::boolean as \"{key}_valid\","
                              f" null::text as \"{key}_reason\"")
            continue
        raw = _raw(column)
        select.append(f"{raw} as \"{key}_raw\"")
        if column.kind is Kind.TEXT:
            select.append(f"{_text_sql(raw)} as \"{key}\", null::text as \"{key}_err\"")
            continue
        alias = f"m_{key}"
        table = _phone_map_table(entity) if column.kind is Kind.PHONE else _map_table(entity)
        joins.append(
            f"left join {table} {alias} on {alias}.col = '{key}' and {alias}.raw = {raw}"
        )
        if column.kind is Kind.PHONE:
            select.append(
                f"{alias}.e164 as \"{key}\", null::text as \"{key}_err\","
                f" {alias}.kind as \"{key}_kind\", {alias}.valid as \"{key}_valid\","
                f" {alias}.reason as \"{key}_reason\""
            )
        else:
            typed = f"::{SQL_TYPES[column.kind]}" if column.kind in SQL_TYPES else ""
            select.append(f"{alias}.val{typed} as \"{key}\", {alias}.err as \"{key}_err\"")
    table = converted_table(entity)
    await conn.execute(f"drop table if exists {table}")
    await conn.execute(
        f"create temp table {table} on commit drop as select {', '.join(select)}"
        f" from {staging_table(entity)} s {' '.join(joins)}"
    )
    # Cross-file checks and merges look rows up by their natural key and by person.
    for columns in {("rec",), entity.natural_key, *(
            (("resident_number",),) if "resident_number" in present else ())}:
        if columns:
            await conn.execute(
                f"create index on {table} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)})"
            )
    await conn.execute(f"analyze {table}")
