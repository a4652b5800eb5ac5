"""Converted rows into the real tables: insert what is new, update what changed, leave
what is the same untouched (a re-import changes nothing), flag what the export no longer
mentions (missing_since) instead of deleting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

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
from campaigns.linkage.staging import BILL_MATCH, STAGING_STATISTICS, converted_table


@dataclass
class Counts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    missing: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.rows - self.inserted - self.updated,
            "missing": self.missing,
            **self.extra,
        }


def _d(key: str) -> str:
    return f'c."{key}"::date'


def _text_pair(key: str) -> list[tuple[str, str]]:
    return [(f"{key}_raw", f'c."{key}_raw"'), (key, f'c."{key}"')]


Columns = list[tuple[str, str]]  # (column of the table, SQL over the converted row c)


def _date_pair(key: str) -> list[tuple[str, str]]:
    return [(key, _d(key)), (f"{key}_raw", f'c."{key}_raw"')]


# The checks have made sure every person and bill named exists, so inner joins lose nothing.
# They join narrow copies of the tenant's keys and ids (person_ids, bill_ids, made by
# `key_tables`), not the wide tables: a merge of 10,000 corporations scanned a million
# persons three times.
PERSON_JOIN = "join person_ids p on p.tenant_id = $1 and p.resident_number = c.resident_number"
BILL_JOIN = f"join bill_ids b on b.tenant_id = $1 and {BILL_MATCH}"

KEY_TABLES = {
    "person_ids": "select tenant_id, resident_number, id from persons where tenant_id = $1",
    "bill_ids": "select tenant_id, tax_type, fiscal_year, notice_number, id from tax_bills"
    " where tenant_id = $1",
}


async def key_tables(conn: asyncpg.Connection, tenant_id: UUID, *, fresh: str = "") -> None:
    """Make the key tables the joins need, once per import; `fresh` names one to make
    again (after its table was merged)."""
    for table, select in KEY_TABLES.items():
        exists = await conn.fetchval("select to_regclass($1) is not null", f"pg_temp.{table}")
        if exists and table != fresh:
            continue
        await conn.execute(f"drop table if exists {table}")
        await conn.execute(f"create temp table {table} on commit drop as {select}", tenant_id)
        await conn.execute(f"analyze {table}")


async def tenant_has_rows(conn: asyncpg.Connection, tenant_id: UUID, table: str) -> bool:
    has: bool = await conn.fetchval(
        f"select exists (select 1 from {table} where tenant_id = $1)", tenant_id
    )
    return has


async def _upsert(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    *,
    table: str,
    entity: Entity,
    key: list[str],
    columns: list[tuple[str, str]],
    join: str = "",
) -> Counts:
    """Set-based merge of the converted rows into `table`, matched on `key` (SQL over an
    alias written {a}, naming the natural key within the tenant):
    * rows whose values differ (or that were flagged missing) are updated,
    * new rows are inserted,
    * the tenant's rows the file no longer has are flagged (missing_since).
    Unchanged rows are only read, never written or locked: re-importing the same export
    writes nothing. A tenant's first import is one plain INSERT."""
    names = [name for name, _ in columns]
    source = (
        f"select {', '.join(f'{expr} as {name}' for name, expr in columns)}"
        f" from {converted_table(entity)} c {join}"
    )
    if not await tenant_has_rows(conn, tenant_id, table):
        inserted = await conn.execute(
            f"insert into {table} (tenant_id, {', '.join(names)}) select $1, s.* from ({source}) s",
            tenant_id,
        )
        return Counts(inserted=_affected(inserted))
    same = " and ".join(f"{k.format(a='t')} = {k.format(a='s')}" for k in key)
    updated = await conn.execute(
        f"""
        update {table} t
           set ({", ".join(names)}) = row({", ".join("s." + n for n in names)}),
               missing_since = null, updated_at = now()
          from ({source}) s
         where t.tenant_id = $1 and {same}
           and (({", ".join("t." + n for n in names)})
                is distinct from ({", ".join("s." + n for n in names)})
                or t.missing_since is not null)
    """,
        tenant_id,
    )
    inserted = await conn.execute(
        f"""
        insert into {table} (tenant_id, {", ".join(names)})
        select $1, s.* from ({source}) s
         where not exists (select 1 from {table} t where t.tenant_id = $1 and {same})
    """,
        tenant_id,
    )
    missing = await conn.execute(
        f"""
        update {table} t set missing_since = now()
         where t.tenant_id = $1 and t.missing_since is null
           and not exists (select 1 from ({source}) s where {same})
    """,
        tenant_id,
    )
    return Counts(
        inserted=_affected(inserted), updated=_affected(updated), missing=_affected(missing)
    )


# The table each entity is merged into, and the columns merges join it on.
TABLES = {
    PERSONS.key: ("persons", "tenant_id, resident_number, id"),
    PHONES.key: ("phones", "tenant_id, person_id"),
    BILLS.key: ("tax_bills", "tenant_id, tax_type, fiscal_year, notice_number, id"),
    INSTALLMENTS.key: ("installments", "tenant_id, bill_id, installment_no, id"),
    RECEIPTS.key: ("receipts", "tenant_id"),
    PLANS.key: ("installment_plans", "tenant_id, plan_number"),
    ACCOUNTS.key: ("bank_accounts", "tenant_id, person_id"),
    CORPORATIONS.key: ("corporations", "tenant_id, person_id"),
    AGENTS.key: ("agents", "tenant_id, person_id"),
    HISTORY.key: ("history", "tenant_id"),
}


async def refresh_statistics(
    conn: asyncpg.Connection, entity: Entity, counts: Counts, *, force: bool = False
) -> None:
    """ANALYZE the join columns of a table the merge changed by more than autovacuum's
    10 %, at once: the next merges join it (bills → installments → receipts) and
    autovacuum comes only after the commit. Stale estimates (a tenant's 100,000 new rows
    taken for 1) made the planner choose nested loops that ran for minutes; the next
    import may come before autovacuum. Analysing some columns leaves autovacuum's own
    full ANALYZE due after the commit. `force`: whatever the share (a tenant's first
    rows: the statistics know nothing of the tenant, however big the table is)."""
    table, columns = TABLES[entity.key]
    changed = counts.inserted + counts.updated + counts.missing
    if not changed:
        return
    estimate: float = await conn.fetchval(
        "select reltuples from pg_class where oid = $1::regclass", f"saikoku.{table}"
    )
    if force or estimate < 0 or changed > 0.1 * estimate:
        # The shared tables keep the server's statistics target (the import lowers it
        # for its own staging tables only).
        await conn.execute(
            f"reset default_statistics_target; analyze {table} ({columns});"
            f" set local default_statistics_target = {STAGING_STATISTICS}"
        )


def _affected(status: str) -> int:
    """Rows touched, from a command tag such as 'UPDATE 3' or 'INSERT 0 5'."""
    return int(status.split()[-1])


PERSON_COLUMNS: Columns = [
    ("resident_number", "c.resident_number"),
    ("household_number", "c.household_number"),
    *_text_pair("name"),
    ("name_kana_raw", "c.name_kana_raw"),
    ("name_kana", "c.name_kana"),
    ("sex", "c.sex"),
    *_date_pair("birth_date"),
    *_text_pair("householder_name"),
    ("relation", "c.relation"),
    ("postal_code", "c.postal_code"),
    *_text_pair("address"),
    *_text_pair("address_before"),
    *_text_pair("address_after"),
    *_text_pair("mailing_name"),
    ("mailing_postal_code", "c.mailing_postal_code"),
    *_text_pair("mailing_address"),
    ("foreign_registration_number", "c.foreign_registration_number"),
    *_text_pair("alias"),
    ("nationality", "c.nationality"),
    ("residence_status", "c.residence_status"),
    ("period_of_stay", "c.period_of_stay"),
    ("occupation", "c.occupation"),
    ("employer_name", "c.employer_name"),
    *_text_pair("employer_address"),
    ("employer_phone_raw", "c.employer_phone_raw"),
    ("employer_phone_e164", "c.employer_phone"),
    *_date_pair("resident_since"),
    *_date_pair("address_set_on"),
    ("change_reason", "c.change_reason"),
    *_date_pair("change_date"),
    ("delinquency_category", "c.delinquency_category"),
    ("staff_in_charge", "c.staff_in_charge"),
    ("no_call_category", "c.no_call_category"),
    ("do_not_call", "c.no_call_category is not null"),
]


async def merge_persons(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="persons",
        entity=PERSONS,
        key=["{a}.resident_number"],
        columns=PERSON_COLUMNS,
    )


def phone_sources(person_join: str) -> str:
    """SQL: one row per number of a person (the first the file gives), with its match key."""
    return f"""
        select distinct on (person_id, key) * from (
            select p.id as person_id, c.rec, c.phone_raw, c.phone as e164,
                   coalesce(c.line_type, c.phone_kind, 'unknown') as kind,
                   coalesce(c.phone_valid, false) as valid,
                   case when coalesce(c.phone_valid, false) then null
                        else coalesce(c.phone_reason, 'invalid') end as reason,
                   coalesce(c.phone, 'raw:' || c.phone_raw) as key
              from {converted_table(PHONES)} c {person_join}) s
        order by person_id, key, rec"""


# The columns of an imported phone, over a row s of phone_sources.
PHONE_COLUMNS: Columns = [
    ("person_id", "s.person_id"),
    ("kind", "s.kind"),
    ("phone_raw", "s.phone_raw"),
    ("phone_e164", "case when s.valid then s.e164 end"),
    ("is_valid", "s.valid"),
    ("invalid_reason", "s.reason"),
    ("source", "'import'"),
]


async def merge_phones(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    """Phones have no id in the export: a number is the same number when its E.164 (or,
    for an invalid one, its text) is the same for the same person."""
    await conn.execute(
        f"create temp table src_phones on commit drop as {phone_sources(PERSON_JOIN)}", tenant_id
    )
    await conn.execute("analyze src_phones")
    insert = f"""
        insert into phones (tenant_id, {", ".join(n for n, _ in PHONE_COLUMNS)})
        select $1, {", ".join(e for _, e in PHONE_COLUMNS)} from src_phones s"""
    if not await tenant_has_rows(conn, tenant_id, "phones"):
        return Counts(inserted=_affected(await conn.execute(insert, tenant_id)))
    key = "coalesce(t.phone_e164, 'raw:' || t.phone_raw)"
    updated = await conn.execute(
        f"""
        update phones t set kind = s.kind, phone_raw = s.phone_raw, is_valid = s.valid,
               invalid_reason = s.reason, missing_since = null, updated_at = now()
          from src_phones s
         where t.tenant_id = $1 and t.source = 'import' and t.person_id = s.person_id
           and {key} = s.key
           and (t.kind, t.phone_raw, t.is_valid, t.invalid_reason, t.missing_since)
               is distinct from (s.kind, s.phone_raw, s.valid, s.reason, null)
    """,
        tenant_id,
    )
    inserted = await conn.execute(
        f"""{insert}
         where not exists (select 1 from phones t where t.tenant_id = $1
                           and t.person_id = s.person_id and {key} = s.key)
    """,
        tenant_id,
    )
    missing = await conn.execute(
        f"""
        update phones t set missing_since = now()
         where t.tenant_id = $1 and t.source = 'import' and t.missing_since is null
           and not exists (select 1 from src_phones s where s.person_id = t.person_id
                           and s.key = {key})
    """,
        tenant_id,
    )
    return Counts(
        inserted=_affected(inserted), updated=_affected(updated), missing=_affected(missing)
    )


BILL_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("tax_type", "c.tax_type"),
    ("fiscal_year", "c.fiscal_year::smallint"),
    ("applicable_year", "c.applicable_year::smallint"),
    ("tax_item", "c.tax_item"),
    ("notice_number", "c.notice_number"),
    ("annual_amount", "c.annual_amount::bigint"),
    ("chassis_number", "c.chassis_number"),
    ("vehicle_type", "c.vehicle_type"),
    ("vehicle_name", "c.vehicle_name"),
    ("displacement", "c.displacement"),
    ("garage_location", "c.garage_location"),
    ("plate_number", "c.plate_number"),
]


async def merge_bills(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="tax_bills",
        entity=BILLS,
        key=["{a}.tax_type", "{a}.fiscal_year", "{a}.notice_number"],
        columns=BILL_COLUMNS,
        join=PERSON_JOIN,
    )


INSTALLMENT_STATUS = """
    case when {paid} > {assessed} then 'overpaid'
         when {paid} = {assessed} and {assessed} > 0 then 'paid'
         when {paid} > 0 then 'partially_paid'
         else 'unpaid' end"""


_PAID, _ASSESSED = "coalesce(c.paid_amount::bigint, 0)", "c.assessed_amount::bigint"
INSTALLMENT_COLUMNS: Columns = [
    ("bill_id", "b.id"),
    ("installment_no", "c.installment_no::smallint"),
    ("assessed_amount", _ASSESSED),
    ("paid_amount", _PAID),
    ("over_under_amount", "c.over_under_amount::bigint"),
    *_date_pair("due_date"),
    ("late_fee_assessed", "coalesce(c.late_fee_assessed::bigint, 0)"),
    ("late_fee_paid", "coalesce(c.late_fee_paid::bigint, 0)"),
    ("late_fee_over_under", "c.late_fee_over_under::bigint"),
    *_date_pair("principal_received_on"),
    *_date_pair("principal_booked_on"),
    *_date_pair("late_fee_received_on"),
    *_date_pair("late_fee_booked_on"),
    ("status", INSTALLMENT_STATUS.format(paid=_PAID, assessed=_ASSESSED)),
]


async def merge_installments(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="installments",
        entity=INSTALLMENTS,
        key=["{a}.bill_id", "{a}.installment_no"],
        columns=INSTALLMENT_COLUMNS,
        join=BILL_JOIN,
    )


# The columns of a receipt, over a converted row c, its installment i and the import ($2).
RECEIPT_COLUMNS: Columns = [
    ("installment_id", "i.id"),
    ("kind", "c.receipt_kind"),
    ("amount", "c.amount::bigint"),
    *_date_pair("received_on"),
    *_date_pair("booked_on"),
    ("import_id", "$2"),
    ("source_ref", "c.receipt_number"),
]


async def merge_receipts(
    conn: asyncpg.Connection, tenant_id: UUID, import_id: UUID, *, apply_to_installments: bool
) -> Counts:
    """Receipts are a feed: each is recorded once (by its 収納番号). When they arrive
    without an installments snapshot, they also raise the installments' paid amounts."""
    insert = f"""
        insert into receipts (tenant_id, {", ".join(n for n, _ in RECEIPT_COLUMNS)})
        select $1, {", ".join(e for _, e in RECEIPT_COLUMNS)}
          from {converted_table(RECEIPTS)} c {BILL_JOIN}
          join installments i on i.bill_id = b.id and i.installment_no = c.installment_no
        on conflict (tenant_id, source_ref) where source_ref is not null do nothing"""
    if not await tenant_has_rows(conn, tenant_id, "receipts"):
        # Nothing to collide with (the checks refuse a receipt number twice in the file).
        insert = insert.split("on conflict")[0]
    if not apply_to_installments:
        inserted = await conn.execute(insert, tenant_id, import_id)
        return Counts(inserted=_affected(inserted))
    row = await conn.fetchrow(
        f"""
        with new as ({insert} returning installment_id, kind, amount),
        r as (
            select installment_id,
                   sum(amount) filter (where kind = 'principal') as principal,
                   sum(amount) filter (where kind = 'late_fee') as late_fee
              from new group by installment_id),
        applied as (
            update installments i
               set paid_amount = greatest(i.paid_amount + coalesce(r.principal, 0), 0),
                   late_fee_paid = greatest(i.late_fee_paid + coalesce(r.late_fee, 0), 0),
                   status = {
            INSTALLMENT_STATUS.format(
                paid="greatest(i.paid_amount + coalesce(r.principal, 0), 0)",
                assessed="i.assessed_amount",
            )
        },
                   updated_at = now()
              from r where i.id = r.installment_id
            returning 1)
        select (select count(*) from new) as inserted, (select count(*) from applied) as applied
    """,
        tenant_id,
        import_id,
    )
    return Counts(inserted=row["inserted"], extra={"installments_updated": row["applied"]})


HISTORY_FIELDS = (
    "contact_kind",
    "place",
    "counterpart",
    "content",
    "forms_issued",
    "recorded_by",
    "promise",
)


HISTORY_DIGEST = (
    "md5(concat_ws(chr(31), c.resident_number, c.contacted_at, "
    + ", ".join(f"c.{f}" for f in HISTORY_FIELDS)
    + "))"
)
# The columns of an imported history row, over a converted row c, its person p and the
# import ($2).
HISTORY_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("source", "'import'"),
    ("contacted_at", "c.contacted_at::timestamp at time zone 'Asia/Tokyo'"),
    ("contacted_at_raw", "c.contacted_at_raw"),
    *((f, f"c.{f}") for f in HISTORY_FIELDS),
    ("import_id", "$2"),
    ("source_ref", HISTORY_DIGEST),
]


async def merge_history(conn: asyncpg.Connection, tenant_id: UUID, import_id: UUID) -> Counts:
    """History has no id in the export: a row is identified by a digest of its content."""
    inserted = await conn.execute(
        f"""
        insert into history (tenant_id, {", ".join(n for n, _ in HISTORY_COLUMNS)})
        select distinct on ({HISTORY_DIGEST}) $1, {", ".join(e for _, e in HISTORY_COLUMNS)}
          from {converted_table(HISTORY)} c {PERSON_JOIN}
        on conflict (tenant_id, source_ref) where source_ref is not null do nothing
    """,
        tenant_id,
        import_id,
    )
    return Counts(inserted=_affected(inserted))


PLAN_TERMS = (
    "jsonb_strip_nulls(jsonb_build_object('monthly_amount', c.monthly_amount::bigint,"
    " 'day_of_month', c.day_of_month::int, 'text', c.terms_text))"
)
PLAN_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("plan_number", "c.plan_number"),
    ("terms", PLAN_TERMS),
    *_date_pair("start_date"),
    *_date_pair("end_date"),
    ("status", "coalesce(c.plan_status, 'active')"),
]
ACCOUNT_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("tax_type", "c.tax_type"),
    ("auto_debit", "c.auto_debit::boolean"),
    ("bank_name", "c.bank_name"),
    ("branch_name", "c.branch_name"),
    *_text_pair("holder_name"),
    ("start_fiscal_year", "c.start_fiscal_year::smallint"),
    ("start_installment", "c.start_installment::smallint"),
    *_date_pair("cancelled_on"),
    ("failure_reason", "c.failure_reason"),
]
CORPORATION_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("name_raw", "c.corporation_name_raw"),
    ("name", "c.corporation_name"),
    ("postal_code", "c.postal_code"),
    *_text_pair("address"),
    ("phone_raw", "c.phone_raw"),
    ("phone_e164", "c.phone"),
    ("designation_number", "c.designation_number"),
]
AGENT_COLUMNS: Columns = [
    ("person_id", "p.id"),
    ("kind", "c.agent_kind"),
    ("name_raw", "c.agent_name_raw"),
    ("name", "c.agent_name"),
    ("postal_code", "c.postal_code"),
    *_text_pair("address"),
    ("phone_raw", "c.phone_raw"),
    ("phone_e164", "c.phone"),
    *_date_pair("registered_on"),
]


async def merge_plans(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="installment_plans",
        entity=PLANS,
        key=["{a}.plan_number"],
        columns=PLAN_COLUMNS,
        join=PERSON_JOIN,
    )


async def merge_accounts(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="bank_accounts",
        entity=ACCOUNTS,
        key=["{a}.person_id", "coalesce({a}.tax_type, '')"],
        columns=ACCOUNT_COLUMNS,
        join=PERSON_JOIN,
    )


async def merge_corporations(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="corporations",
        entity=CORPORATIONS,
        key=["{a}.person_id", "{a}.name"],
        columns=CORPORATION_COLUMNS,
        join=PERSON_JOIN,
    )


async def merge_agents(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _upsert(
        conn,
        tenant_id,
        table="agents",
        entity=AGENTS,
        key=["{a}.person_id", "{a}.kind", "{a}.name"],
        columns=AGENT_COLUMNS,
        join=PERSON_JOIN,
    )
