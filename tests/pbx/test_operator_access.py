"""What an operator may see, on real Asterisk and sipp: a person's card only during that
person's call and its wrap-up; in preview one claimed person at a time until it is dialed or
skipped; and nothing more once their session is over."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp import WSMsgType, web

from dialer.operators import OperatorState
from saikoku.cli.main import main
from saikoku.config.settings import Settings
from saikoku.devtools.rig import SippPhone
from saikoku.web.desk_hub import SESSION_OVER
from saikoku.web.keys import ARI, CALL_CENTER, POOL
from tests.pbx.desk import PASSWORD, Desk, signed_in
from tests.pbx.test_bridging import dial, wait_attempt
from tests.pbx.test_campaign_run import running_campaign


@pytest.fixture
async def operator(
    service: web.Application, operator_phones: SippPhone, tenant_id: uuid.UUID
) -> AsyncIterator[tuple[uuid.UUID, Desk]]:
    async with signed_in(service, tenant_id, "op1", "op003") as operator:
        yield operator


async def test_the_previous_callers_card_is_refused_once_the_wrap_up_is_over(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    pool: asyncpg.Pool = service[POOL]
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    attempt_id = await dial(service, tenant_id, "0312340010")
    await wait_attempt(pool, attempt_id, "connected")
    person_id = await pool.fetchval("select person_id from call_attempts where id = $1", attempt_id)
    card = f"/api/operator/person/{person_id}"
    status, shown = await desk.get(card)
    assert status == 200 and shown["attempt_id"] == str(attempt_id)
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    assert (await desk.get(card))[0] == 200  # the outcome is written during the wrap-up
    await desk.save_outcome()
    await desk.post("/api/operator/ready", {"ready": True})
    assert await desk.state() == "ready"

    status, refused = await desk.get(card)
    assert status == 403 and "name" not in refused
    assert (await desk.status())["attempt_id"] is None
    assert await pool.fetchval(
        "select count(*) from audit_log where user_id = $1 and person_id = $2"
        " and action = 'person_refused'",
        user_id,
        person_id,
    )
    # Paused, or on the line again after signing out and in: still refused.
    await desk.post("/api/operator/ready", {"ready": False})
    assert (await desk.get(card))[0] == 403
    await desk.post("/api/operator/sign-out")
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    assert (await desk.get(card))[0] == 403


async def test_preview_shows_one_person_until_they_are_dialed_or_skipped_with_a_reason(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    pool: asyncpg.Pool = service[POOL]
    campaign_id = await running_campaign(
        pool, tenant_id, "08", {"mode": "preview", "ring_timeout_s": 15}
    )
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    first = await desk.post("/api/operator/preview/next")
    for _ in range(3):
        again = await desk.post("/api/operator/preview/next")
        assert again["target_id"] == first["target_id"]
        assert again["card"]["person_id"] == first["card"]["person_id"]
    person = uuid.UUID(first["card"]["person_id"])
    assert (
        await pool.fetchval(
            "select count(*) from audit_log where user_id = $1 and person_id = $2"
            " and action = 'person_viewed'",
            user_id,
            person,
        )
        == 4
    )
    assert (
        await pool.fetchval(
            "select count(*) from campaign_targets where campaign_id = $1 and state = 'claimed'",
            campaign_id,
        )
        == 1
    )

    skip = "/api/operator/preview/skip"
    for body in (
        {"target_id": first["target_id"]},
        {"target_id": first["target_id"], "reason": "bored"},
    ):
        assert (await desk.send(skip, body))[0] == 400
    await desk.post(skip, {"target_id": first["target_id"], "reason": "knows_the_person"})
    assert (
        await pool.fetchval(
            "select reason from audit_log where user_id = $1 and person_id = $2"
            " and action = 'preview_skipped'",
            user_id,
            person,
        )
        == "knows_the_person"
    )
    assert (await desk.send(skip, {"target_id": first["target_id"], "reason": "other"}))[0] == 409

    second = await desk.post("/api/operator/preview/next")
    assert second["card"]["person_id"] != first["card"]["person_id"]
    dialed = await desk.post("/api/operator/preview/dial", {"target_id": second["target_id"]})
    await wait_attempt(pool, uuid.UUID(dialed["attempt_id"]), "connected")
    await desk.post("/api/operator/hang-up")
    await desk.wait_state("wrap_up")
    await desk.save_outcome()
    await desk.post("/api/operator/ready", {"ready": True})
    # The one dialed, the other skipped for now: nobody left to show.
    assert (await desk.send("/api/operator/preview/next"))[0] == 404


async def closed_by_the_service(socket: aiohttp.ClientWebSocketResponse, within_s: float) -> None:
    """Read the desktop's socket until the service closes it (state messages may come first)."""
    async with asyncio.timeout(within_s):
        while (await socket.receive()).type not in (
            WSMsgType.CLOSE,
            WSMsgType.CLOSING,
            WSMsgType.CLOSED,
        ):
            pass
    assert socket.close_code == SESSION_OVER


async def signed_out_for_session_over(service: web.Application, user_id: uuid.UUID) -> None:
    operator = service[CALL_CENTER].desk.get(user_id)
    assert operator is not None and operator.state is OperatorState.OFFLINE
    pool: asyncpg.Pool = service[POOL]
    assert await pool.fetchval(
        "select count(*) from audit_log where action = 'desk_signed_out' and object_id = $1",
        str(user_id),
    )
    last = await pool.fetchrow(
        "select to_state, reason from operator_state_changes where operator_id = $1"
        " order by id desc limit 1",
        user_id,
    )
    assert dict(last) == {"to_state": "offline", "reason": "session over"}


async def line_hung_up(service: web.Application, line: str) -> None:
    async with asyncio.timeout(10):
        while any(c.get("id") == line for c in await service[ARI].channels()):
            await asyncio.sleep(0.1)


async def ready_line(service: web.Application, user_id: uuid.UUID, desk: Desk) -> str:
    await desk.post("/api/operator/sign-in")
    await desk.wait_state("ready")
    operator = service[CALL_CENTER].desk.get(user_id)
    assert operator is not None and operator.line_channel is not None
    return operator.line_channel


async def test_disabling_the_account_closes_the_desktop_and_signs_the_desk_out(
    service: web.Application,
    settings: Settings,
    migrated_database: str,
    tenant_id: uuid.UUID,
    operator: tuple[uuid.UUID, Desk],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id, desk = operator
    line = await ready_line(service, user_id, desk)
    async with desk.desktop() as socket:
        assert (await socket.receive_json())["state"] == "ready"
        # `saikoku users disable`, as an administrator runs it: another loop, its own pool.
        monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
        code = await service[POOL].fetchval("select code from tenants where id = $1", tenant_id)
        assert await asyncio.to_thread(main, ["users", "disable", "op1", "--tenant", code]) == 0
        await closed_by_the_service(socket, settings.desk_session_sweep_s + 5)
    await signed_out_for_session_over(service, user_id)
    await line_hung_up(service, line)


async def test_an_idle_session_closes_the_desktop_and_signs_the_desk_out(
    service: web.Application,
    settings: Settings,
    operator: tuple[uuid.UUID, Desk],
) -> None:
    user_id, desk = operator
    line = await ready_line(service, user_id, desk)
    async with desk.desktop() as socket:
        assert (await socket.receive_json())["state"] == "ready"
        await service[POOL].execute(
            "update web_sessions set last_seen_at = now() - make_interval(mins => $2 + 1)"
            " where user_id = $1",
            user_id,
            settings.session_idle_minutes,
        )
        await closed_by_the_service(socket, settings.desk_session_sweep_s + 5)
    await signed_out_for_session_over(service, user_id)
    await line_hung_up(service, line)


async def test_logging_out_closes_that_sessions_desktop_and_the_last_one_signs_out(
    service: web.Application, tenant_id: uuid.UUID, operator: tuple[uuid.UUID, Desk]
) -> None:
    user_id, desk = operator
    line = await ready_line(service, user_id, desk)
    code = await service[POOL].fetchval("select code from tenants where id = $1", tenant_id)
    # The same operator logged in in a second browser too.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(
            desk.base + "/api/login", json={"tenant": code, "login": "op1", "password": PASSWORD}
        ) as response:
            assert response.status == 200
            second = Desk(http, desk.base, (await response.json())["csrf_token"])
        async with desk.desktop() as first_socket, second.desktop() as second_socket:
            for socket in (first_socket, second_socket):
                assert (await socket.receive_json())["state"] == "ready"
            await desk.post("/api/logout")
            # At once, not at the next sweep.
            await closed_by_the_service(first_socket, 1.0)
            assert not second_socket.closed
            assert await second.state() == "ready"
            await second.post("/api/logout")
            await closed_by_the_service(second_socket, 1.0)
    await signed_out_for_session_over(service, user_id)
    await line_hung_up(service, line)
