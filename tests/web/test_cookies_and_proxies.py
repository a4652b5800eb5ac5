"""The session cookie is Secure unless turned off; logins come only as JSON; behind a trusted
reverse proxy the client's address, scheme and host are the forwarded ones (access log, rate
limits, the desktop socket's Origin check), from anyone else those headers are ignored; the
health check tells the public ok or degraded and only an admin the details."""

from __future__ import annotations

import uuid
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from ari_bridge.stream import AriEventStream
from dialer.ami import AmiClient
from saikoku.config.settings import Settings, load_settings
from saikoku.core.supervision import State
from saikoku.pbx.connect import ami_config, ari_stream_config
from saikoku.web import health
from saikoku.web.app import create_app
from saikoku.web.keys import AMI, ARI_EVENTS
from tests.web.conftest import PASSWORD, ClientWith, add_user, log_in

Client = TestClient[Any, Any]
LOOPBACK = (ip_network("127.0.0.1/32"),)


def test_the_cookie_is_secure_unless_the_settings_say_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the developer's tree
    monkeypatch.delenv("SAIKOKU_WEB_COOKIE_SECURE", raising=False)
    secrets = {"ami_secret": "x" * 8, "ari_password": "x" * 8, "operator_phone_secret": "x" * 8}
    assert load_settings(**secrets).web_cookie_secure is True
    monkeypatch.setenv("SAIKOKU_WEB_COOKIE_SECURE", "false")
    assert load_settings(**secrets).web_cookie_secure is False


async def test_a_secure_session_cookie(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    client = await client_with(web_cookie_secure=True)
    await add_user(pool, tenant_id, "op1", "operator")
    response = await client.post(
        "/api/login", json={"tenant": tenant_code, "login": "op1", "password": PASSWORD}
    )
    assert response.status == 200
    cookie = response.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie


async def test_login_takes_only_a_json_body(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    fields = {"tenant": tenant_code, "login": "op1", "password": PASSWORD}
    form = await web_client.post("/api/login", data=fields)
    assert form.status == 415 and (await form.json())["error"] == "unsupported_media_type"
    multipart = aiohttp.FormData(fields)
    multipart.add_field("file", b"x", filename="x")
    assert (await web_client.post("/api/login", data=multipart)).status == 415
    assert (await web_client.post("/api/login", json=fields)).status == 200


async def login_addresses(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> list[str]:
    rows = await pool.fetch(
        "select host(client_addr) as addr from audit_log where tenant_id = $1 order by id",
        tenant_id,
    )
    return [r["addr"] for r in rows]


async def test_the_forwarded_address_is_used_only_from_a_trusted_proxy(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    body = {"tenant": tenant_code, "login": "op1", "password": PASSWORD}
    forged = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
    direct = await client_with()
    assert (await direct.post("/api/login", json=body, headers=forged)).status == 200
    proxied = await client_with(trusted_proxies=LOOPBACK)
    assert (await proxied.post("/api/login", json=body, headers=forged)).status == 200
    assert await login_addresses(pool, tenant_id) == ["127.0.0.1", "198.51.100.7"]
    assert await pool.fetchval(
        "select count(*) from web_sessions where host(client_addr) = '198.51.100.7'"
    )


async def test_rate_limits_count_the_forwarded_address(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_code: str
) -> None:
    client = await client_with(trusted_proxies=LOOPBACK, login_limit_per_address=2)

    async def wrong(address: str, login: str) -> int:
        response = await client.post(
            "/api/login",
            json={"tenant": tenant_code, "login": login, "password": "wrong-wrong-1"},
            headers={"X-Forwarded-For": address},
        )
        return response.status

    assert [await wrong("198.51.100.7", f"ghost{n}") for n in range(3)] == [401, 401, 429]
    assert await wrong("198.51.100.8", "ghost9") == 401


async def test_the_desktop_socket_checks_the_origin_the_browser_saw(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cti.ward.example"}
    origin = "https://cti.ward.example"
    for trusted, opens in (((), False), (LOOPBACK, True)):
        client = await client_with(trusted_proxies=trusted, desk_side=True)
        await log_in(client, tenant_code, "op1")
        if opens:
            async with client.ws_connect("/api/operator/ws", origin=origin, headers=tls) as ws:
                assert (await ws.receive_json())["state"] == "offline"
        else:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect("/api/operator/ws", origin=origin, headers=tls)
            assert refused.value.status == 403


async def test_health_says_ok_or_degraded_and_only_an_admin_sees_the_parts(
    settings: Settings, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "sv1", "supervisor")
    await add_user(pool, tenant_id, "adm1", "admin")
    app = create_app(settings, with_pbx=False)
    async with aiohttp.ClientSession() as unused:
        # The PBX connections, never started: their readiness is set by hand below.
        app[AMI] = AmiClient(ami_config(settings))
        app[ARI_EVENTS] = AriEventStream(unused, ari_stream_config(settings))
        app.router.add_get("/healthz", health.health)
        async with TestClient(TestServer(app)) as client:

            async def healthz() -> tuple[int, dict[str, Any]]:
                response = await client.get("/healthz")
                return response.status, await response.json()

            assert await healthz() == (503, {"status": "degraded"})
            app[AMI].readiness.set(State.READY)
            app[ARI_EVENTS].readiness.set(State.READY)
            assert await healthz() == (200, {"status": "ok"})
            csrf = await log_in(client, tenant_code, "sv1")
            assert await healthz() == (200, {"status": "ok"})
            await client.post("/api/logout", headers={"X-CSRF-Token": csrf})
            await log_in(client, tenant_code, "adm1")
            status, body = await healthz()
            assert status == 200 and body["status"] == "ok"
            assert {name: part["state"] for name, part in body["components"].items()} == {
                "ami": "ready",
                "ari": "ready",
            }
