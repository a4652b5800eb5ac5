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
from campaigns.linkage.staging import BILL_MATCH, converted_table


@dataclass
class Counts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    missing: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "inserted": self.inserted, "updated": self.updated,
                "unchanged": self.rows - self.inserted - self.updated, "missing": self.missing,
                **self.extra}


def _d(key: str) -> str:
    return f'c."{key}"::date'


def _text_pair(key: str) -> list[tuple[str, str]]:
    return [(f"{key}_raw", f'c."{key}_raw"'), (key, f'c."{key}"')]


def _date_pair(key: str) -> list[tuple[str, str]]:
    return [(key, _d(key)), (f"{key}_raw", f'c."{key}_raw"')]




PERSON_JOIN = "join persons p on p.tenant_id = $1 and p.resident_number = c.resident_number"
# The checks have made sure every person and bill named exists, so inner joins lose nothing.
BILL_JOIN = f"join tax_bills b on b.tenant_id = $1 and {BILL_MATCH}"


async def _upsert(
    conn: asyncpg.Connection, tenant_id: UUID, *, table: str, entity: Entity,
    conflict: str, columns: list[tuple[str, str]], join: str = "",
) -> Counts:
    """INSERT … ON CONFLICT DO UPDATE only where a value differs (or the row was flagged
    missing); returns how many rows were inserted and updated."""
    names = [name for name, _ in columns]
    sql = f"""
        insert into {table} (tenant_id, {', '.join(names)})
        select $1, {', '.join(expr for _, expr in columns)} from {converted_table(entity)} c {join}
        on conflict {conflict} do update
           set ({', '.join(names)}) = row({', '.join('excluded.' + n for n in names)}),
               missing_since = null, updated_at = now()
         where ({', '.join(f'{table}.{n}' for n in names)})
               is distinct from ({', '.join('excluded.' + n for n in names)})
            or {table}.missing_since is not null
        returning (xmax = 0) as inserted
    """
    rows = await conn.fetch(sql, tenant_id)
    inserted = sum(1 for r in rows if r["inserted"])
    total = await conn.fetchval(f"select count(*) from {converted_table(entity)}")
    return Counts(rows=total, inserted=inserted, updated=len(rows) - inserted)


async def _flag_missing(
    conn: asyncpg.Connection, tenant_id: UUID, table: str, present_ids: str
) -> int:
    """Flag the tenant's rows of `table` whose id `present_ids` (a query over the file's
    converted rows, $1 = tenant) does not return."""
    await conn.execute("drop table if exists present_ids")
    await conn.execute(f"create temp table present_ids on commit drop as {present_ids}", tenant_id)
    await conn.execute("create index on present_ids (id)")
    await conn.execute("analyze present_ids")
    result = await conn.execute(
        f"update {table} t set missing_since = now() where t.tenant_id = $1"
        " and t.missing_since is null"
        " and not exists (select 1 from present_ids p where p.id = t.id)",
        tenant_id,
    )
    return _affected(result)


def _affected(status: str) -> int:
    """Rows touched, from a command tag such as 'UPDATE 3' or 'INSERT 0 5'."""
    return int(status.split()[-1])


async def merge_persons(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    columns = [
        ("resident_number", "c.resident_number"),
        ("household_number", "c.household_number"),
        *_text_pair("name"),
        ("name_kana_raw", "c.name_kana_raw"), ("name_kana", "c.name_kana"),
        ("sex", "c.sex"),
        *_date_pair("birth_date"),
        *_text_pair("householder_name"),
        ("relation", "c.relation"),
        ("postal_code", "c.postal_code"),
        *_text_pair("address"), *_text_pair("address_before"), *_text_pair("address_after"),
        *_text_pair("mailing_name"),
        ("mailing_postal_code", "c.mailing_postal_code"),
        *_text_pair("mailing_address"),
        ("foreign_registration_number", "c.foreign_registration_number"),
        *_text_pair("alias"),
        ("nationality", "c.nationality"), ("residence_status", "c.residence_status"),
        ("period_of_stay", "c.period_of_stay"), ("occupation", "c.occupation"),
        ("employer_name", "c.employer_name"),
        *_text_pair("employer_address"),
        ("employer_phone_raw", "c.employer_phone_raw"),
        ("employer_phone_e164", "c.employer_phone"),
        *_date_pair("resident_since"), *_date_pair("address_set_on"),
        ("change_reason", "c.change_reason"),
        *_date_pair("change_date"),
        ("delinquency_category", "c.delinquency_category"),
        ("staff_in_charge", "c.staff_in_charge"),
        ("no_call_category", "c.no_call_category"),
        ("do_not_call", "c.no_call_category is not null"),
    ]
    counts = await _upsert(conn, tenant_id, table="persons", entity=PERSONS,
                           conflict="(tenant_id, resident_number)", columns=columns)
    counts.missing = await _flag_missing(
        conn, tenant_id, "persons",
        f"select p.id from {converted_table(PERSONS)} c join persons p"
        " on p.tenant_id = $1 and p.resident_number = c.resident_number",
    )
    return counts


async def merge_phones(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    """Phones have no id in the export: a number is the same number when its E.164 (or,
    for an invalid one, its text) is the same for the same person."""
    await conn.execute(f"""
        create temp table src_phones on commit drop as
        select distinct on (person_id, key) * from (
            select p.id as person_id, c.rec, c.phone_raw, c.phone as e164,
                   coalesce(c.line_type, c.phone_kind, 'unknown') as kind,
                   coalesce(c.phone_valid, false) as valid,
                   case when coalesce(c.phone_valid, false) then null
                        else coalesce(c.phone_reason, 'invalid') end as reason,
                   coalesce(c.phone, 'raw:' || c.phone_raw) as key
              from {converted_table(PHONES)} c {PERSON_JOIN}) s
        order by person_id, key, rec
    """, tenant_id)
    await conn.execute("create index on src_phones (person_id, key)")
    await conn.execute("analyze src_phones")
    key = "coalesce(t.phone_e164, 'raw:' || t.phone_raw)"
    updated = await conn.execute(f"""
        update phones t set kind = s.kind, phone_raw = s.phone_raw, is_valid = s.valid,
               invalid_reason = s.reason, missing_since = null, updated_at = now()
          from src_phones s
         where t.tenant_id = $1 and t.source = 'import' and t.person_id = s.person_id
           and {key} = s.key
           and (t.kind, t.phone_raw, t.is_valid, t.invalid_reason, t.missing_since)
               is distinct from (s.kind, s.phone_raw, s.valid, s.reason, null)
    """, tenant_id)
    inserted = await conn.execute(f"""
        insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid,
                            invalid_reason, source)
        select $1, s.person_id, s.kind, s.phone_raw, case when s.valid then s.e164 end,
               s.valid, s.reason, 'import'
          from src_phones s
         where not exists (select 1 from phones t where t.person_id = s.person_id
                           and {key} = s.key)
    """, tenant_id)
    missing = await conn.execute(f"""
        update phones t set missing_since = now()
         where t.tenant_id = $1 and t.source = 'import' and t.missing_since is null
           and not exists (select 1 from src_phones s where s.person_id = t.person_id
                           and s.key = {key})
    """, tenant_id)
    rows = await conn.fetchval(f"select count(*) from {converted_table(PHONES)}")
    return Counts(rows=rows, inserted=_affected(inserted), updated=_affected(updated),
                  missing=_affected(missing))


async def merge_bills(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    columns = [
        ("person_id", "p.id"), ("tax_type", "c.tax_type"),
        ("fiscal_year", "c.fiscal_year::smallint"),
        ("applicable_year", "c.applicable_year::smallint"), ("tax_item", "c.tax_item"),
        ("notice_number", "c.notice_number"), ("annual_amount", "c.annual_amount::bigint"),
        ("chassis_number", "c.chassis_number"), ("vehicle_type", "c.vehicle_type"),
        ("vehicle_name", "c.vehicle_name"), ("displacement", "c.displacement"),
        ("garage_location", "c.garage_location"), ("plate_number", "c.plate_number"),
    ]
    counts = await _upsert(conn, tenant_id, table="tax_bills", entity=BILLS,
                           conflict="(tenant_id, tax_type, fiscal_year, notice_number)",
                           columns=columns, join=PERSON_JOIN)
    counts.missing = await _flag_missing(
        conn, tenant_id, "tax_bills", f"select b.id from {converted_table(BILLS)} c {BILL_JOIN}"
    )
    return counts


INSTALLMENT_STATUS = """
    case when {paid} > {assessed} then 'overpaid'
         when {paid} = {assessed} and {assessed} > 0 then 'paid'
         when {paid} > 0 then 'partially_paid'
         else 'unpaid' end"""


async def merge_installments(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    paid, assessed = "coalesce(c.paid_amount::bigint, 0)", "c.assessed_amount::bigint"
    columns = [
        ("bill_id", "b.id"), ("installment_no", "c.installment_no::smallint"),
        ("assessed_amount", assessed), ("paid_amount", paid),
        ("over_under_amount", "c.over_under_amount::bigint"),
        *_date_pair("due_date"),
        ("late_fee_assessed", "coalesce(c.late_fee_assessed::bigint, 0)"),
        ("late_fee_paid", "coalesce(c.late_fee_paid::bigint, 0)"),
        ("late_fee_over_under", "c.late_fee_over_under::bigint"),
        *_date_pair("principal_received_on"), *_date_pair("principal_booked_on"),
        *_date_pair("late_fee_received_on"), *_date_pair("late_fee_booked_on"),
        ("status", INSTALLMENT_STATUS.format(paid=paid, assessed=assessed)),
    ]
    counts = await _upsert(conn, tenant_id, table="installments", entity=INSTALLMENTS,
                           conflict="(bill_id, installment_no)", columns=columns,
                           join=BILL_JOIN)
    counts.missing = await _flag_missing(
        conn, tenant_id, "installments",
        f"select i.id from {converted_table(INSTALLMENTS)} c {BILL_JOIN}"
        " join installments i on i.bill_id = b.id and i.installment_no = c.installment_no",
    )
    return counts


async def merge_receipts(
    conn: asyncpg.Connection, tenant_id: UUID, import_id: UUID, *, apply_to_installments: bool
) -> Counts:
    """Receipts are a feed: each is recorded once (by its 収納番号). When they arrive
    without an installments snapshot, they also raise the installments' paid amounts."""
    new = await conn.fetch(f"""
        insert into receipts (tenant_id, installment_id, kind, amount, received_on,
                              received_on_raw, booked_on, booked_on_raw, import_id, source_ref)
        select $1, i.id, c.receipt_kind, c.amount::bigint, c.received_on::date,
               c.received_on_raw, c.booked_on::date, c.booked_on_raw, $2, c.receipt_number
          from {converted_table(RECEIPTS)} c {BILL_JOIN}
          join installments i on i.bill_id = b.id and i.installment_no = c.installment_no
        on conflict (tenant_id, source_ref) where source_ref is not null do nothing
        returning installment_id, kind, amount
    """, tenant_id, import_id)
    applied = 0
    if apply_to_installments and new:
        result = await conn.execute(f"""
            with r as (
                select installment_id,
                       sum(amount) filter (where kind = 'principal') as principal,
                       sum(amount) filter (where kind = 'late_fee') as late_fee
                  from unnest($1::uuid[], $2::text[], $3::bigint[]) u(installment_id, kind, amount)
                 group by installment_id)
            update installments i
               set paid_amount = greatest(i.paid_amount + coalesce(r.principal, 0), 0),
                   late_fee_paid = greatest(i.late_fee_paid + coalesce(r.late_fee, 0), 0),
                   status = {INSTALLMENT_STATUS.format(
                       paid="greatest(i.paid_amount + coalesce(r.principal, 0), 0)",
                       assessed="i.assessed_amount")},
                   updated_at = now()
              from r where i.id = r.installment_id
        """, [r["installment_id"] for r in new], [r["kind"] for r in new],
            [r["amount"] for r in new])
        applied = _affected(result)
    rows = await conn.fetchval(f"select count(*) from {converted_table(RECEIPTS)}")
    return Counts(rows=rows, inserted=len(new), extra={"installments_updated": applied})


HISTORY_FIELDS = ("contact_kind", "place", "counterpart", "content", "forms_issued",
                  "recorded_by", "promise")


async def merge_history(conn: asyncpg.Connection, tenant_id: UUID, import_id: UUID) -> Counts:
    """History has no id in the export: a row is identified by a digest of its content."""
    digest = "md5(concat_ws(chr(31), c.resident_number, c.contacted_at, " + ", ".join(
        f"c.{f}" for f in HISTORY_FIELDS) + "))"
    inserted = await conn.execute(f"""
        insert into history (tenant_id, person_id, source, contacted_at, contacted_at_raw,
                             {', '.join(HISTORY_FIELDS)}, import_id, source_ref)
        select distinct on ({digest}) $1, p.id, 'import',
               c.contacted_at::timestamp at time zone 'Asia/Tokyo', c.contacted_at_raw,
               {', '.join(f'c.{f}' for f in HISTORY_FIELDS)}, $2, {digest}
          from {converted_table(HISTORY)} c {PERSON_JOIN}
        on conflict (tenant_id, source_ref) where source_ref is not null do nothing
    """, tenant_id, import_id)
    rows = await conn.fetchval(f"select count(*) from {converted_table(HISTORY)}")
    return Counts(rows=rows, inserted=_affected(inserted))


async def merge_plans(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    terms = ("jsonb_strip_nulls(jsonb_build_object('monthly_amount', c.monthly_amount::bigint,"
             " 'day_of_month', c.day_of_month::int, 'text', c.terms_text))")
    columns = [
        ("person_id", "p.id"), ("plan_number", "c.plan_number"), ("terms", terms),
        *_date_pair("start_date"), *_date_pair("end_date"),
        ("status", "coalesce(c.plan_status, 'active')"),
    ]
    counts = await _upsert(conn, tenant_id, table="installment_plans", entity=PLANS,
                           conflict="(tenant_id, plan_number) where plan_number is not null",
                           columns=columns, join=PERSON_JOIN)
    counts.missing = await _flag_missing(
        conn, tenant_id, "installment_plans",
        f"select x.id from {converted_table(PLANS)} c join installment_plans x"
        " on x.tenant_id = $1 and x.plan_number = c.plan_number",
    )
    return counts


async def _merge_person_owned(
    conn: asyncpg.Connection, tenant_id: UUID, *, table: str, entity: Entity, conflict: str,
    columns: list[tuple[str, str]], same_row: str,
) -> Counts:
    """Upsert rows that hang off a person, then flag the person-owned rows the file no longer
    has; `same_row` matches a target row x to a converted row c of the same person."""
    counts = await _upsert(conn, tenant_id, table=table, entity=entity, conflict=conflict,
                           columns=columns, join=PERSON_JOIN)
    counts.missing = await _flag_missing(
        conn, tenant_id, table,
        f"select x.id from {converted_table(entity)} c {PERSON_JOIN} join {table} x"
        f" on x.person_id = p.id and {same_row}",
    )
    return counts


async def merge_accounts(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _merge_person_owned(
        conn, tenant_id, table="bank_accounts", entity=ACCOUNTS,
        conflict="(tenant_id, person_id, coalesce(tax_type, ''))",
        columns=[
            ("person_id", "p.id"), ("tax_type", "c.tax_type"),
            ("auto_debit", "c.auto_debit::boolean"), ("bank_name", "c.bank_name"),
            ("branch_name", "c.branch_name"), *_text_pair("holder_name"),
            ("start_fiscal_year", "c.start_fiscal_year::smallint"),
            ("start_installment", "c.start_installment::smallint"),
            *_date_pair("cancelled_on"), ("failure_reason", "c.failure_reason"),
        ],
        same_row="coalesce(x.tax_type, '') = coalesce(c.tax_type, '')",
    )


async def merge_corporations(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _merge_person_owned(
        conn, tenant_id, table="corporations", entity=CORPORATIONS,
        conflict="(tenant_id, person_id, name)",
        columns=[
            ("person_id", "p.id"), ("name_raw", "c.corporation_name_raw"),
            ("name", "c.corporation_name"), ("postal_code", "c.postal_code"),
            *_text_pair("address"), ("phone_raw", "c.phone_raw"), ("phone_e164", "c.phone"),
            ("designation_number", "c.designation_number"),
        ],
        same_row="x.name = c.corporation_name",
    )


async def merge_agents(conn: asyncpg.Connection, tenant_id: UUID) -> Counts:
    return await _merge_person_owned(
        conn, tenant_id, table="agents", entity=AGENTS,
        conflict="(tenant_id, person_id, kind, name)",
        columns=[
            ("person_id", "p.id"), ("kind", "c.agent_kind"), ("name_raw", "c.agent_name_raw"),
            ("name", "c.agent_name"), ("postal_code", "c.postal_code"), *_text_pair("address"),
            ("phone_raw", "c.phone_raw"), ("phone_e164", "c.phone"),
            *_date_pair("registered_on"),
        ],
        same_row="x.kind = c.agent_kind and x.name = c.agent_name",
    )
