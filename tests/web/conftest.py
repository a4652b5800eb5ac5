"""The web application on a real socket against the real test database (no PBX)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ari_bridge.call_center import CallCenter
from ari_bridge.client import AriClient
from campaigns.policy import ContactPolicy
from dialer.ami import AmiClient
from dialer.calls import CallPlacer
from dialer.preview import PreviewDialer
from saikoku.config.settings import Settings
from saikoku.pbx.connect import ami_config
from saikoku.web import operator_api, preview_api
from saikoku.web.app import create_app
from saikoku.web.desk_hub import DeskHub
from saikoku.web.keys import CALL_CENTER, DESK_HUB, PLACER, POOL, PREVIEW, SETTINGS
from store.passwords import hash_password

PASSWORD = "correct-horse-battery"


@pytest.fixture
async def web_client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings, with_pbx=False)))
    await client.start_server()
    yield client
    await client.close()


ClientWith = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def client_with(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[ClientWith]:
    """A client of an app whose settings differ from the machine's by the keywords given
    (and with the operators' side, `with_desk_side`, when asked)."""
    clients: list[TestClient[Any, Any]] = []

    async def make(*, desk_side: bool = False, **overrides: Any) -> TestClient[Any, Any]:
        app = create_app(settings.model_copy(update=overrides), with_pbx=False)
        client: TestClient[Any, Any] = TestClient(
            TestServer(with_desk_side(app) if desk_side else app)
        )
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def tenant_code(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> str:
    code: str = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    return code


async def add_user(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, login: str, role: str, phone: str | None = None
) -> uuid.UUID:
    user_id: uuid.UUID = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash,"
        " phone_endpoint) values ($1, $2, $3, $4, $5, $6) returning id",
        tenant_id,
        login,
        f"{role} {login}",
        role,
        hash_password(PASSWORD),
        phone,
    )
    return user_id


async def log_in(client: TestClient[Any, Any], tenant: str, login: str) -> str:
    """Logs the client in (the cookie jar keeps the session); returns the CSRF token."""
    response = await client.post(
        "/api/login", json={"tenant": tenant, "login": login, "password": PASSWORD}
    )
    assert response.status == 200, await response.text()
    token: str = (await response.json())["csrf_token"]
    return token


def with_desk_side(app: web.Application) -> web.Application:
    """The operators' routes and their objects on an app made without the PBX, with ARI and
    AMI pointing at nothing: whatever would reach the PBX answers 503; the rest (bodies,
    state, the desktop socket, the database) is real."""

    async def desk_side(app: web.Application) -> AsyncIterator[None]:
        pool, settings = app[POOL], app[SETTINGS]
        async with aiohttp.ClientSession() as session:
            ari = AriClient(session, "http://127.0.0.1:9", "none", "none", timeout_s=1)
            center = CallCenter(pool, ari, settings.ari_app)
            placer = CallPlacer(pool, AmiClient(ami_config(settings)), floor=center.floor)
            idle = timedelta(minutes=settings.session_idle_minutes)
            hub = DeskHub(pool, center, session_idle=idle)
            app[CALL_CENTER], app[PLACER], app[DESK_HUB] = center, placer, hub
            app[PREVIEW] = PreviewDialer(pool, placer, center, policy=ContactPolicy())
            yield

    app.cleanup_ctx.append(desk_side)
    operator_api.add_routes(app)
    preview_api.add_routes(app)
    return app
