"""The demo the README's first command runs: a small synthetic ward, a planned campaign
running on the rig, operators on sipp desk phones taking the answered calls, and the floor
printed as it goes. The service also serves HTTP, so the printed logins work meanwhile.

Calling windows are opened around the clock (the demo must work at any hour); everything
else — caps, spacing, the 2-s rule, pacing — is the product's own."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
from aiohttp import web

from campaigns import outcomes
from campaigns.lifecycle import TransitionError, transition
from campaigns.linkage.importer import import_files
from campaigns.linkage.spec import ENTITIES
from campaigns.outcomes import Outcome, OutcomeError
from campaigns.planning import Scope, plan
from campaigns.policy import around_the_clock
from dialer.operators import OperatorState
from saikoku.config.settings import Settings
from saikoku.core.tokyo import TOKYO
from saikoku.devtools.rig import plain_http
from saikoku.devtools.synth import write_synthetic_ward
from saikoku.web.access_log import app_runner
from saikoku.web.app import create_app
from saikoku.web.keys import AMI, ARI_EVENTS, CALL_CENTER, POOL
from store import audit
from store.passwords import hash_password

TENANT = ("demo_tax", "デモ区 税務課 納税係")
DEMO_PACING = '{"mode": "predictive", "ring_timeout_s": 15, "amd_enabled": true, "cps_limit": 5}'
OPERATOR_PHONES = ("op001", "op002", "op003")


async def ensure_tenant(pool: asyncpg.Pool) -> UUID:
    tenant_id: UUID = await pool.fetchval(
        "insert into tenants (code, name) values ($1, $2)"
        " on conflict (code) do update set name = excluded.name returning id",
        *TENANT,
    )
    return tenant_id


async def ensure_ward(pool: asyncpg.Pool, tenant_id: UUID, people: int) -> None:
    """Import a synthetic ward the first time (later runs keep it and its history)."""
    if await pool.fetchval("select exists (select 1 from persons where tenant_id = $1)", tenant_id):
        return
    with tempfile.TemporaryDirectory(prefix="saikoku-demo-") as folder:
        write_synthetic_ward(people, seed=7, out_dir=Path(folder))
        files = [Path(folder) / f"{entity.ja}.csv" for entity in ENTITIES]
        result = await import_files(pool, tenant_id, files, imported_by="demo")
    if not result.ok:
        raise RuntimeError("the synthetic ward did not import")


async def demo_users(pool: asyncpg.Pool, tenant_id: UUID, password: str) -> dict[str, UUID]:
    """Supervisor, PBX admin and three operators on desk phones op001–op003, all with this
    run's password (printed)."""
    password_hash = hash_password(password)
    await pool.execute(
        "update users set phone_endpoint = null where phone_endpoint = any($1::text[])",
        list(OPERATOR_PHONES),
    )
    accounts: list[tuple[str, str, str, str | None]] = [
        ("demo-sv", "デモ 監督者", "supervisor", None),
        ("demo-pbx", "デモ PBX管理者", "pbx_admin", None),
    ]
    accounts += [
        (f"demo-op{n}", f"デモ オペレーター{n}", "operator", phone)
        for n, phone in enumerate(OPERATOR_PHONES, start=1)
    ]
    ids = {}
    for login, name, role, phone in accounts:
        ids[login] = await pool.fetchval(
            "insert into users (tenant_id, login_id, display_name, role, password_hash,"
            " phone_endpoint) values ($1, $2, $3, $4, $5, $6)"
            " on conflict (tenant_id, login_id) do update"
            " set password_hash = excluded.password_hash, phone_endpoint = excluded.phone_endpoint,"
            " disabled_at = null, failed_logins = 0, locked_until = null returning id",
            tenant_id,
            login,
            name,
            role,
            password_hash,
            phone,
        )
    return ids


async def start_campaign(pool: asyncpg.Pool, tenant_id: UUID, supervisor: UUID) -> UUID:
    name = f"デモ催告 {datetime.now(TOKYO):%Y-%m-%d %H:%M}"
    campaign_id: UUID = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by, pacing)"
        " values ($1, $2, $3, $4::jsonb) returning id",
        tenant_id,
        name,
        supervisor,
        DEMO_PACING,
    )
    async with pool.acquire() as conn:
        counts = await plan(
            conn, tenant_id, campaign_id, Scope(contacted_within_days=0), datetime.now(TOKYO)
        )
        print(
            f"campaign {name}: {counts.to_call} to call, {counts.letters} for letters,"
            f" excluded {dict(counts.excluded)}"
        )
        for state in ("ready", "running"):
            await transition(
                conn, tenant_id, campaign_id, state, changed_by=supervisor, reason="demo"
            )
    return campaign_id


async def operators_at_work(
    app: web.Application, operators: list[UUID], talk_s: float, wrap_s: float
) -> None:
    """Stand-ins for people at the desks: talk a while, hang up, record an outcome, ready."""
    center, pool = app[CALL_CENTER], app[POOL]
    while True:
        now = time.monotonic()
        for user_id in operators:
            op = center.desk.get(user_id)
            if op is None:
                continue
            if op.state is OperatorState.TALKING and now - op.since >= talk_s:
                with contextlib.suppress(Exception):
                    await center.end_call(user_id)
            elif op.state is OperatorState.WRAP_UP and now - op.since >= wrap_s:
                if op.card_attempt_id is not None:
                    actor = audit.Actor(op.tenant_id, user_id, "demo-stand-in")
                    async with pool.acquire() as conn:
                        with contextlib.suppress(OutcomeError):
                            await outcomes.save(
                                conn,
                                actor,
                                Outcome(
                                    attempt_id=op.card_attempt_id,
                                    disposition="callback",
                                    callback_at=datetime.now(TOKYO) + timedelta(days=2),
                                    conversation_log="（デモ）不在のため後日かけ直し。",
                                ),
                                datetime.now(TOKYO),
                            )
                await center.set_ready(user_id, True)
        await asyncio.sleep(0.1)


async def floor_report(pool: asyncpg.Pool, campaign_id: UUID) -> str:
    rows = await pool.fetch(
        "select status, count(*) as n from call_attempts where campaign_id = $1"
        " group by status order by status",
        campaign_id,
    )
    waiting = await pool.fetchval(
        "select count(*) from campaign_targets where campaign_id = $1 and state = 'pending'"
        " and next_attempt_at is null",
        campaign_id,
    )
    calls = ", ".join(f"{r['status']} {r['n']}" for r in rows) or "none yet"
    return f"calls: {calls}; not yet called: {waiting}"


async def run_demo(settings: Settings, people: int, minutes: float) -> int:
    app = create_app(plain_http(settings), contact_policy=around_the_clock())
    runner = app_runner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    try:
        await app[AMI].readiness.wait_ready(60)
        await app[ARI_EVENTS].readiness.wait_ready(60)
        pool = app[POOL]
        tenant_id = await ensure_tenant(pool)
        print(f"importing a synthetic ward of {people} people (first run only)…")
        await ensure_ward(pool, tenant_id, people)
        password = secrets.token_urlsafe(9)
        users = await demo_users(pool, tenant_id, password)
        campaign_id = await start_campaign(pool, tenant_id, users["demo-sv"])
        print(
            f"\nOpen http://{settings.web_host}:{settings.web_port}/login  — tenant"
            f" {TENANT[0]}, password {password}\n  demo-op1: an operator whose desk phone"
            " (op001) is a sipp auto-answer: log in, press 受付開始, take calls\n"
            "  demo-sv (supervisor), demo-pbx (PBX admin): the JSON API\n"
            "  demo-op2, demo-op3 work on their own (stand-ins) so the floor is busy\n"
        )
        operators = [users[f"demo-op{n}"] for n in (2, 3)]
        center = app[CALL_CENTER]
        for endpoint in ("trunk", *OPERATOR_PHONES):  # sipp just started: qualify now
            await app[AMI].action({"Action": "PJSIPQualify", "Endpoint": endpoint})
        await asyncio.sleep(1)
        for user_id, phone in zip(operators, OPERATOR_PHONES[1:], strict=True):
            await center.sign_in(user_id, tenant_id, phone)
        workers = asyncio.create_task(operators_at_work(app, operators, talk_s=6, wrap_s=2))
        try:
            deadline = time.monotonic() + minutes * 60
            while time.monotonic() < deadline:
                await asyncio.sleep(10)
                print(f"[{datetime.now(TOKYO):%H:%M:%S}] {await floor_report(pool, campaign_id)}")
        finally:
            workers.cancel()
            async with pool.acquire() as conn:
                with contextlib.suppress(TransitionError):  # it may have completed
                    await transition(
                        conn,
                        tenant_id,
                        campaign_id,
                        "paused",
                        changed_by=users["demo-sv"],
                        reason="demo over",
                    )
            for user_id in operators:
                await center.sign_out(user_id, by=None)
        print(f"\npaused. {await floor_report(pool, campaign_id)}")
        return 0
    finally:
        await runner.cleanup()
