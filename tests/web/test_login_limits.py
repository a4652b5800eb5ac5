"""Logins cannot stall the service or lock others out: passwords are checked off the event
loop, attempts are limited per address and per account (429 with Retry-After), and wrong
passwords during a lock-out do not extend it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from tests.web.conftest import PASSWORD, ClientWith, add_user, log_in

Client = TestClient[Any, Any]
BAD_LOGIN = {"error": "bad_login"}


async def attempt(client: Client, tenant: str, login: str, password: str = "wrong-wrong-1") -> Any:
    return await client.post(
        "/api/login", json={"tenant": tenant, "login": login, "password": password}
    )


async def actions(pool: asyncpg.Pool, tenant_id: uuid.UUID, login: str) -> list[str]:
    rows = await pool.fetch(
        "select action from audit_log where tenant_id = $1 and user_login = $2 order by id",
        tenant_id,
        login,
    )
    return [r["action"] for r in rows]


async def test_a_flood_of_wrong_passwords_from_one_address_is_answered_429(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    client = await client_with(login_limit_per_address=3, login_limit_per_account=100)
    await add_user(pool, tenant_id, "op1", "operator")
    for n in range(3):
        assert (await attempt(client, tenant_code, f"ghost{n}")).status == 401
    flooded = await attempt(client, tenant_code, "ghost9")
    assert flooded.status == 429
    assert (await flooded.json())["error"] == "too_many_attempts"
    assert 1 <= int(flooded.headers["Retry-After"]) <= 60
    # Even the right password waits; the known account's access log says why.
    right = await attempt(client, tenant_code, "op1", PASSWORD)
    assert right.status == 429
    assert await actions(pool, tenant_id, "op1") == ["login_throttled"]


async def test_attempts_on_one_account_are_limited_and_others_are_not(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    client = await client_with(login_limit_per_address=100, login_limit_per_account=2)
    await add_user(pool, tenant_id, "op1", "operator")
    await add_user(pool, tenant_id, "op2", "operator")
    for _ in range(2):
        assert (await attempt(client, tenant_code, "op1")).status == 401
    for _ in range(3):
        assert (await attempt(client, tenant_code, "op1", PASSWORD)).status == 429
    assert (await attempt(client, tenant_code, "op2", PASSWORD)).status == 200
    # One access-log row for the run of refusals, not one per request.
    assert await actions(pool, tenant_id, "op1") == ["login_failed"] * 2 + ["login_throttled"]


async def test_wrong_passwords_during_a_lock_do_not_extend_it(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    user = await add_user(pool, tenant_id, "op1", "operator")
    for _ in range(5):
        assert (await attempt(web_client, tenant_code, "op1")).status == 401
    # Locked; the lock ends in a minute.
    await pool.execute(
        "update users set locked_until = now() + interval '1 minute' where id = $1", user
    )
    before = await pool.fetchrow(
        "select locked_until, failed_logins from users where id = $1", user
    )
    for password in ("wrong-wrong-2", PASSWORD, "wrong-wrong-3"):
        locked = await attempt(web_client, tenant_code, "op1", password)
        assert locked.status == 401
        assert (await locked.json())["error"] == BAD_LOGIN["error"]
    after = await pool.fetchrow("select locked_until, failed_logins from users where id = $1", user)
    assert after == before
    unknown = await attempt(web_client, tenant_code, "ghost")
    assert await unknown.json() == await locked.json()


async def test_a_wrong_password_after_a_lock_ended_starts_a_new_count(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    user = await add_user(pool, tenant_id, "op1", "operator")
    await pool.execute(
        "update users set failed_logins = 5, locked_until = now() - interval '1 second'"
        " where id = $1",
        user,
    )
    assert (await attempt(web_client, tenant_code, "op1")).status == 401
    row = await pool.fetchrow("select locked_until, failed_logins from users where id = $1", user)
    assert row["locked_until"] is None and row["failed_logins"] == 1
    assert (await attempt(web_client, tenant_code, "op1", PASSWORD)).status == 200


async def test_the_service_answers_while_passwords_are_being_checked(
    client_with: ClientWith, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    client = await client_with(login_hash_concurrency=2)
    await add_user(pool, tenant_id, "sv1", "supervisor")
    await log_in(client, tenant_code, "sv1")
    answered: list[str] = []

    async def wrong_login(n: int) -> None:
        assert (await attempt(client, tenant_code, f"ghost{n}")).status == 401
        answered.append("login")

    logins = [asyncio.create_task(wrong_login(n)) for n in range(4)]
    await asyncio.sleep(0.05)  # let them reach the password check
    for _ in range(5):
        assert (await client.get("/api/me")).status == 200
    answered.append("me ×5")
    await asyncio.gather(*logins)
    # Four checks at two at a time take two rounds of Argon2; five round trips to a free
    # event loop take a few milliseconds. Hashed on the loop, /api/me waited for them.
    assert answered[0] == "me ×5", answered
