"""Campaign planning (納付案内計画): who is in scope, who is excluded and why, who gets a
letter instead of a call, and in what order the rest are called.

The rules live in one place, `RULES_SQL`, and run inside PostgreSQL: `CLASSIFIED_SQL` gathers
what the rules need about each person of a tenant and gives each one reason (or none), so no
per-person rows travel to Python. `preview` counts by reason and segment; `plan` writes the
targets of a draft campaign in priority order with one INSERT … SELECT; the reminder-letter
selection (`campaigns.letters.selection`) builds on the same classification.

Why SQL and not pure Python (design note 9): planning a million people in Python meant a
million rows fetched, a million objects and a sort, several seconds before anything was
written; in SQL it is a few hash joins and aggregates, and the rules still take `now` and the
scope as parameters only (no clock, no I/O of their own), so tests pin both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from campaigns.lifecycle import TransitionError
from saikoku.core.errors import BadRequest
from saikoku.core.tokyo import TOKYO
from store import audit
from store.db import foreign_key_checks_off, foreign_key_checks_on
from store.ids import IdKey


@dataclass(frozen=True)
class Scope:
    """What a campaign covers. None means "any"."""

    tax_types: tuple[str, ...] = ("resident", "light_vehicle")
    fiscal_years: tuple[int, ...] | None = None
    delinquency_categories: tuple[str, ...] | None = None
    min_owed: int = 1
    max_owed: int | None = None
    min_days_past_due: int = 1
    auto_debit: bool | None = None
    contacted_within_days: int = 7  # someone contacted this recently is left alone


LETTER = "letter"  # not called: no usable number, so a reminder letter goes instead

PRIORITY_KEYS = ("owed", "age", "contacts")


@dataclass
class Preview:
    candidates: int = 0
    to_call: int = 0
    letters: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    segments: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {
            "candidates": self.candidates,
            "to_call": self.to_call,
            "letters": self.letters,
            "excluded": dict(self.excluded),
            "segments": dict(self.segments),
        }


def fiscal_year(now: datetime) -> int:
    """Japanese fiscal years start on 1 April."""
    local = now.astimezone(TOKYO)
    return local.year if local.month >= 4 else local.year - 1


def scope_args(tenant_id: UUID, scope: Scope, now: datetime) -> list[object]:
    """Parameters $1 … $11 of CLASSIFIED_SQL; a query built on it numbers its own from $12."""
    return [
        tenant_id,
        list(scope.tax_types),
        fiscal_year(now),
        list(scope.fiscal_years) if scope.fiscal_years is not None else None,
        list(scope.delinquency_categories) if scope.delinquency_categories is not None else None,
        scope.min_owed,
        scope.max_owed,
        now.astimezone(TOKYO).date(),
        scope.min_days_past_due,
        scope.auto_debit,
        # (now - last contact) < N days, in exact 24-hour days as before: last contact > this.
        now - timedelta(days=scope.contacted_within_days),
    ]


# What the rules need about each person of tenant $1. Tax bills and installments count when
# the export still lists them and they are of the scope's tax types ($2) and fiscal years ($4,
# null: any); $3 is the current fiscal year. Every input is aggregated once per person with
# hash joins (no per-person sub-queries), and no aggregate needs sorting, so PostgreSQL may
# spread the work over parallel workers. Only installments still owed are aggregated (what
# is owed is never negative, so the sum is the same): fewer rows joined, and no test of each
# row in every aggregate; someone who owes nothing has no row here, as settled as owing 0.
# The sum is a bigint (the yen amounts it adds are), cheaper to compare and sort on than
# sum's numeric. The segment's tax types are the two the schema allows (tax_bills.tax_type).
FACTS_SQL = """
with owed as (
    select b.person_id,
           sum(installment_owed(i))::bigint as owed,
           min(i.due_date) as oldest_due,
           bool_or(b.tax_type = 'light_vehicle') as owes_vehicle,
           bool_or(b.tax_type = 'resident') as owes_resident,
           bool_or(b.fiscal_year = $3) as owes_current,
           bool_or(b.fiscal_year < $3) as owes_past
      from tax_bills b join installments i on i.bill_id = b.id
     where b.tenant_id = $1 and i.tenant_id = $1
       and b.missing_since is null and i.missing_since is null and installment_owed(i) > 0
       and b.tax_type = any($2::text[])
       and ($4::smallint[] is null or b.fiscal_year = any($4::smallint[]))
     group by b.person_id),
contacts as (
    select person_id, max(at) as last_contact, count(*) as n from (
        select person_id, contacted_at as at from history where tenant_id = $1
        union all
        select person_id, created_at from call_attempts
         where tenant_id = $1 and person_id is not null) c
     group by person_id),
handed as (
    select distinct person_id from handoffs where tenant_id = $1 and status <> 'closed'),
on_plan as (
    select distinct person_id from installment_plans
     where tenant_id = $1 and status = 'active' and missing_since is null),
phoned as (
    select distinct person_id from phones
     where tenant_id = $1 and is_valid and marked_wrong_at is null and missing_since is null),
debited as (
    select distinct person_id from bank_accounts
     where tenant_id = $1 and auto_debit and cancelled_on is null and missing_since is null)
select p.id as person_id, coalesce(o.owed, 0) as owed, o.oldest_due,
       coalesce(o.owes_vehicle, false) as owes_vehicle,
       coalesce(o.owes_resident, false) as owes_resident,
       coalesce(o.owes_current, false) as owes_current,
       coalesce(o.owes_past, false) as owes_past,
       p.delinquency_category, p.no_call_category, p.do_not_call,
       p.missing_since is not null as missing,
       h.person_id is not null as handed_to_staff,
       x.person_id is not null as active_plan,
       c.last_contact, coalesce(c.n, 0) as prior_contacts,
       f.person_id is not null as has_phone,
       a.person_id is not null as auto_debit
  from persons p
  left join owed o on o.person_id = p.id
  left join contacts c on c.person_id = p.id
  left join handed h on h.person_id = p.id
  left join on_plan x on x.person_id = p.id
  left join phoned f on f.person_id = p.id
  left join debited a on a.person_id = p.id
 where p.tenant_id = $1
"""

# The rules, checked in this order, so each person counts under one reason: null when the
# person is to be called, LETTER when the only thing missing is a usable number. Scope:
# $5 delinquency categories (null: any), $6/$7 least/most owed (null: no ceiling), $8 today
# in Tokyo, $9 least days past the oldest unpaid due date, $10 auto-debit (null: either),
# $11 contacted after this instant is "contacted recently".
RULES_SQL = """
case
    when f.missing then 'missing_from_export'
    when f.no_call_category is not null then 'no_call_' || f.no_call_category
    when f.do_not_call then 'do_not_call'   -- (the schema gives these a no-call category too)
    when f.owed <= 0 then 'settled'
    when f.handed_to_staff then 'handed_to_staff'
    when f.active_plan then 'installment_plan'
    when $5::text[] is not null
         and not coalesce(f.delinquency_category = any($5::text[]), false)
        then 'category_out_of_scope'
    when f.owed < $6::bigint or f.owed > $7::bigint then 'amount_out_of_band'
    when coalesce($8::date - f.oldest_due, 0) < $9::int then 'not_yet_past_due'
    when $10::boolean is not null and f.auto_debit <> $10::boolean
        then 'auto_debit_out_of_scope'
    when f.last_contact > $11::timestamptz then 'contacted_recently'
    when not f.has_phone then 'letter'
end"""

SEGMENT_SQL = """
coalesce(nullif(concat_ws('+', case when f.owes_vehicle then 'light_vehicle' end,
                               case when f.owes_resident then 'resident' end), ''), 'none')
|| '/' || case when f.owes_current and f.owes_past then 'current+past'
               when f.owes_current then 'current' else 'past' end"""

# One row per person of the tenant: the reason (RULES_SQL), the segment, and the keys the
# priority order sorts on. Queries append further CTEs or their final SELECT to it.
CLASSIFIED_SQL = f"""
with facts as ({FACTS_SQL}),
classified as (
    select f.person_id, {RULES_SQL} as reason, {SEGMENT_SQL} as segment, f.owed,
           coalesce($8::date - f.oldest_due, 0) as age, f.prior_contacts
      from facts f)
"""

COUNTS_SQL = """
select reason, case when reason is null then segment end as segment, count(*) as n
  from {source} group by 1, 2
"""

# Each priority key as a column of CLASSIFIED_SQL and whether more comes first.
_KEY_COLUMNS = {"owed": ("owed", True), "age": ("age", True), "contacts": ("prior_contacts", False)}


def order_by(order: Sequence[str] = PRIORITY_KEYS, *, reverse: bool = False) -> str:
    """ORDER BY terms over CLASSIFIED_SQL's columns for the supervisor's order of: most owed
    (owed), oldest debt (age), contacted least (contacts); ties by person id. `reverse` gives
    the lowest priority first."""
    terms = []
    for key in order:
        column, descending = _KEY_COLUMNS[key]  # KeyError: not a PRIORITY_KEY
        terms.append(f"{column} {'desc' if descending != reverse else 'asc'}")
    terms.append(f"person_id {'desc' if reverse else 'asc'}")
    return ", ".join(terms)


# JIT compiling these queries took longer (4 s at a million people) than running them.
NO_JIT = "set local jit = off"


def _preview(rows: Sequence[asyncpg.Record]) -> Preview:
    preview = Preview()
    for row in rows:
        reason, n = row["reason"], row["n"]
        preview.candidates += n
        if reason is None:
            preview.to_call += n
            preview.segments[row["segment"]] += n
        elif reason == LETTER:
            preview.letters += n
        else:
            preview.excluded[reason] += n
    return preview


async def preview(
    conn: asyncpg.Connection, tenant_id: UUID, scope: Scope, now: datetime
) -> Preview:
    async with conn.transaction():
        await conn.execute(NO_JIT)
        rows = await conn.fetch(
            CLASSIFIED_SQL + COUNTS_SQL.format(source="classified"),
            *scope_args(tenant_id, scope, now),
        )
    return _preview(rows)


async def _persons_held_unchecked(conn: asyncpg.Connection) -> bool:
    """Before the classification: where the session may turn the foreign-key checks off and
    nobody is writing persons right now, hold persons against every write (SHARE) until
    commit, and turn the checks off. Returns whether it did.

    The targets' references are then sound by construction, as the checks would make them:
    the campaign's row is ours FOR UPDATE, and each person comes from the classification's
    snapshot, taken after the lock (READ COMMITTED, as every caller plans), so none of them
    can be deleted before we commit. The lock costs imports (the only writers of persons,
    of any tenant) a wait as long as the plan; we never wait for them (NOWAIT): while one
    runs, the checks stay on instead."""
    if not await foreign_key_checks_off(conn):
        return False
    try:
        async with conn.transaction():  # a savepoint: a refusal leaves the plan usable
            await conn.execute("lock table persons in share mode nowait")
    except asyncpg.LockNotAvailableError:
        await foreign_key_checks_on(conn)
        return False
    return True


async def plan(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    campaign_id: UUID,
    scope: Scope,
    now: datetime,
    order: Sequence[str] | None = None,
    *,
    actor: audit.Actor | None = None,
) -> Preview:
    """Write the targets of a draft campaign, highest priority first; returns the counts.
    `order` (a sequence of PRIORITY_KEYS) replaces the campaign's stored priority order.
    With an `actor`, the plan is access-logged in its own transaction.

    The classification goes once into a temporary table (CREATE TABLE AS may use parallel
    workers; an INSERT may not), then is counted and written from there. Where it may, the
    write skips the two foreign-key checks per target (`_persons_held_unchecked`): they
    were half the time of a million-person plan, and the person's also locked each row."""
    if order is not None and (
        len(set(order)) != len(order) or not set(order) <= set(PRIORITY_KEYS)
    ):
        raise BadRequest(
            f"priority: each of {', '.join(PRIORITY_KEYS)} at most once", code="bad_priority"
        )
    async with conn.transaction():
        campaign = await conn.fetchrow(
            "select status, priority_order from campaigns where id = $1 and tenant_id = $2"
            " for update",
            campaign_id,
            tenant_id,
        )
        status = campaign["status"] if campaign else None
        if status != "draft":
            raise TransitionError(f"campaign is {status}; only a draft campaign is planned")
        if order is not None:
            await conn.execute(
                "update campaigns set priority_order = $2 where id = $1", campaign_id, list(order)
            )
        await conn.execute(NO_JIT)
        keys = order_by(order or campaign["priority_order"] or PRIORITY_KEYS, reverse=True)
        # before the checks go off: call attempts refer to targets
        await conn.execute("delete from campaign_targets where campaign_id = $1", campaign_id)
        unchecked = await _persons_held_unchecked(conn)
        await conn.execute("drop table if exists pg_temp.planning_rows")
        await conn.execute(
            "create temporary table planning_rows on commit drop as "
            + CLASSIFIED_SQL
            + " select * from classified",
            *scope_args(tenant_id, scope, now),
        )
        summary = _preview(await conn.fetch(COUNTS_SQL.format(source="planning_rows")))
        # priority: the lowest gets 1, the highest the number of targets. Written in person
        # order, the key leading with person_id takes its entries in order, not at random,
        # and so does the primary key: the ids rise with the row number in that order (made
        # as the first import makes its ids, a third of the cost of uuid_v7() a row).
        await conn.execute(
            "insert into campaign_targets (id, tenant_id, campaign_id, person_id, priority)"
            f" select {IdKey.new().sql('n')}, $1, $2, person_id, priority from ("
            "  select person_id, priority, row_number() over (order by person_id) as n from ("
            f"   select person_id, row_number() over (order by {keys}) as priority"
            "      from planning_rows where reason is null) ranked) numbered"
            " order by person_id",
            tenant_id,
            campaign_id,
        )
        if unchecked:
            await foreign_key_checks_on(conn)
        if actor is not None:
            await audit.record(
                conn,
                actor,
                "campaign_planned",
                object_type="campaign",
                object_id=campaign_id,
                detail={"to_call": summary.to_call, "letters": summary.letters},
            )
    return summary
