"""A campaign run by the dialer on real Asterisk: sipp debtors with every kind of outcome and
operators on sipp phones taking the answered calls through the HTTP API."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
from aiohttp import web

from campaigns.lifecycle import transition
from saikoku.rig import SippPhone
from saikoku.web.keys import POOL
from tests.pbx.desk import signed_in

# The debtor population answers by the number's last digit (tests/sipp/debtor_uas.xml).
EXPECTED = {  # last digit: (attempt status, target state after one pass)
    "0": ("connected", "completed"), "8": ("connected", "completed"),
    "9": ("connected", "completed"), "7": ("connected", "completed"),
    "1": ("answered", "pending"),     # machine: next day
    "2": ("busy", "pending"),
    "6": ("invalid_number", "exhausted"),
}


async def running_campaign(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, digits: str, pacing: dict[str, Any]
) -> uuid.UUID:
    owner = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv1', '監督者', 'supervisor', 'x') returning id", tenant_id)
    campaign_id: uuid.UUID = await pool.fetchval(
        "insert into campaigns (tenant_id, name, status, pacing, created_by)"
        " values ($1, 'run', 'running', $2::jsonb, $3) returning id",
        tenant_id, json.dumps(pacing), owner)
    for n, digit in enumerate(digits):
        person = await pool.fetchval(
            "insert into persons (tenant_id, resident_number, name_raw, name)"
            " values ($1, $2, '納税 太郎', '納税 太郎') returning id", tenant_id, f"R{n:05d}")
        await pool.execute(
            "insert into phones (tenant_id, person_id, kind, phone_raw, phone_e164, is_valid,"
            " source) values ($1, $2, 'landline', $3, $4, true, 'import')",
            tenant_id, person, f"03-1234-{n:03d}{digit}", f"+81312345{n:03d}{digit}")
        await pool.execute(
            "insert into campaign_targets (tenant_id, campaign_id, person_id, priority)"
            " values ($1, $2, $3, $4)", tenant_id, campaign_id, person, 100 - n)
    return campaign_id


async def test_a_progressive_campaign_runs_its_first_pass(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID
) -> None:
    pool: asyncpg.Pool = service[POOL]
    digits = "0120980726901"
    campaign_id = await running_campaign(pool, tenant_id, digits, {
        "mode": "progressive", "ring_timeout_s": 15, "amd_enabled": True,
        "dial_template": "PJSIP/{number}@trunk"})
    async with signed_in(service, tenant_id, "op1", "op003") as (_, one), \
            signed_in(service, tenant_id, "op2", "op004") as (_, two):
        for desk in (one, two):
            await desk.post("/api/operator/sign-in")
        workers = [asyncio.create_task(d.work(talk_s=0.5, wrap_s=0.2)) for d in (one, two)]
        try:
            async with asyncio.timeout(150):
                while await pool.fetchval(
                        "select count(*) from campaign_targets where campaign_id = $1"
                        " and state in ('pending', 'claimed', 'in_call')"
                        " and next_attempt_at is null", campaign_id):
                    await asyncio.sleep(0.5)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    rows = await pool.fetch(
        "select right(f.phone_e164, 1) as digit, t.state, t.attempts,"
        " array_agg(a.status) as statuses"
        " from campaign_targets t join phones f on f.person_id = t.person_id"
        " join call_attempts a on a.target_id = t.id"
        " where t.campaign_id = $1 group by f.phone_e164, t.state, t.attempts", campaign_id)
    assert len(rows) == len(digits)
    for row in rows:
        assert row["attempts"] == 1 and len(row["statuses"]) == 1, dict(row)
        expected = EXPECTED.get(row["digit"])
        if expected is not None:
            assert (row["statuses"][0], row["state"]) == expected, dict(row)
    # Progressive never abandons, and nobody was ever in two calls at once.
    assert not any(r["statuses"][0] == "abandoned" for r in rows)
    overlaps = await pool.fetchval(
        "select count(*) from call_attempts a join call_attempts b"
        " on a.person_id = b.person_id and a.id < b.id"
        " and tstzrange(a.created_at, a.ended_at) && tstzrange(b.created_at, b.ended_at)"
        " where a.campaign_id = $1", campaign_id)
    assert overlaps == 0
    assert await pool.fetchval("select count(*) from call_attempts where campaign_id = $1"
                               " and ended_at is null", campaign_id) == 0


async def test_pause_stops_new_dials_within_a_second(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID
) -> None:
    pool: asyncpg.Pool = service[POOL]
    # Every number busy: progressive redials for three ready operators as fast as 5/s allows.
    campaign_id = await running_campaign(pool, tenant_id, "2" * 80, {
        "mode": "progressive", "ring_timeout_s": 15, "amd_enabled": False, "cps_limit": 5})
    async with signed_in(service, tenant_id, "op1", "op005") as (_, one), \
            signed_in(service, tenant_id, "op2", "op006") as (_, two), \
            signed_in(service, tenant_id, "op3", "op007") as (_, three):
        for desk in (one, two, three):
            await desk.post("/api/operator/sign-in")
            await desk.wait_state("ready")
        async with asyncio.timeout(20):
            while await pool.fetchval("select count(*) from call_attempts where campaign_id = $1",
                                      campaign_id) < 10:
                await asyncio.sleep(0.1)
        async with pool.acquire() as conn:
            owner = await conn.fetchval("select created_by from campaigns where id = $1",
                                        campaign_id)
            await transition(conn, tenant_id, campaign_id, "paused", changed_by=owner)
            paused_at = await conn.fetchval("select now()")
        await asyncio.sleep(3)
    last = await pool.fetchval("select max(created_at) from call_attempts where campaign_id = $1",
                               campaign_id)
    dialed = await pool.fetchval("select count(*) from call_attempts where campaign_id = $1",
                                 campaign_id)
    assert (last - paused_at).total_seconds() < 1.0
    assert 10 <= dialed < 80
    left = await pool.fetchval("select count(*) from campaign_targets where campaign_id = $1"
                               " and state = 'pending' and next_attempt_at is null", campaign_id)
    assert left == 80 - dialed
