"""The supervisors' and ward staff's console in real Chromium (database and web tier only):
staff take and close a hand-off; a supervisor plays a recording, and that is access-logged."""

from __future__ import annotations

import shutil
import uuid
import wave
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import async_playwright, expect

from campaigns import outcomes
from campaigns.outcomes import Outcome
from saikoku.core.tokyo import TOKYO
from store import audit
from tests.web.conftest import PASSWORD, add_user

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


async def test_staff_close_a_hand_off_and_a_supervisor_plays_a_recording(
    web_client: TestClient[Any, Any],
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tenant_code: str,
    tmp_path: Path,
) -> None:
    op = await add_user(pool, tenant_id, "op1", "operator")
    await add_user(pool, tenant_id, "staff1", "staff")
    await add_user(pool, tenant_id, "sv1", "supervisor")
    person = await pool.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " values ($1, 'P1', '納税 花子', '納税 花子') returning id",
        tenant_id,
    )
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, person_id, dial_string, status, operator_id)"
        " values ($1, $2, 'x', 'connected', $3) returning id",
        tenant_id,
        person,
        op,
    )
    async with pool.acquire() as conn:
        await outcomes.save(
            conn,
            audit.Actor(tenant_id, op, "op1"),
            Outcome(
                attempt_id=attempt,
                disposition="consultation_handoff",
                conversation_log="分納の相談を希望。",
                handoff_note="分納相談",
            ),
            datetime.now(TOKYO),
        )
    recording = tmp_path / "call.wav"
    with wave.open(str(recording), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    await pool.execute(
        "insert into recordings (tenant_id, attempt_id, path, sha256, bytes, duration_ms,"
        " started_at, stored_at) values ($1, $2, $3, repeat('0', 64), $4, 1000, now(), now())",
        tenant_id,
        attempt,
        str(recording),
        recording.stat().st_size,
    )
    base = str(web_client.make_url("")).rstrip("/")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await browser.new_page()
        page.on("dialog", lambda dialog: dialog.accept("分納誓約 3回"))
        for login in ("staff1", "sv1"):
            await page.goto(f"{base}/login")
            await page.fill("input[name=tenant]", tenant_code)
            await page.fill("input[name=login]", login)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{base}/console")
            if login == "staff1":
                rows = page.locator("#handoffs tbody tr")
                await expect(rows).to_have_count(1)
                await expect(rows.first).to_contain_text("納税 花子")
                await rows.first.locator("button").click()  # take
                await expect(rows.first).to_contain_text("taken")
                await rows.first.locator("button").click()  # close, with a result
                await expect(rows).to_have_count(0)
            else:
                await expect(page.locator("#handoffs-box")).to_be_hidden()
                async with page.expect_response(f"{base}/api/recordings/{attempt}") as played:
                    await page.locator("#recordings tbody tr button").first.click()
                assert (await played.value).status in (200, 206)  # ranges for <audio>
            await page.click("#log-out")
            await page.wait_for_url(f"{base}/login")
        await browser.close()
    assert (
        await pool.fetchval("select result from handoffs where person_id = $1", person)
        == "分納誓約 3回"
    )
    assert (
        await pool.fetchval(
            "select count(*) from audit_log where person_id = $1 and action = 'recording_played'",
            person,
        )
        >= 1
    )  # each fetch of the audio is an access
