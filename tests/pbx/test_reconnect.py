"""Asterisk dies under a connected service: AMI and ARI back off, report not-ready, recover.

Runs after test_calls.py (file order) since it takes the PBX down and brings it back.
"""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
from aiohttp import web

from dialer.calls import DialOptions
from saikoku.devtools.rig import deploy
from saikoku.web.keys import AMI, ARI_EVENTS, PLACER, POOL
from store.passwords import hash_password
from tests.pbx.conftest import BASE_URL, wait_trunk
from tests.pbx.desk import PASSWORD


async def test_pbx_restart_is_survived_with_backoff(
    service: web.Application, tenant_id: uuid.UUID
) -> None:
    ami, ari = service[AMI].readiness, service[ARI_EVENTS].readiness
    assert ami.ready and ari.ready
    assert await health(service, tenant_id) == (200, {"ami": "ready", "ari": "ready"})
    before = (ami.reconnects, ari.reconnects)

    assert deploy("asterisk.sh", "kill").returncode == 0
    async with asyncio.timeout(20):
        while ami.ready or ari.ready:
            await asyncio.sleep(0.05)
    # While it is down, the service says so, and calls are refused rather than lost.
    result = await service[PLACER].place(
        tenant_id=tenant_id, dial_string="PJSIP/0312340010@trunk", options=DialOptions()
    )
    assert result.outcome == "rejected"

    down_for = 8.0
    await asyncio.sleep(down_for)
    ami_retries = ami.reconnects - before[0]
    ari_retries = ari.reconnects - before[1]
    # Back-off: a fixed 0.5-s retry would make 16 attempts in 8 s; doubling makes ~5.
    assert 2 <= ami_retries <= 9, ami_retries
    assert 2 <= ari_retries <= 9, ari_retries
    assert not ami.ready and not ari.ready
    status, states = await health(service, tenant_id)
    assert status == 503 and set(states.values()) <= {"down", "connecting"}

    started = deploy("asterisk.sh", "start", "60")
    assert started.returncode == 0, started.stderr
    await ami.wait_ready(40)
    await ari.wait_ready(40)
    await wait_trunk(service, "online", timeout_s=20)
    assert await health(service, tenant_id) == (200, {"ami": "ready", "ari": "ready"})


async def health(app: web.Application, tenant_id: uuid.UUID) -> tuple[int, dict[str, str]]:
    """/healthz as an admin sees it: the state of each connection (the public sees only
    ok or degraded)."""
    pool = app[POOL]
    await pool.execute(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'health-admin', '管理者', 'admin', $2) on conflict do nothing",
        tenant_id,
        hash_password(PASSWORD),
    )
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    base = app[BASE_URL]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(base + "/healthz") as public:
            assert set(await public.json()) == {"status"}
        login = {"tenant": code, "login": "health-admin", "password": PASSWORD}
        async with session.post(base + "/api/login", json=login) as r:
            assert r.status == 200
        async with session.get(base + "/healthz") as r:
            body = await r.json()
    assert body["status"] == ("ok" if r.status == 200 else "degraded")
    return r.status, {name: c["state"] for name, c in body["components"].items()}
