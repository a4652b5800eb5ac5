"""An operator at their desk, as the tests drive one: a logged-in HTTP session against the
service and a helper that answers calls like a person would (talk, hang up, wrap up)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from saikoku.web.keys import POOL
from store.passwords import hash_password
from tests.pbx.conftest import BASE_URL, wait_endpoint

PASSWORD = "operator-pass-123"


class Desk:
    def __init__(self, http: aiohttp.ClientSession, base: str, csrf: str) -> None:
        self.http, self.base, self.csrf = http, base, csrf

    async def send(self, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        """A write that may be refused: its status and answer."""
        async with self.http.post(
            self.base + path, json=body or {}, headers={"X-CSRF-Token": self.csrf}
        ) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: Any = None) -> dict[str, Any]:
        status, data = await self.send(path, body)
        assert status == 200, data
        return data

    @contextlib.asynccontextmanager
    async def desktop(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """The desktop's socket (screen-pops and state), as the desk page opens it."""
        url = self.base.replace("http", "ws", 1) + "/api/operator/ws"
        async with self.http.ws_connect(url) as socket:
            yield socket

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        """A read that may be refused: its status and answer."""
        async with self.http.get(self.base + path) as response:
            return response.status, await response.json()

    async def state(self) -> str:
        return str((await self.status())["state"])

    async def status(self) -> dict[str, Any]:
        async with self.http.get(self.base + "/api/operator/state") as response:
            data: dict[str, Any] = await response.json()
            return data

    async def save_outcome(
        self, disposition: str = "third_party", attempt_id: uuid.UUID | None = None
    ) -> None:
        """The outcome of this call, by default of the call the desk is on or wrapping up."""
        call = str(attempt_id) if attempt_id else (await self.status())["attempt_id"]
        await self.post(
            "/api/operator/outcome",
            {
                "attempt_id": call,
                "disposition": disposition,
                "conversation_log": "テスト通話（家族が応答）",
            },
        )

    async def wait_state(self, state: str, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while await self.state() != state:
                await asyncio.sleep(0.05)

    async def work(self, talk_s: float, wrap_s: float) -> None:
        """Take calls until cancelled: talk, hang up, wrap up, ready again."""
        while True:
            state = await self.state()
            if state == "talking":
                await asyncio.sleep(talk_s)
                with contextlib.suppress(AssertionError):  # the caller may have left
                    await self.post("/api/operator/hang-up")
            elif state == "wrap_up":
                await asyncio.sleep(wrap_s)
                await self.save_outcome()
                await self.post("/api/operator/ready", {"ready": True})
            else:
                await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def signed_in(
    service: web.Application,
    tenant_id: uuid.UUID,
    login: str,
    endpoint: str,
    base: str | None = None,
) -> AsyncIterator[tuple[uuid.UUID, Desk]]:
    """An operator account with this desk phone, logged in over HTTP (to the in-process
    service, or to another service process at `base`); signed out after."""
    pool: asyncpg.Pool = service[POOL]
    await pool.execute("update users set phone_endpoint = null where phone_endpoint = $1", endpoint)
    await wait_endpoint(service, endpoint, "online")
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    user_id = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash,"
        " phone_endpoint) values ($1, $2, 'オペレーター', 'operator', $3, $4)"
        " on conflict (tenant_id, login_id) do update set phone_endpoint = excluded.phone_endpoint"
        " returning id",
        tenant_id,
        login,
        hash_password(PASSWORD),
        endpoint,
    )
    # unsafe=True: keep cookies from an IP-address host (127.0.0.1), as browsers do.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        base = base or service[BASE_URL]
        async with http.post(
            base + "/api/login", json={"tenant": code, "login": login, "password": PASSWORD}
        ) as response:
            assert response.status == 200
            desk = Desk(http, base, (await response.json())["csrf_token"])
        try:
            yield user_id, desk
        finally:
            # Unless the test ended the session itself: then the service signed the desk out.
            assert (await desk.send("/api/operator/sign-out"))[0] in (200, 401)
