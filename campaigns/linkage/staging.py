"""Files into PostgreSQL: COPY into a staging table of text columns, then one typed
"converted" table per entity. Values are read by campaigns.linkage.values — run once per
DISTINCT raw value, in Python, and joined back — except free text, which PostgreSQL
normalises (NFKC) itself: names and addresses are too many to send back and forth, and
the usual spellings (campaigns.linkage.fast_paths), which PostgreSQL reads itself exactly
as Python would, so they need neither trip nor join."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

import asyncpg

from campaigns.linkage import values
from campaigns.linkage.fast_paths import fast_mobile, fast_value, text_sql
from campaigns.linkage.files import EdgeSpaces, SourceFile, utf8_chunks
from campaigns.linkage.spec import Column, Entity, Kind
from saikoku.core.sql import ident

# A converted row c names its bill b (tax_bills or conv_bills) by these three typed columns.
BILL_MATCH = (
    "b.tax_type = c.tax_type and b.fiscal_year = c.fiscal_year"
    " and b.notice_number = c.notice_number"
)


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


@dataclass(frozen=True)
class Staged:
    rows: int
    padded: bool  # some cell may start or end with a space


def _raw(column: Column, staged: Staged) -> str:
    """SQL: the staged cell trimmed, NULL when blank. COPY has made empty cells NULL
    already; trimming every cell of a file that has no padded one (most) cost a tenth of
    reading it."""
    cell = f"s.{ident(column.key)}"
    return f"nullif(btrim({cell}), '')" if staged.padded else cell


async def copy_file(
    conn: asyncpg.Connection, source: SourceFile, on_bytes: Callable[[int], None] | None = None
) -> Staged:
    """COPY the file into its staging table. Raises what COPY raises when the file is
    malformed (the caller then scans it line by line)."""
    table = staging_table(source.entity)
    columns = ", ".join(f'"{c.key}" text' for c in source.columns)
    await conn.execute(f"drop table if exists {table}")
    await conn.execute(
        f"create temp table {table} (rec bigint generated always as identity, {columns})"
        " on commit drop"
    )
    spaces = EdgeSpaces()
    keys = [c.key for c in source.columns]
    status = await conn.copy_to_table(
        table,
        source=utf8_chunks(source, spaces, on_bytes),
        columns=keys,
        format="csv",
        header=True,
        force_null=keys,  # a quoted "" is blank as well
    )
    return Staged(int(status.split()[-1]), spaces.found)  # "COPY <rows>"


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


def _fast_phone_columns(key: str, raw: str) -> str:
    """SQL: the phone's columns (<key>, _kind, _valid, _reason) for a fast mobile, else
    NULLs."""
    mobile = fast_mobile(raw)
    return (
        f"case when {mobile} then '+81' || substr(replace({raw}, '-', ''), 2) end"
        f" as {ident(key)}, case when {mobile} then 'mobile' end as {ident(key + '_kind')},"
        f" case when {mobile} then true end as {ident(key + '_valid')},"
        f" null::text as {ident(key + '_reason')}"
    )


def _read_by_sql(column: Column) -> bool:
    return column.kind is Kind.PHONE or fast_value(column, "r") is not None


@dataclass
class _Maps:
    """What Python read: map_<entity> (col, raw, val, err) and map_phone_<entity>."""

    with_rows: set[str] = field(default_factory=set)  # columns that have map rows
    unreadable: set[str] = field(default_factory=set)  # columns with a raw Python refused


async def _create_maps(conn: asyncpg.Connection, entity: Entity) -> None:
    await conn.execute(
        f"create temp table {_map_table(entity)} (col text, raw text, val text, err text,"
        " primary key (col, raw)) on commit drop;"
        f" create temp table {_phone_map_table(entity)} (col text, raw text, e164 text,"
        " kind text, valid boolean, reason text, primary key (col, raw)) on commit drop"
    )


async def _read_in_python(
    conn: asyncpg.Connection,
    entity: Entity,
    columns: list[Column],
    raws: list[asyncpg.Record],
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
    Kind.DATE: "date",
    Kind.DATETIME: "timestamp",
    Kind.YEAR: "smallint",
    Kind.INT: "integer",
    Kind.YEN: "bigint",
    Kind.SIGNED_YEN: "bigint",
}


def _phone_fields(phone: values.Phone) -> tuple[str | None, str, bool, str | None]:
    return phone.e164, phone.kind, phone.valid, phone.invalid_reason


async def convert(conn: asyncpg.Connection, source: SourceFile, staged: Staged) -> set[str]:
    """Build conv_<entity>: per column <key>_raw and <key> (typed), <key>_err for a column
    with unreadable values, and for phones <key>_kind/_valid/_reason. Columns the file
    lacks come out NULL. Returns the columns that have a <key>_err.

    1. Kinds Python alone reads (date-times): their distinct raws go to Python first and
       are joined in step 2.
    2. One pass over the staging table: each raw trimmed once (if the file has padded
       cells), free text normalised, the usual spellings read (campaigns.linkage.fast_paths).
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
            f"select distinct '{column.key}' as col, {_raw(column, staged)} as raw"
            f" from {staging_table(entity)} s where {_raw(column, staged)} is not null"
        )
    await _read_in_python(conn, entity, python_only, raws, maps)

    trimmed = ["s.rec", *(f"{_raw(c, staged)} as {ident(c.key + '_raw')}" for c in source.columns)]
    select, joins = ["r.rec"], []
    for column in entity.columns:
        key, typed = column.key, SQL_TYPES.get(column.kind, "text")
        phone = column.kind is Kind.PHONE
        if key not in present:
            select.append(f"null::text as {ident(key + '_raw')}, null::{typed} as {ident(key)}")
            if phone:
                select.append(
                    f"null::text as {ident(key + '_kind')},"
                    f" null::boolean as {ident(key + '_valid')},"
                    f" null::text as {ident(key + '_reason')}"
                )
            continue
        raw = f"r.{ident(key + '_raw')}"
        select.append(raw)
        if column.kind is Kind.TEXT:
            select.append(f"{text_sql(raw)} as {ident(key)}")
        elif phone:
            select.append(_fast_phone_columns(key, raw))
        elif column in fast:
            select.append(f"{fast_value(column, raw)}::{typed} as {ident(key)}")
        elif key not in maps.with_rows:
            select.append(f"null::{typed} as {ident(key)}")
        else:  # read by Python in step 1
            alias = f"m_{key}"
            joins.append(
                f"left join {_map_table(entity)} {alias}"
                f" on {alias}.col = '{key}' and {alias}.raw = {raw}"
            )
            select.append(f"{alias}.val::{typed} as {ident(key)}")
            if key in maps.unreadable:
                select.append(f"{alias}.err as {ident(key + '_err')}")
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
    keys = dict.fromkeys(
        [
            *source.entity.natural_key,
            *(["resident_number"] if "resident_number" in {c.key for c in source.columns} else []),
        ]
    )
    await conn.execute(
        f"analyze {converted_table(source.entity)} ({', '.join(ident(k) for k in keys) or 'rec'})"
    )


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
        " order by a.attnum",
        f"pg_temp.{table}",
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
            f" ({', '.join(f'{ident(name)} {kind}' for name, kind in converted.columns)})"
            " on commit drop"
        )
        await conn.copy_to_table(converted.table, source=converted.rows, format="binary")


def _unread(column: Column, a: str = "") -> str:
    """SQL: the row has a raw the fast paths left unread (phones: no validity yet)."""
    value = ident(column.key + ("_valid" if column.kind is Kind.PHONE else ""))
    return f"({a}{value} is null and {a}{ident(column.key + '_raw')} is not null)"


async def _read_the_rest(
    conn: asyncpg.Connection, entity: Entity, fast: list[Column], maps: _Maps
) -> None:
    """Step 3 of `convert`: raws the fast paths left unread, through Python, into the rows."""
    table = converted_table(entity)
    pairs = ", ".join(
        f"('{c.key}', case when {_unread(c)} then {ident(c.key + '_raw')} end)" for c in fast
    )
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
            await conn.execute(f"alter table {table} add column {ident(column.key + '_err')} text")
    sets, found, joins = [], ["c.rec"], []
    for column in fix:
        key, alias = column.key, f"m_{column.key}"
        if column.kind is Kind.PHONE:
            joins.append(
                f"left join {_phone_map_table(entity)} {alias} on {alias}.col = '{key}'"
                f" and {alias}.raw = c.{ident(key + '_raw')}"
            )
            for name, field_ in (
                ("", "e164"),
                ("_kind", "kind"),
                ("_valid", "valid"),
                ("_reason", "reason"),
            ):
                found.append(f"{alias}.{field_} as {ident(key + name)}")
                sets.append(
                    f"{ident(key + name)} = case when {_unread(column, 'c.')}"
                    f" then f.{ident(key + name)} else c.{ident(key + name)} end"
                )
            continue
        joins.append(
            f"left join {_map_table(entity)} {alias} on {alias}.col = '{key}'"
            f" and {alias}.raw = c.{ident(key + '_raw')}"
        )
        found.append(f"{alias}.val as {ident(key)}")
        sets.append(
            f"{ident(key)} = coalesce(c.{ident(key)},"
            f" f.{ident(key)}::{SQL_TYPES.get(column.kind, 'text')})"
        )
        if key in maps.unreadable:
            found.append(f"{alias}.err as {ident(key + '_err')}")
            sets.append(f"{ident(key + '_err')} = f.{ident(key + '_err')}")
    await conn.execute(
        f"update {table} c set {', '.join(sets)}"
        f" from (select {', '.join(found)} from {table} c {' '.join(joins)}"
        f" where {' or '.join(_unread(c, 'c.') for c in fix)}) f"
        " where f.rec = c.rec"
    )
