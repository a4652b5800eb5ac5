"""Validation of converted rows, all in SQL: every bad cell and every broken reference is
reported (record number, column, value, reason), never just the first."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from campaigns.linkage.spec import BILLS, INSTALLMENTS, PERSONS, Column, Entity
from campaigns.linkage.staging import BILL_MATCH, converted_table
from saikoku.core.sql import ident

REQUIRED = "必須項目が空です (required value missing)"
DUPLICATE = "同じキーの行がファイル内で重複しています (duplicate key in file)"
UNKNOWN_PERSON = "宛名番号が宛名にも登録済みデータにもありません (unknown person)"
UNKNOWN_BILL = "税目区分・年度・通知書番号の課税がありません (unknown bill)"
UNKNOWN_INSTALLMENT = "その期別がありません (unknown installment)"
VEHICLE_ON_RESIDENT = "軽自動車税以外に車両の項目があります (vehicle data on a non-vehicle bill)"
END_BEFORE_START = "終了日が開始日より前です (end date before start date)"


@dataclass(frozen=True)
class CellError:
    rec: int
    column: str  # the spec column's key
    value: str
    reason: str


async def cell_errors(
    conn: asyncpg.Connection, entity: Entity, unreadable: set[str]
) -> list[CellError]:
    """Required cells left empty and cells that could not be read (the columns in
    `unreadable`: only those have a <key>_err in the converted table)."""
    checks, anything = [], []
    for column in entity.columns:
        raw, err = ident(column.key + "_raw"), ident(column.key + "_err")
        if column.required and column.key in unreadable:
            reason = f"case when {raw} is null then $1 else {err} end"
        elif column.required:
            reason = f"case when {raw} is null then $1 end"
        elif column.key in unreadable:
            reason = err
        else:
            continue
        checks.append(f"('{column.key}', {raw}, {reason})")
        anything.append(f"{raw} is null" if column.required else f"{err} is not null")
        if column.required and column.key in unreadable:
            anything.append(f"{err} is not null")
    if not checks:
        return []
    # The filter finds the (usually no) rows with a problem in one cheap pass; only they
    # are spread out into one row per checked column.
    rows = await conn.fetch(
        f"select c.rec, v.col, v.val, v.reason from {converted_table(entity)} c"
        f" cross join lateral (values {', '.join(checks)}) v(col, val, reason)"
        f" where ({' or '.join(anything)}) and v.reason is not null order by c.rec",
        REQUIRED,
    )
    return [CellError(r["rec"], r["col"], r["val"] or "", r["reason"]) for r in rows]


async def duplicate_keys(conn: asyncpg.Connection, entity: Entity) -> list[CellError]:
    if not entity.natural_key:
        return []
    keys = ", ".join(ident(k) for k in entity.natural_key)
    first = entity.natural_key[-1]

    # Rows whose key could be read: a required part present, an optional one blank or read.
    # A blank optional part is a key value of its own (口座振替 without 税目区分), as in the
    # unique index it maps to; cells that could not be read are reported elsewhere.
    def readable(a: str) -> str:
        return " and ".join(
            f"{a}{ident(k)} is not null"
            if entity.column(k).required
            else f"({a}{ident(k)} is not null or {a}{ident(k + '_raw')} is null)"
            for k in entity.natural_key
        )

    same = " and ".join(
        f"c.{ident(k)} {'=' if entity.column(k).required else 'is not distinct from'} d.{ident(k)}"
        for k in entity.natural_key
    )
    # A hash aggregate finds the duplicated keys (usually none); only their rows are read.
    rows = await conn.fetch(
        f"with dup as (select {keys} from {converted_table(entity)} where {readable('')}"
        f"  group by {keys} having count(*) > 1)"
        f" select c.rec, c.{ident(first + '_raw')} as val from {converted_table(entity)} c"
        f" join dup d on {same} where {readable('c.')}"
        " order by c.rec"
    )
    return [CellError(r["rec"], first, r["val"] or "", DUPLICATE) for r in rows]


async def unknown_persons(
    conn: asyncpg.Connection, entity: Entity, tenant_id: UUID, persons_in_import: bool
) -> list[CellError]:
    staged = (
        f" and not exists (select 1 from {converted_table(PERSONS)} p"
        " where p.resident_number = c.resident_number)"
        if persons_in_import
        else ""
    )
    rows = await conn.fetch(
        f"select rec, resident_number_raw as val from {converted_table(entity)} c"
        " where c.resident_number is not null"
        " and not exists (select 1 from persons p where p.tenant_id = $1"
        "   and p.resident_number = c.resident_number)" + staged + " order by rec",
        tenant_id,
    )
    return [CellError(r["rec"], "resident_number", r["val"], UNKNOWN_PERSON) for r in rows]


async def unknown_bills(
    conn: asyncpg.Connection, entity: Entity, tenant_id: UUID, bills_in_import: bool
) -> list[CellError]:
    staged = (
        f" and not exists (select 1 from {converted_table(BILLS)} b where {BILL_MATCH})"
        if bills_in_import
        else ""
    )
    rows = await conn.fetch(
        f"select rec, notice_number_raw as val from {converted_table(entity)} c"
        " where c.notice_number is not null and c.tax_type is not null"
        " and c.fiscal_year is not null"
        f" and not exists (select 1 from tax_bills b where b.tenant_id = $1 and {BILL_MATCH})"
        + staged
        + " order by rec",
        tenant_id,
    )
    return [CellError(r["rec"], "notice_number", r["val"], UNKNOWN_BILL) for r in rows]


async def unknown_installments(
    conn: asyncpg.Connection, entity: Entity, tenant_id: UUID, installments_in_import: bool
) -> list[CellError]:
    keys = "tax_type, fiscal_year, notice_number, installment_no"
    # The keys not in the installments file, by EXCEPT: it hashes the receipts' keys and
    # reads the installments' past them (an anti-join hashed the millions of installments).
    staged = (
        f" except select {keys} from {converted_table(INSTALLMENTS)}"
        if installments_in_import
        else ""
    )
    rows = await conn.fetch(
        f"with named as (select {'' if staged else 'distinct '}{keys}"
        f"   from {converted_table(entity)}"
        "   where installment_no is not null and notice_number is not null"
        f"   and tax_type is not null and fiscal_year is not null{staged})"
        f" select rec, installment_no_raw as val from {converted_table(entity)} c"
        f" join named n using ({keys})"
        " where not exists (select 1 from tax_bills b join installments i on i.bill_id = b.id"
        f"   where b.tenant_id = $1 and {BILL_MATCH}"
        "   and i.installment_no = c.installment_no) order by rec",
        tenant_id,
    )
    return [CellError(r["rec"], "installment_no", r["val"], UNKNOWN_INSTALLMENT) for r in rows]


async def vehicle_columns_on_resident_bills(conn: asyncpg.Connection) -> list[CellError]:
    vehicle = [c for c in BILLS.columns if c.doc == "light vehicle tax only"]
    present = " or ".join(f"{ident(c.key + '_raw')} is not null" for c in vehicle)
    rows = await conn.fetch(
        f"select rec, tax_type_raw as val from {converted_table(BILLS)}"
        f" where tax_type = 'resident' and ({present}) order by rec"
    )
    return [CellError(r["rec"], "tax_type", r["val"], VEHICLE_ON_RESIDENT) for r in rows]


async def end_before_start(conn: asyncpg.Connection, entity: Entity) -> list[CellError]:
    rows = await conn.fetch(
        f"select rec, end_date_raw as val from {converted_table(entity)}"
        " where end_date::date < start_date::date order by rec"
    )
    return [CellError(r["rec"], "end_date", r["val"], END_BEFORE_START) for r in rows]


def column_header(entity: Entity, key: str, headers: dict[str, str]) -> str:
    """The header as the file wrote it (Japanese or English), else the spec's Japanese."""
    column: Column = entity.column(key)
    return headers.get(key, column.ja)
