"""The web application on a real socket against the real test database (no PBX)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from saikoku.config.settings import Settings
from saikoku.web.app import create_app
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
    """A client of an app whose settings differ from the machine's by the keywords given."""
    clients: list[TestClient[Any, Any]] = []

    async def make(**overrides: Any) -> TestClient[Any, Any]:
        app = create_app(settings.model_copy(update=overrides), with_pbx=False)
        client: TestClient[Any, Any] = TestClient(TestServer(app))
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
