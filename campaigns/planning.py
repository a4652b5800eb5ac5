"""Campaign planning (納付案内計画): who is in scope, who is excluded and why, who gets a
letter instead of a call, and in what order the rest are called.

`person_facts` gathers, in one query, what the rules need about each person; `classify` is
pure and decides; `preview` counts; `plan` writes the targets of a draft campaign."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

import asyncpg

from campaigns.lifecycle import TransitionError
from campaigns.policy import TOKYO


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
    contacted_within_days: int = 7     # someone contacted this recently is left alone


@dataclass(frozen=True)
class PersonFacts:
    person_id: UUID
    owed: int
    oldest_due: date | None
    tax_types: tuple[str, ...]
    owes_current_year: bool
    owes_past_years: bool
    delinquency_category: str | None
    no_call_category: str | None
    do_not_call: bool
    missing: bool
    handed_to_staff: bool
    active_plan: bool
    last_contact: datetime | None
    prior_contacts: int
    has_phone: bool
    auto_debit: bool


LETTER = "letter"  # not called: no usable number, so a reminder letter goes instead


def classify(facts: PersonFacts, scope: Scope, now: datetime) -> str | None:
    """None when the person is to be called; otherwise the rule that keeps them out (or
    LETTER). Rules are checked in this order, so each person counts under one reason."""
    if facts.missing:
        return "missing_from_export"
    if facts.no_call_category:
        return f"no_call_{facts.no_call_category}"
    if facts.do_not_call:
        return "do_not_call"
    if facts.owed <= 0:
        return "settled"
    if facts.handed_to_staff:
        return "handed_to_staff"
    if facts.active_plan:
        return "installment_plan"
    if (scope.delinquency_categories is not None
            and facts.delinquency_category not in scope.delinquency_categories):
        return "category_out_of_scope"
    if facts.owed < scope.min_owed or (scope.max_owed is not None and facts.owed > scope.max_owed):
        return "amount_out_of_band"
    days_past_due = (now.astimezone(TOKYO).date() - facts.oldest_due).days \
        if facts.oldest_due else 0
    if days_past_due < scope.min_days_past_due:
        return "not_yet_past_due"
    if scope.auto_debit is not None and facts.auto_debit != scope.auto_debit:
        return "auto_debit_out_of_scope"
    if facts.last_contact is not None and \
            (now - facts.last_contact).days < scope.contacted_within_days:
        return "contacted_recently"
    if not facts.has_phone:
        return LETTER
    return None


def segment(facts: PersonFacts) -> str:
    taxes = "+".join(sorted(facts.tax_types)) or "none"
    years = ("current+past" if facts.owes_current_year and facts.owes_past_years
             else "current" if facts.owes_current_year else "past")
    return f"{taxes}/{years}"


PRIORITY_KEYS = ("owed", "age", "contacts")


def priority_order(
    callable_people: list[PersonFacts], now: datetime, order: Sequence[str] = PRIORITY_KEYS
) -> list[PersonFacts]:
    """Sorted by the supervisor's order of: most owed (owed), oldest debt (age), contacted
    least (contacts); by default in that order."""
    today = now.astimezone(TOKYO).date()

    def rank(f: PersonFacts) -> tuple[object, ...]:
        keys = {"owed": -f.owed,
                "age": -((today - f.oldest_due).days if f.oldest_due else 0),
                "contacts": f.prior_contacts}
        return (*(keys[k] for k in order), str(f.person_id))

    return sorted(callable_people, key=rank)


@dataclass
class Preview:
    candidates: int = 0
    to_call: int = 0
    letters: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    segments: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"candidates": self.candidates, "to_call": self.to_call, "letters": self.letters,
                "excluded": dict(self.excluded), "segments": dict(self.segments)}


FACTS_SQL = """
with owed as (
    select b.person_id,
           sum(installment_owed(i)) as owed,
           min(i.due_date) filter (where installment_owed(i) > 0) as oldest_due,
           array_agg(distinct b.tax_type) filter (where installment_owed(i) > 0) as tax_types,
           bool_or(b.fiscal_year = $3 and installment_owed(i) > 0) as owes_current,
           bool_or(b.fiscal_year < $3 and installment_owed(i) > 0) as owes_past
      from tax_bills b join installments i on i.bill_id = b.id
     where b.tenant_id = $1 and b.missing_since is null and i.missing_since is null
       and b.tax_type = any($2::text[])
       and ($4::smallint[] is null or b.fiscal_year = any($4::smallint[]))
     group by b.person_id),
contacts as (
    select person_id, max(at) as last_contact, count(*) as n from (
        select person_id, contacted_at as at from history where tenant_id = $1
        union all
        select person_id, created_at from call_attempts
         where tenant_id = $1 and person_id is not null) c
     group by person_id)
select p.id, coalesce(o.owed, 0) as owed, o.oldest_due, coalesce(o.tax_types, '{}') as tax_types,
       coalesce(o.owes_current, false) as owes_current, coalesce(o.owes_past, false) as owes_past,
       p.delinquency_category, p.no_call_category, p.do_not_call,
       p.missing_since is not null as missing,
       exists (select 1 from handoffs h where h.person_id = p.id and h.status <> 'closed')
         as handed_to_staff,
       exists (select 1 from installment_plans x where x.person_id = p.id
               and x.status = 'active' and x.missing_since is null) as active_plan,
       c.last_contact, coalesce(c.n, 0) as prior_contacts,
       exists (select 1 from phones f where f.person_id = p.id and f.is_valid
               and f.marked_wrong_at is null and f.missing_since is null) as has_phone,
       exists (select 1 from bank_accounts a where a.person_id = p.id and a.auto_debit
               and a.cancelled_on is null and a.missing_since is null) as auto_debit
  from persons p
  left join owed o on o.person_id = p.id
  left join contacts c on c.person_id = p.id
 where p.tenant_id = $1
"""


def fiscal_year(now: datetime) -> int:
    """Japanese fiscal years start on 1 April."""
    local = now.astimezone(TOKYO)
    return local.year if local.month >= 4 else local.year - 1


async def person_facts(
    conn: asyncpg.Connection, tenant_id: UUID, scope: Scope, now: datetime
) -> list[PersonFacts]:
    rows = await conn.fetch(
        FACTS_SQL, tenant_id, list(scope.tax_types), fiscal_year(now),
        list(scope.fiscal_years) if scope.fiscal_years is not None else None,
    )
    return [
        PersonFacts(
            r["id"], r["owed"], r["oldest_due"], tuple(r["tax_types"]), r["owes_current"],
            r["owes_past"], r["delinquency_category"], r["no_call_category"], r["do_not_call"],
            r["missing"], r["handed_to_staff"], r["active_plan"], r["last_contact"],
            r["prior_contacts"], r["has_phone"], r["auto_debit"],
        )
        for r in rows
    ]


def summarise(
    facts: list[PersonFacts], scope: Scope, now: datetime,
    order: Sequence[str] = PRIORITY_KEYS,
) -> tuple[Preview, list[PersonFacts]]:
    preview = Preview(candidates=len(facts))
    to_call: list[PersonFacts] = []
    for person in facts:
        reason = classify(person, scope, now)
        if reason is None:
            to_call.append(person)
            preview.segments[segment(person)] += 1
        elif reason == LETTER:
            preview.letters += 1
        else:
            preview.excluded[reason] += 1
    preview.to_call = len(to_call)
    return preview, priority_order(to_call, now, order)


async def preview(
    conn: asyncpg.Connection, tenant_id: UUID, scope: Scope, now: datetime
) -> Preview:
    return summarise(await person_facts(conn, tenant_id, scope, now), scope, now)[0]


async def plan(
    conn: asyncpg.Connection, tenant_id: UUID, campaign_id: UUID, scope: Scope, now: datetime,
    order: Sequence[str] | None = None,
) -> Preview:
    """Write the targets of a draft campaign, highest priority first; returns the counts.
    `order` (a sequence of PRIORITY_KEYS) replaces the campaign's stored priority order."""
    if order is not None:
        await conn.execute("update campaigns set priority_order = $2 where id = $1"
                           " and tenant_id = $3", campaign_id, list(order), tenant_id)
    stored = await conn.fetchval("select priority_order from campaigns where id = $1",
                                 campaign_id)
    summary, ordered = summarise(await person_facts(conn, tenant_id, scope, now), scope, now,
                                 stored or PRIORITY_KEYS)
    async with conn.transaction():
        status = await conn.fetchval(
            "select status from campaigns where id = $1 and tenant_id = $2 for update",
            campaign_id, tenant_id,
        )
        if status != "draft":
            raise TransitionError(f"campaign is {status}; only a draft campaign is planned")
        await conn.execute("delete from campaign_targets where campaign_id = $1", campaign_id)
        total = len(ordered)
        await conn.copy_records_to_table(
            "campaign_targets",
            columns=["tenant_id", "campaign_id", "person_id", "priority"],
            records=[(tenant_id, campaign_id, p.person_id, total - rank)
                     for rank, p in enumerate(ordered)],
        )
    return summary
