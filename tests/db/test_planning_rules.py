"""The planning rules, which run in PostgreSQL: each person made of real rows (bills,
installments, phones, contacts, hand-offs…), one reason per person in a fixed order, the
segments, and the priority order of the targets written."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import asyncpg
import pytest

from campaigns.planning import LETTER, Preview, Scope, plan, preview
from saikoku.core.tokyo import TOKYO

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)


@dataclass(frozen=True)
class Person:
    """One person's records; the defaults owe resident tax of this year, long past due, and
    have a good number."""

    owed: int = 30_000
    due: date | None = date(2026, 8, 31)
    tax_type: str = "resident"
    fiscal_year: int = 2026
    more_bills: tuple[tuple[str, int, date, int], ...] = ()  # (tax type, year, due, owed)
    category: str | None = "現年"
    no_call: str | None = None
    do_not_call: bool = False
    missing: bool = False
    phone: str | None = "good"  # good, invalid, wrong, gone (missing) or None
    handoff: str | None = None  # its status
    plan: str | None = None  # its status
    auto_debit: str | None = None  # on, cancelled
    contacted: timedelta | None = None  # history row this long before NOW
    attempts: tuple[timedelta, ...] = ()  # call attempts this long before NOW
    gone: tuple[str, ...] = ()  # tables whose rows a newer export no longer lists


SUPERVISOR_SQL = """
insert into users (tenant_id, login_id, display_name, role, password_hash)
values ($1, 'sv', '監督者', 'supervisor', 'x')
on conflict (tenant_id, login_id) do update set role = excluded.role returning id
"""


async def add_person(
    conn: asyncpg.Connection, tenant_id: uuid.UUID, who: Person, number: str = "1"
) -> uuid.UUID:
    user_id = await conn.fetchval(SUPERVISOR_SQL, tenant_id)
    person_id: uuid.UUID = await conn.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name, delinquency_category,"
        " no_call_category, do_not_call, missing_since) values ($1, $2, '試験', '試験', $3, $4,"
        " $5, case when $6 then now() end) returning id",
        tenant_id,
        number,
        who.category,
        who.no_call,
        who.do_not_call,
        who.missing,
    )
    bills = ((who.tax_type, who.fiscal_year, who.due, who.owed), *who.more_bills)
    for n, (tax_type, year, due, owed) in enumerate(bills):
        bill_id = await conn.fetchval(
            "insert into tax_bills (tenant_id, person_id, tax_type, fiscal_year, notice_number,"
            " annual_amount) values ($1, $2, $3, $4, $5, 100000) returning id",
            tenant_id,
            person_id,
            tax_type,
            year,
            f"{number}-{n}",
        )
        # a paid installment beside the owed one, which must not count towards anything
        await conn.execute(
            "insert into installments (tenant_id, bill_id, installment_no, assessed_amount,"
            " paid_amount, due_date) values ($1, $2, 1, 5000, 5000, date '2020-01-31'),"
            " ($1, $2, 2, $3, 0, $4)",
            tenant_id,
            bill_id,
            owed,
            due,
        )
    if who.phone is not None:
        await conn.execute(
            "insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid,"
            " invalid_reason, marked_wrong_at, missing_since, source)"
            " values ($1, $2, 'mobile', '090', '+819012345678', $3 <> 'invalid',"
            " case when $3 = 'invalid' then 'bad' end, case when $3 = 'wrong' then now() end,"
            " case when $3 = 'gone' then now() end, 'import')",
            tenant_id,
            person_id,
            who.phone,
        )
    if who.handoff is not None:
        await conn.execute(
            "insert into handoffs (tenant_id, person_id, note, status, created_by, taken_by,"
            " taken_at, closed_at) values ($1, $2, '相談', $3, $4,"
            " case when $3 <> 'open' then $4::uuid end, case when $3 <> 'open' then now() end,"
            " case when $3 = 'closed' then now() end)",
            tenant_id,
            person_id,
            who.handoff,
            user_id,
        )
    if who.plan is not None:
        await conn.execute(
            "insert into installment_plans (tenant_id, person_id, status) values ($1, $2, $3)",
            tenant_id,
            person_id,
            who.plan,
        )
    if who.auto_debit is not None:
        await conn.execute(
            "insert into bank_accounts (tenant_id, person_id, auto_debit, cancelled_on)"
            " values ($1, $2, true, case when $3 = 'cancelled' then date '2026-01-01' end)",
            tenant_id,
            person_id,
            who.auto_debit,
        )
    if who.contacted is not None:
        await conn.execute(
            "insert into history (tenant_id, person_id, source, contacted_at)"
            " values ($1, $2, 'call_center', $3)",
            tenant_id,
            person_id,
            NOW - who.contacted,
        )
    for ago in who.attempts:
        await conn.execute(
            "insert into call_attempts (tenant_id, person_id, dial_string, status, created_at)"
            " values ($1, $2, 'PJSIP/x@trunk', 'no_answer', $3)",
            tenant_id,
            person_id,
            NOW - ago,
        )
    for table in who.gone:
        await conn.execute(GONE[table], person_id)
    return person_id


GONE = {
    "bills": "update tax_bills set missing_since = now() where person_id = $1",
    "installments": "update installments set missing_since = now() where bill_id in"
    " (select id from tax_bills where person_id = $1)",
    "plans": "update installment_plans set missing_since = now() where person_id = $1",
    "bank_accounts": "update bank_accounts set missing_since = now() where person_id = $1",
}


async def reason_of(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, who: Person, scope: Scope | None = None
) -> str | None:
    """The one reason the planner gives this person (None: to be called)."""
    async with pool.acquire() as conn:
        await add_person(conn, tenant_id, who)
        counts = await preview(conn, tenant_id, scope or Scope(), NOW)
    assert counts.candidates == 1
    if counts.to_call:
        return None
    if counts.letters:
        return LETTER
    [reason] = counts.excluded
    return reason


OWES = Person()
DAY = timedelta(days=1)


async def test_a_plain_delinquent_is_called(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    assert await reason_of(pool, tenant_id, OWES) is None


@pytest.mark.parametrize(
    ("who", "scope", "reason"),
    [
        (replace(OWES, missing=True), Scope(), "missing_from_export"),
        (replace(OWES, no_call="deceased", do_not_call=True), Scope(), "no_call_deceased"),
        (replace(OWES, no_call="bankruptcy"), Scope(), "no_call_bankruptcy"),
        (replace(OWES, owed=0), Scope(), "settled"),
        (replace(OWES, handoff="open"), Scope(), "handed_to_staff"),
        (replace(OWES, handoff="taken"), Scope(), "handed_to_staff"),
        (replace(OWES, plan="active"), Scope(), "installment_plan"),
        (OWES, Scope(delinquency_categories=("過年",)), "category_out_of_scope"),
        (
            replace(OWES, category=None),
            Scope(delinquency_categories=("現年",)),
            "category_out_of_scope",
        ),
        (OWES, Scope(min_owed=30_001), "amount_out_of_band"),
        (OWES, Scope(max_owed=29_999), "amount_out_of_band"),
        (replace(OWES, due=date(2026, 11, 26)), Scope(), "not_yet_past_due"),
        (replace(OWES, due=date(2026, 11, 20)), Scope(min_days_past_due=7), "not_yet_past_due"),
        (replace(OWES, due=None), Scope(), "not_yet_past_due"),
        (OWES, Scope(auto_debit=True), "auto_debit_out_of_scope"),
        (replace(OWES, auto_debit="on"), Scope(auto_debit=False), "auto_debit_out_of_scope"),
        (
            replace(OWES, auto_debit="on", gone=("bank_accounts",)),
            Scope(auto_debit=True),
            "auto_debit_out_of_scope",
        ),
        (replace(OWES, contacted=3 * DAY), Scope(), "contacted_recently"),
        (replace(OWES, contacted=7 * DAY - timedelta(seconds=1)), Scope(), "contacted_recently"),
        (replace(OWES, attempts=(2 * DAY,)), Scope(), "contacted_recently"),
        (replace(OWES, contacted=-DAY), Scope(), "contacted_recently"),  # a future date
        (replace(OWES, phone=None), Scope(), LETTER),
        (replace(OWES, phone="invalid"), Scope(), LETTER),
        (replace(OWES, phone="wrong"), Scope(), LETTER),
        (replace(OWES, phone="gone"), Scope(), LETTER),
        # only other tax types, or other years, are owed: nothing in scope is
        (OWES, Scope(tax_types=("light_vehicle",)), "settled"),
        (OWES, Scope(fiscal_years=(2025,)), "settled"),
        (replace(OWES, gone=("bills",)), Scope(), "settled"),
        (replace(OWES, gone=("installments",)), Scope(), "settled"),
    ],
)
async def test_each_rule(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, who: Person, scope: Scope, reason: str
) -> None:
    assert await reason_of(pool, tenant_id, who, scope) == reason


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        # The first rule that applies wins: a deceased person with no phone gets no letter.
        (replace(OWES, no_call="deceased", phone=None), "no_call_deceased"),
        (replace(OWES, missing=True, no_call="refused"), "missing_from_export"),
        (replace(OWES, do_not_call=True, no_call="refused", owed=0), "no_call_refused"),
        (replace(OWES, owed=0, handoff="open", plan="active"), "settled"),
        (replace(OWES, handoff="open", plan="active", phone=None), "handed_to_staff"),
        (replace(OWES, plan="active", contacted=DAY), "installment_plan"),
        (replace(OWES, due=date(2026, 11, 26), contacted=DAY, phone=None), "not_yet_past_due"),
        (replace(OWES, contacted=DAY, phone=None), "contacted_recently"),
    ],
)
async def test_rule_order(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, who: Person, reason: str
) -> None:
    assert await reason_of(pool, tenant_id, who) == reason


@pytest.mark.parametrize(
    "who",
    [
        replace(OWES, contacted=7 * DAY),  # a week ago: no longer recent
        replace(OWES, attempts=(8 * DAY, 30 * DAY)),
        replace(OWES, handoff="closed"),
        replace(OWES, plan="completed"),
        replace(OWES, plan="defaulted"),
        replace(OWES, due=date(2026, 11, 25)),  # one day past due
        replace(OWES, auto_debit="cancelled"),
        replace(OWES, plan="active", gone=("plans",)),
    ],
)
async def test_what_does_not_exclude(pool: asyncpg.Pool, tenant_id: uuid.UUID, who: Person) -> None:
    assert await reason_of(pool, tenant_id, who) is None


async def test_auto_debit_scope_keeps_those_with_it(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    assert (
        await reason_of(pool, tenant_id, replace(OWES, auto_debit="on"), Scope(auto_debit=True))
        is None
    )


async def test_counts_and_segments(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    people = [
        OWES,
        replace(OWES, more_bills=(("light_vehicle", 2024, date(2024, 5, 31), 6_000),)),
        replace(OWES, tax_type="light_vehicle", fiscal_year=2025),
        # owes only the past year; this year's bill is paid up
        replace(OWES, fiscal_year=2024, more_bills=(("resident", 2026, date(2026, 8, 31), 0),)),
        # and the other way round: a paid-up past bill of another tax
        replace(OWES, more_bills=(("light_vehicle", 2024, date(2024, 5, 31), 0),)),
        replace(OWES, phone=None),
        replace(OWES, phone=None),
        replace(OWES, owed=0),
        replace(OWES, no_call="deceased"),
    ]
    async with pool.acquire() as conn:
        for n, who in enumerate(people):
            await add_person(conn, tenant_id, who, str(n))
        counts = await preview(conn, tenant_id, Scope(), NOW)
    assert counts == Preview(
        candidates=9,
        to_call=5,
        letters=2,
        excluded=Counter({"settled": 1, "no_call_deceased": 1}),
        segments=Counter(
            {
                "resident/current": 2,
                "light_vehicle+resident/current+past": 1,
                "light_vehicle/past": 1,
                "resident/past": 1,
            }
        ),
    )


async def draft_campaign(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> uuid.UUID:
    user_id = await pool.fetchval(SUPERVISOR_SQL, tenant_id)
    campaign_id: uuid.UUID = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, $2, $3) returning id",
        tenant_id,
        f"計画 {uuid.uuid4().hex[:8]}",
        user_id,
    )
    return campaign_id


async def planned_order(pool: asyncpg.Pool, campaign_id: uuid.UUID) -> list[str]:
    rows = await pool.fetch(
        "select p.resident_number, t.priority from campaign_targets t"
        " join persons p on p.id = t.person_id where t.campaign_id = $1"
        " order by t.priority desc",
        campaign_id,
    )
    # priorities run from the number of targets (first) down to 1 (last)
    assert [r["priority"] for r in rows] == list(range(len(rows), 0, -1))
    return [r["resident_number"] for r in rows]


async def test_priority_most_owed_then_oldest_debt_then_contacted_least(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    people = {
        "contacted": replace(OWES, attempts=(20 * DAY, 30 * DAY, 40 * DAY)),
        "plain": OWES,
        "old": replace(OWES, due=date(2025, 6, 30)),
        "big": replace(OWES, owed=90_000),
        "letter": replace(OWES, owed=500_000, phone=None),  # not called at all
    }
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        for number, who in people.items():
            await add_person(conn, tenant_id, who, number)
        counts = await plan(conn, tenant_id, campaign_id, Scope(), NOW)
    assert (counts.to_call, counts.letters) == (4, 1)
    assert await planned_order(pool, campaign_id) == ["big", "old", "plain", "contacted"]


async def test_the_supervisor_orders_the_keys_and_ties_go_by_person_id(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    people = {
        "big_recent": replace(OWES, owed=90_000, due=date(2026, 10, 31)),
        "small_old": replace(OWES, owed=5_000, due=date(2024, 6, 30), attempts=(20 * DAY,)),
        "twin_a": replace(OWES, owed=20_000, due=date(2025, 6, 30)),
        "twin_b": replace(OWES, owed=20_000, due=date(2025, 6, 30)),
    }
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        ids = {
            number: await add_person(conn, tenant_id, who, number) for number, who in people.items()
        }
        twins = sorted(["twin_a", "twin_b"], key=lambda n: str(ids[n]))

        await plan(conn, tenant_id, campaign_id, Scope(), NOW)
        assert await planned_order(pool, campaign_id) == ["big_recent", *twins, "small_old"]

        await plan(conn, tenant_id, campaign_id, Scope(), NOW, ("age", "owed"))
        assert await planned_order(pool, campaign_id) == ["small_old", *twins, "big_recent"]
        # the order is kept on the campaign and used again when none is given
        await plan(conn, tenant_id, campaign_id, Scope(), NOW)
        assert await planned_order(pool, campaign_id) == ["small_old", *twins, "big_recent"]

        await plan(conn, tenant_id, campaign_id, Scope(), NOW, ("contacts", "owed"))
        assert await planned_order(pool, campaign_id) == ["big_recent", *twins, "small_old"]
        await plan(conn, tenant_id, campaign_id, Scope(), NOW, ("contacts", "age"))
        assert await planned_order(pool, campaign_id) == [*twins, "big_recent", "small_old"]


async def test_plan_counts_what_preview_counts(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    people = [
        OWES,
        replace(OWES, phone=None),
        replace(OWES, owed=0),
        replace(OWES, contacted=DAY),
        replace(OWES, tax_type="light_vehicle"),
    ]
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        for n, who in enumerate(people):
            await add_person(conn, tenant_id, who, str(n))
        previewed = await preview(conn, tenant_id, Scope(), NOW)
        planned = await plan(conn, tenant_id, campaign_id, Scope(), NOW)
        # planned twice in one transaction: the working table of the first is gone
        async with conn.transaction():
            again = await plan(conn, tenant_id, campaign_id, Scope(), NOW)
            assert again == await plan(conn, tenant_id, campaign_id, Scope(), NOW)
    assert previewed == planned == again
    assert (
        planned.to_call == 2
        and await pool.fetchval(
            "select count(*) from campaign_targets where campaign_id = $1", campaign_id
        )
        == 2
    )


async def test_target_ids_are_time_ordered_and_rise_in_person_order(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        for n in range(5):
            await add_person(conn, tenant_id, replace(OWES, owed=10_000 * (n + 1)), str(n))
        await plan(conn, tenant_id, campaign_id, Scope(), NOW)
    targets = await pool.fetch(
        "select id, person_id, created_at from campaign_targets"
        " where campaign_id = $1 order by person_id",
        campaign_id,
    )
    assert len(targets) == 5 and {t["id"].version for t in targets} == {7}
    assert [t["id"] for t in targets] == sorted(t["id"] for t in targets)
    ms = int.from_bytes(targets[0]["id"].bytes[:6], "big")
    assert abs(ms / 1000 - targets[0]["created_at"].timestamp()) < 60
