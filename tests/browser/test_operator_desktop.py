"""The operator desktop in real Chromium against the real service, Asterisk and sipp: log in,
start, a real call is answered and bridged to the operator's sipp phone, the screen-pop shows
the person, the operator saves a promise with a conversation log; PostgreSQL holds it all."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect

from campaigns.linkage.importer import import_files
from campaigns.planning import Scope, plan
from saikoku.core.tokyo import TOKYO
from saikoku.devtools.rig import ROOT, SippPhone
from saikoku.web.keys import POOL
from store.passwords import hash_password
from tests.db.linkage_files import small_export
from tests.pbx.conftest import BASE_URL, wait_endpoint

CHROMIUM = shutil.which("chromium")
PASSWORD = "desk-password-42"
SCREENSHOTS = ROOT / "docs" / "desktop"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


async def campaign_for_one_person(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, folder: Path
) -> tuple[uuid.UUID, uuid.UUID]:
    """佐藤 花子 (mobile ending in 8: the sipp debtor answers in person) owes R8 installment 2."""
    assert (await import_files(pool, tenant_id, small_export(folder), imported_by="t")).ok
    supervisor = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv1', '監督者', 'supervisor', $2) returning id",
        tenant_id,
        hash_password(PASSWORD),
    )
    campaign_id = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by, pacing) values ($1, 'R8 現年', $2,"
        ' \'{"mode": "progressive", "amd_enabled": false, "ring_timeout_s": 15}\')'
        " returning id",
        tenant_id,
        supervisor,
    )
    async with pool.acquire() as conn:
        await plan(conn, tenant_id, campaign_id, Scope(), datetime.now(TOKYO))
    await pool.execute("update campaigns set status = 'running' where id = $1", campaign_id)
    person = await pool.fetchval(
        "select id from persons where tenant_id = $1 and resident_number = '1001'", tenant_id
    )
    return campaign_id, person


async def test_operator_takes_a_call_and_saves_a_promise(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    pool: asyncpg.Pool = service[POOL]
    campaign_id, person_id = await campaign_for_one_person(pool, tenant_id, tmp_path / "x")
    await pool.execute("update users set phone_endpoint = null where phone_endpoint = 'op011'")
    operator_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash,"
        " phone_endpoint) values ($1, 'op1', '山田 オペ', 'operator', $2, 'op011') returning id",
        tenant_id,
        hash_password(PASSWORD),
    )
    await wait_endpoint(service, "op011", "online")
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    base = service[BASE_URL]
    promised = date.today() + timedelta(days=7)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base}/login")
        await page.fill("input[name=tenant]", code)
        await page.fill("input[name=login]", "op1")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/desk")
        await page.click("#sign-in")
        await expect(page.locator("#state")).to_have_text("通話中", timeout=30_000)
        await expect(page.locator("#name")).to_have_text("佐藤 花子")
        await expect(page.locator("#owed tbody tr")).to_have_count(1)
        await expect(page.locator("#owed-total")).to_have_text("30,000円")
        await page.screenshot(path=str(SCREENSHOTS / "operator-screen-pop.png"), full_page=True)
        await page.select_option("#disposition", "promise_to_pay")
        await page.fill("input[name=promise_date]", promised.isoformat())
        await page.fill("input[name=promise_amount]", "30000")
        await page.fill(
            "textarea[name=conversation_log]", "本人確認済み。来週末に第2期分を納付予定。"
        )
        await page.click("#hang-up")
        await expect(page.locator("#state")).to_have_text("後処理中", timeout=10_000)
        await page.click("#outcome button[type=submit]")
        await expect(page.locator("#state")).to_have_text("待機中", timeout=10_000)
        await page.screenshot(path=str(SCREENSHOTS / "operator-after-save.png"), full_page=True)
        await page.click("#log-out")
        await page.wait_for_url(f"{base}/login")
        await browser.close()

    attempt = await pool.fetchrow(
        "select id, status, operator_id from call_attempts where campaign_id = $1", campaign_id
    )
    assert (attempt["status"], attempt["operator_id"]) == ("connected", operator_id)
    assert (
        await pool.fetchval("select disposition from outcomes where attempt_id = $1", attempt["id"])
        == "promise_to_pay"
    )
    promise = await pool.fetchrow(
        "select promised_date, amount from promises where attempt_id = $1", attempt["id"]
    )
    assert (promise["promised_date"], promise["amount"]) == (promised, 30000)
    assert "来週末" in await pool.fetchval(
        "select body from conversation_logs where attempt_id = $1", attempt["id"]
    )
    async with asyncio.timeout(10):
        while (
            recording := await pool.fetchrow(
                "select path, sha256, bytes from recordings where attempt_id = $1"
                " and stored_at is not null",
                attempt["id"],
            )
        ) is None:
            await asyncio.sleep(0.2)
    assert Path(recording["path"]).stat().st_size == recording["bytes"] > 44
    actions = [
        r["action"]
        for r in await pool.fetch(
            "select action from audit_log where tenant_id = $1 and person_id = $2 order by id",
            tenant_id,
            person_id,
        )
    ]
    assert actions[0] == "person_viewed" and "outcome_saved" in actions


async def test_operators_see_only_their_own_callers_and_no_recordings(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    """Two operators; one call. The pop reaches only the bridged operator's socket, the other
    cannot open that person, and no operator may play a recording."""
    pool: asyncpg.Pool = service[POOL]
    campaign_id, person_id = await campaign_for_one_person(pool, tenant_id, tmp_path / "x")
    await pool.execute("update campaigns set status = 'paused' where id = $1", campaign_id)
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    sessions = {}
    for login, phone in (("op1", "op012"), ("op2", "op013")):
        await pool.execute(
            "update users set phone_endpoint = null where phone_endpoint = $1", phone
        )
        await pool.execute(
            "insert into users (tenant_id, login_id, display_name, role, password_hash,"
            " phone_endpoint) values ($1, $2, $2, 'operator', $3, $4)",
            tenant_id,
            login,
            hash_password(PASSWORD),
            phone,
        )
        await wait_endpoint(service, phone, "online")
    base = service[BASE_URL]
    jar = {login: aiohttp.CookieJar(unsafe=True) for login in ("op1", "op2")}
    async with (
        aiohttp.ClientSession(cookie_jar=jar["op1"]) as one,
        aiohttp.ClientSession(cookie_jar=jar["op2"]) as two,
    ):
        for login, http in (("op1", one), ("op2", two)):
            async with http.post(
                f"{base}/api/login", json={"tenant": code, "login": login, "password": PASSWORD}
            ) as r:
                sessions[login] = (await r.json())["csrf_token"]
            async with http.post(
                f"{base}/api/operator/sign-in", json={}, headers={"X-CSRF-Token": sessions[login]}
            ) as r:
                assert r.status == 200
        # op2 is paused: the one call can only go to op1.
        ws_one = await one.ws_connect(f"{base}/api/operator/ws", origin=base)
        ws_two = await two.ws_connect(f"{base}/api/operator/ws", origin=base)
        async with asyncio.timeout(15):
            while True:
                async with two.get(f"{base}/api/operator/state") as r:
                    if (await r.json())["state"] == "ready":
                        break
                await asyncio.sleep(0.1)
        async with two.post(
            f"{base}/api/operator/ready",
            json={"ready": False},
            headers={"X-CSRF-Token": sessions["op2"]},
        ) as r:
            assert r.status == 200
        await pool.execute("update campaigns set status = 'running' where id = $1", campaign_id)

        async def messages(
            ws: aiohttp.ClientWebSocketResponse, seconds: float
        ) -> list[dict[str, Any]]:
            seen = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    async for message in ws:
                        seen.append(message.json())
                        if seen[-1]["type"] == "screen_pop":
                            break
            return seen

        pops_one = [m for m in await messages(ws_one, 30) if m["type"] == "screen_pop"]
        assert pops_one and pops_one[0]["card"]["person_id"] == str(person_id)
        assert not [m for m in await messages(ws_two, 2) if m["type"] == "screen_pop"]
        async with two.get(f"{base}/api/operator/person/{person_id}") as r:
            assert r.status == 403
        attempt_id = pops_one[0]["card"]["attempt_id"]
        async with one.get(f"{base}/api/recordings/{attempt_id}") as r:
            assert r.status == 403
        async with one.post(
            f"{base}/api/operator/hang-up", json={}, headers={"X-CSRF-Token": sessions["op1"]}
        ) as r:
            assert r.status == 200
        # A forged origin cannot open an operator's socket with their cookie.
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await one.ws_connect(f"{base}/api/operator/ws", origin="http://evil.example")
        await ws_one.close()
        await ws_two.close()
        for login, http in (("op1", one), ("op2", two)):
            async with http.post(
                f"{base}/api/operator/sign-out", json={}, headers={"X-CSRF-Token": sessions[login]}
            ):
                pass
    refused = {
        r["action"]
        for r in await pool.fetch("select action from audit_log where tenant_id = $1", tenant_id)
    }
    assert {"person_refused", "forbidden"} <= refused
