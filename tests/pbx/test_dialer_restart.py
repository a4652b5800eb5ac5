"""The dialer process is killed (SIGKILL) mid-campaign and started again: calls in progress
are settled from Asterisk, no attempt is left open, nobody is dialed twice.

The service under test runs as a separate `saikoku serve` process with its own Stasis app,
beside the in-process service other tests use."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from saikoku.config.settings import Settings
from saikoku.devtools.rig import ROOT, SippPhone
from saikoku.web.keys import POOL
from tests.pbx.conftest import free_tcp_port, wait_endpoint
from tests.pbx.desk import signed_in
from tests.pbx.test_campaign_run import running_campaign


def sweeps(log: Path) -> list[int]:
    """How many channels each start of the service released (from its JSON log)."""
    return [
        json.loads(line)["released"]
        for line in log.read_text().splitlines()
        if "orphans_swept_after_connect" in line
    ]


class ServeProcess:
    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_tcp_port()
        self.env = {
            **os.environ,
            "SAIKOKU_DATABASE_URL": settings.database_url,
            "SAIKOKU_WEB_PORT": str(self.port),
            "SAIKOKU_ARI_APP": "saikoku-restart",
            "SAIKOKU_CALLING_HOURS": "always",
            "SAIKOKU_WEB_COOKIE_SECURE": "false",  # plain HTTP on loopback
            "SAIKOKU_LOG_FORMAT": "json",
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("saikoku")), "serve"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        async with asyncio.timeout(30), aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(self.base + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.2)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)


@pytest.fixture
def serve(settings: Settings, tmp_path: Path, operator_phones: SippPhone) -> Iterator[ServeProcess]:
    process = ServeProcess(settings, tmp_path / "serve.log")
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.kill(signal.SIGTERM)


async def test_killed_dialer_restarts_without_open_attempts_or_double_dials(
    service: web.Application, serve: ServeProcess, tenant_id: uuid.UUID
) -> None:
    pool: asyncpg.Pool = service[POOL]
    campaign_id = await running_campaign(
        pool,
        tenant_id,
        "0000000000",
        {"mode": "progressive", "ring_timeout_s": 15, "amd_enabled": False},
    )
    await serve.start()
    async with (
        signed_in(service, tenant_id, "op1", "op008", base=serve.base) as (_, one),
        signed_in(service, tenant_id, "op2", "op009", base=serve.base) as (_, two),
    ):
        for desk in (one, two):
            await desk.post("/api/operator/sign-in")
        async with asyncio.timeout(30):
            while (
                await pool.fetchval(
                    "select count(*) from call_attempts where campaign_id = $1"
                    " and status = 'connected'",
                    campaign_id,
                )
                < 2
            ):
                await asyncio.sleep(0.1)
        serve.kill()  # mid-conversation, both operators busy
        await serve.start()
        # The new process finds the old one's callers in Stasis and releases them; their
        # hang-ups close the attempts.
        async with asyncio.timeout(20):
            while sweeps(serve.log)[-1:] != [4]:
                await asyncio.sleep(0.2)
        async with asyncio.timeout(20):
            while await pool.fetchval(
                "select count(*) from call_attempts where campaign_id = $1 and ended_at is null",
                campaign_id,
            ):
                await asyncio.sleep(0.2)
        # Operators sign in again and the campaign goes on to its end.
        for desk, phone in ((one, "op008"), (two, "op009")):
            await desk.wait_state("offline")
            await wait_endpoint(service, phone, "online")
            await desk.post("/api/operator/sign-in")
        workers = [asyncio.create_task(d.work(talk_s=0.3, wrap_s=0.1)) for d in (one, two)]
        try:
            async with asyncio.timeout(90):
                while await pool.fetchval(
                    "select count(*) from campaign_targets where campaign_id = $1"
                    " and state <> 'completed'",
                    campaign_id,
                ):
                    await asyncio.sleep(0.3)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    per_person = await pool.fetch(
        "select person_id, count(*) as n from call_attempts where campaign_id = $1"
        " group by person_id",
        campaign_id,
    )
    assert len(per_person) == 10 and all(r["n"] == 1 for r in per_person)
    assert (
        await pool.fetchval(
            "select count(*) from call_attempts where campaign_id = $1 and ended_at is null",
            campaign_id,
        )
        == 0
    )
    # It was the restarted process that released the two callers and two operator lines.
    assert sweeps(serve.log) == [0, 4]
