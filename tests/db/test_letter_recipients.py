"""Who gets a reminder letter (the rule runs in PostgreSQL, on the planner's classification):
no usable number, or enough failed calls in this campaign without reaching anyone; never
someone the planner excludes, never twice."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import asyncpg

from campaigns.letters.selection import FAILED_CALLS, NO_PHONE, Recipient, recipients
from tests.db.test_planning_rules import NOW, OWES, Person, add_person, draft_campaign

DAY = timedelta(days=1)


async def add_tries(
    conn: asyncpg.Connection,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    person_id: uuid.UUID,
    *tries: tuple[str, str | None],
) -> None:
    """Outbound calls of this campaign, one an hour before NOW: (status, AMD status)."""
    for n, (status, amd) in enumerate(tries, start=1):
        await conn.execute(
            "insert into call_attempts (tenant_id, campaign_id, person_id, dial_string, status,"
            " amd_status, created_at) values ($1, $2, $3, 'PJSIP/x@trunk', $4, $5, $6)",
            tenant_id,
            campaign_id,
            person_id,
            status,
            amd,
            NOW - n * timedelta(hours=1),
        )


NO_ANSWER = ("no_answer", None)


async def who_gets_one(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    people: dict[str, tuple[Person, int]],
    after_attempts: int = 5,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """people: resident number → (records, failed calls in the campaign)."""
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        numbers = {}
        for number, (who, failed) in people.items():
            person_id = await add_person(conn, tenant_id, who, number)
            numbers[person_id] = number
            await add_tries(conn, tenant_id, campaign_id, person_id, *[NO_ANSWER] * failed)
        chosen = await recipients(
            conn,
            tenant_id,
            campaign_id,
            ("resident", "light_vehicle"),
            NOW,
            after_attempts=after_attempts,
            limit=limit,
        )
    return [(numbers[r.person_id], r.reason) for r in chosen]


async def test_who_gets_a_letter(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    people = {
        "no_phone": (replace(OWES, phone=None), 0),
        "plain": (OWES, 0),
        "four_failed": (OWES, 4),
        "five_failed": (replace(OWES, owed=20_000), 5),
        # the failed calls themselves make the person "contacted recently" for the planner
        "failed_and_recent": (replace(OWES, owed=10_000, contacted=DAY), 5),
        # excluded by the planner: no letter whatever the calls
        "settled_no_phone": (replace(OWES, owed=0, phone=None), 9),
        "plan_no_phone": (replace(OWES, plan="active", phone=None), 9),
        "deceased_no_phone": (replace(OWES, no_call="deceased", phone=None), 9),
        "settled": (replace(OWES, owed=0), 9),
        "not_yet_due": (replace(OWES, due=date(2026, 11, 26)), 9),
    }
    assert await who_gets_one(pool, tenant_id, people) == [
        ("no_phone", NO_PHONE),
        ("five_failed", FAILED_CALLS),
        ("failed_and_recent", FAILED_CALLS),
    ]


async def test_someone_reached_gets_no_letter_for_failed_calls(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    campaign_id = await draft_campaign(pool, tenant_id)
    async with pool.acquire() as conn:
        reached = await add_person(conn, tenant_id, OWES, "reached")
        await add_tries(
            conn, tenant_id, campaign_id, reached, *[NO_ANSWER] * 8, ("answered", "HUMAN")
        )
        machine = await add_person(conn, tenant_id, OWES, "machine")
        await add_tries(
            conn,
            tenant_id,
            campaign_id,
            machine,
            *[("answered", "MACHINE")] * 3,
            ("busy", None),
            ("failed", None),
            ("answered", None),
        )
        # calls of another campaign do not count towards this one
        other = await add_person(conn, tenant_id, OWES, "other")
        await add_tries(
            conn, tenant_id, await draft_campaign(pool, tenant_id), other, *[NO_ANSWER] * 9
        )
        assert await recipients(
            conn, tenant_id, campaign_id, ("resident",), NOW, after_attempts=4
        ) == [Recipient(machine, FAILED_CALLS)]
        assert (
            await recipients(conn, tenant_id, campaign_id, ("resident",), NOW, after_attempts=5)
            == []
        )


async def test_most_owed_first_and_at_most_limit(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    # (once per campaign: tests/db/test_letters.py, through whole batches)
    people = {
        str(owed): (replace(OWES, owed=owed, phone=None), 0)
        for owed in (1_000, 50_000, 7_000, 90_000)
    }
    assert await who_gets_one(pool, tenant_id, people, limit=3) == [
        ("90000", NO_PHONE),
        ("50000", NO_PHONE),
        ("7000", NO_PHONE),
    ]
