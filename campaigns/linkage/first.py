"""A tenant's first import: the reading session makes each table's rows, ids and all, and
the importing session only COPYs them in.

When the tenant has no persons yet, it has nothing in any imported table (every one of them
reaches a person), so every merge is a plain insert and nothing needs matching against
what the tenant has. The reader, which has every file's converted rows already, then makes
the final rows itself (`build`) and writes them out in binary COPY format; the importing
session, which holds the one transaction, COPYs them into the table (`copy_in`): no joins
and no expressions in the session that inserts, and PostgreSQL's multi-row insert path.

Ids are made from the row's record number in its file (`IdKey`): persons' and bills' once
each into narrow key tables (person_recs, bill_recs) that their children join, and an
installment's again from its record number where a receipt names it. They rise in the
file's order: every index on the id is appended to, and so are the key indexes of an
export sorted by its keys, as the ward's are.

The foreign-key checks of these rows would prove nothing: every reference is one this
import made (by the joins below, to rows it inserts before, in the same transaction), or
the tenant and the import itself, which `begin` locks as each check would (FOR KEY SHARE).
Where the session may (superuser, or GRANT SET ON PARAMETER session_replication_role),
`begin` turns the checks off for the importing session's copies (session_replication_role
= replica, SET LOCAL: this transaction only) and `end` turns them on again before anything
else is written. The tables keep their constraints for everyone else; unique, NOT NULL and
CHECK constraints are enforced as always, and the imported tables have no insert triggers
besides the foreign keys' (tests/db/test_import.py checks that).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import structlog

from campaigns.linkage import merge
from campaigns.linkage.merge import Columns
from campaigns.linkage.spec import (
    ACCOUNTS,
    AGENTS,
    BILLS,
    CORPORATIONS,
    HISTORY,
    INSTALLMENTS,
    PERSONS,
    PHONES,
    PLANS,
    RECEIPTS,
    Entity,
)
from campaigns.linkage.staging import BILL_MATCH, Converted, converted_table
from saikoku.core.sql import ident
from store.db import foreign_key_checks_off, foreign_key_checks_on
from store.ids import IdKey

log = structlog.get_logger(__name__)

# Narrow copies of the keys that later files join on, with the ids (made once each).
_KEYS = {
    PERSONS.key: ("person_recs", "resident_number, rec"),
    BILLS.key: ("bill_recs", "tax_type, fiscal_year, notice_number, rec"),
}
_PERSON = "join person_recs p0 on p0.resident_number = c.resident_number"
_BILL = f"join bill_recs b0 on {BILL_MATCH.replace('b.', 'b0.')}"
_INSTALLMENT = (
    f"join {converted_table(INSTALLMENTS)} i0 on i0.tax_type = c.tax_type"
    " and i0.fiscal_year = c.fiscal_year and i0.notice_number = c.notice_number"
    " and i0.installment_no = c.installment_no"
)


def _swap(columns: Columns, parent: str, by: str) -> Columns:
    return [(name, by if expr == parent else expr) for name, expr in columns]


def _rows(entity: Entity, ids: dict[str, IdKey]) -> tuple[str, Columns, str, str]:
    """The table, its columns (SQL over the converted row c and its parent's), the
    FROM clause, and the record number each row's id is made from ('' = not a uuid id).
    The checks have made sure every parent is there: inner joins lose nothing."""
    conv = f"{converted_table(entity)} c"
    person = "p0.id"
    if entity is PERSONS:
        return "persons", merge.PERSON_COLUMNS, conv, "c.rec"
    if entity is PHONES:
        source = merge.phone_sources(_PERSON).replace(
            "select p.id as person_id,", f"select {person} as person_id,"
        )
        columns = [(name, expr.replace("s.", "c.")) for name, expr in merge.PHONE_COLUMNS]
        return "phones", columns, f"({source}) c", "c.rec"
    if entity is BILLS:
        return "tax_bills", _swap(merge.BILL_COLUMNS, "p.id", person), f"{conv} {_PERSON}", "c.rec"
    if entity is INSTALLMENTS:
        return (
            "installments",
            _swap(merge.INSTALLMENT_COLUMNS, "b.id", "b0.id"),
            f"{conv} {_BILL}",
            "c.rec",
        )
    if entity is RECEIPTS:
        return (
            "receipts",
            _swap(merge.RECEIPT_COLUMNS, "i.id", ids[INSTALLMENTS.key].sql("i0.rec")),
            f"{conv} {_INSTALLMENT}",
            "",
        )
    if entity is HISTORY:
        return "history", _swap(merge.HISTORY_COLUMNS, "p.id", person), f"{conv} {_PERSON}", ""
    by_person = {
        PLANS.key: merge.PLAN_COLUMNS,
        ACCOUNTS.key: merge.ACCOUNT_COLUMNS,
        CORPORATIONS.key: merge.CORPORATION_COLUMNS,
        AGENTS.key: merge.AGENT_COLUMNS,
    }
    return (
        merge.TABLES[entity.key][0],
        _swap(by_person[entity.key], "p.id", person),
        f"{conv} {_PERSON}",
        "c.rec",
    )


@dataclass
class Built:
    """One table's new rows, made by `build`: spooled for the importing session, or (one
    session) the INSERT that makes them."""

    table: str
    spooled: Converted | None
    insert: str = ""
    args: tuple[object, ...] = ()


async def build(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    import_id: UUID,
    entity: Entity,
    ids: dict[str, IdKey],
    *,
    spool: bool,
) -> Built:
    """The rows of the entity's table in the file's order, ids made (`ids` gets the
    entity's IdKey): written out in binary COPY format, typed as the table's columns,
    with `spool`; else an INSERT for this same session to run."""
    table, columns, source, rec = _rows(entity, ids)
    if rec:
        ids[entity.key] = IdKey.new()
        columns = [("id", ids[entity.key].sql(rec)), *columns]
    if entity.key in _KEYS:
        recs, keys = _KEYS[entity.key]
        await conn.execute(
            f"drop table if exists {recs}; create temp table {recs} on commit"
            f" drop as select {keys}, {ids[entity.key].sql('rec')} as id"
            f" from {converted_table(entity)}; analyze {recs}"
        )
    columns = [("tenant_id", "$1::uuid"), *columns]
    types: dict[str, str] = dict(
        await conn.fetch(
            "select attname, format_type(atttypid, atttypmod) from pg_attribute"
            " where attrelid = $1::regclass and attnum > 0 and not attisdropped",
            f"saikoku.{table}",
        )
    )
    select = ", ".join(f"({expr})::{types[name]}" for name, expr in columns)
    query = f"select {select} from {source}".replace("$2", "$2::uuid")
    if entity is HISTORY:  # the same content twice in the file is one row
        query = query.replace("select ", f"select distinct on ({merge.HISTORY_DIGEST}) ", 1)
        query += f" order by {merge.HISTORY_DIGEST}"
    args: tuple[object, ...] = (tenant_id, import_id) if "$2" in query else (tenant_id,)
    names = [name for name, _ in columns]
    if not spool:
        return Built(
            table, None, f"insert into {table} ({', '.join(map(ident, names))}) {query}", args
        )
    rows = tempfile.TemporaryFile(prefix="saikoku-import-")  # noqa: SIM115
    try:
        await conn.copy_from_query(query, *args, output=rows, format="binary")
    except BaseException:
        rows.close()
        raise
    rows.seek(0)
    return Built(table, Converted(table, [(n, types[n]) for n in names], rows))


async def copy_in(conn: asyncpg.Connection, built: Built) -> merge.Counts:
    """Insert what `build` made: COPY the spooled rows (or run the INSERT)."""
    if built.spooled is None:
        status = await conn.execute(built.insert, *built.args)
    else:
        with built.spooled.rows as rows:
            status = await conn.copy_to_table(
                built.table,
                source=rows,
                columns=[c[0] for c in built.spooled.columns],
                format="binary",
            )
    return merge.Counts(inserted=int(status.split()[-1]))


async def begin(conn: asyncpg.Connection, tenant_id: UUID, import_id: UUID) -> bool:
    """Before the first copy: lock what the copies refer to beyond their own rows (the
    tenant, the import) as the checks would, then turn the checks off for this session's
    transaction where the session may. Returns whether it could."""
    await conn.execute("select 1 from tenants where id = $1 for key share", tenant_id)
    await conn.execute("select 1 from imports where id = $1 for key share", import_id)
    if not await foreign_key_checks_off(conn):
        log.info("import_foreign_key_checks_kept")
        return False
    return True


async def end(conn: asyncpg.Connection) -> None:
    """After the last copy: the foreign-key checks are on again."""
    await foreign_key_checks_on(conn)
