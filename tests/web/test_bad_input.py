"""Bodies that cannot be read or stored are answered 400 (413 when too big) as JSON, in words
that never repeat what was sent or what the database said, and nothing is written."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from campaigns.outcomes import Outcome
from saikoku.web.responses import error_middleware
from tests.web.conftest import add_user, log_in

Client = TestClient[Any, Any]
JSON = "application/json"


async def supervisor(client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, code: str) -> str:
    await add_user(pool, tenant_id, "sv1", "supervisor")
    return await log_in(client, code, "sv1")


async def campaigns_of(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> int:
    count: int = await pool.fetchval(
        "select count(*) from campaigns where tenant_id = $1", tenant_id
    )
    return count


async def refused(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == JSON
    body: dict[str, Any] = await response.json()
    assert body["error"] and body["message"]
    return body


@pytest.mark.parametrize(
    ("content_type", "data", "code"),
    [
        (f"{JSON}; charset=x-unknown", b'{"name": "R8"}', "unsupported_charset"),
        (JSON, b"[" * 100_000, "bad_request"),
        (JSON, b'{"name": "R8 \xff\xfe"}', "bad_request"),
        (JSON, b'{"name": NaN}', "bad_request"),
        (JSON, b'{"name": "' + b"9" * 5000 + b'"}', "bad_request"),
        ("application/x-www-form-urlencoded", b"name=R8", "unsupported_media_type"),
    ],
    ids=["charset", "nesting", "not-utf8", "nan", "many-digits", "form"],
)
async def test_unreadable_bodies_are_refused(
    web_client: Client,
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tenant_code: str,
    content_type: str,
    data: bytes,
    code: str,
) -> None:
    csrf = await supervisor(web_client, pool, tenant_id, tenant_code)
    response = await web_client.post(
        "/api/campaigns", data=data, headers={"Content-Type": content_type, "X-CSRF-Token": csrf}
    )
    status = 415 if code == "unsupported_media_type" else 400
    assert (await refused(response, status))["error"] == code
    assert await campaigns_of(pool, tenant_id) == 0


@pytest.mark.parametrize("name", ["R8 \ud800", "R8 \x00 現年"], ids=["lone-surrogate", "nul"])
async def test_unstorable_text_is_refused_and_nothing_written(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str, name: str
) -> None:
    csrf = await supervisor(web_client, pool, tenant_id, tenant_code)
    # json.dumps escapes both as \ud800 and \u0000, which is valid JSON.
    response = await web_client.post(
        "/api/campaigns",
        data=json.dumps({"name": name}),
        headers={"Content-Type": JSON, "X-CSRF-Token": csrf},
    )
    body = await refused(response)
    assert body["detail"][0]["field"] == "name"
    assert await campaigns_of(pool, tenant_id) == 0


async def test_a_lone_surrogate_password_is_a_bad_request_not_a_crash(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    response = await web_client.post(
        "/api/login",
        data=json.dumps({"tenant": tenant_code, "login": "op1", "password": "pass\ud800word"}),
        headers={"Content-Type": JSON},
    )
    await refused(response)
    assert (
        await pool.fetchval("select count(*) from audit_log where tenant_id = $1", tenant_id) == 0
    )


async def test_a_nul_in_a_hand_off_result_is_refused(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "st1", "staff")
    csrf = await log_in(web_client, tenant_code, "st1")
    response = await web_client.post(
        f"/api/handoffs/{uuid.uuid4()}/close",
        json={"result": "納付済\x00"},
        headers={"X-CSRF-Token": csrf},
    )
    assert (await refused(response))["detail"][0]["field"] == "result"


def test_an_outcome_refuses_unstorable_text() -> None:
    for log in ("話した\x00", "話した\udfff"):
        with pytest.raises(ValidationError, match="conversation_log"):
            Outcome(attempt_id=uuid.uuid4(), disposition="refused", conversation_log=log)


@pytest.mark.parametrize(
    "scope",
    [
        {"min_owed": 2**63},
        {"max_owed": 2**63},
        {"fiscal_years": [10**12]},
        {"fiscal_years": [2**15]},
        {"min_days_past_due": 2**31},
        {"delinquency_categories": ["滞納\x00"]},
    ],
    ids=["min_owed", "max_owed", "fiscal_years", "smallint", "days", "category-nul"],
)
async def test_values_beyond_their_columns_are_refused(
    web_client: Client,
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tenant_code: str,
    scope: dict[str, Any],
) -> None:
    csrf = {"X-CSRF-Token": await supervisor(web_client, pool, tenant_id, tenant_code)}
    preview = await web_client.post("/api/campaigns/preview", json=scope, headers=csrf)
    assert (await refused(preview))["detail"][0]["field"].startswith(next(iter(scope)))
    created = await web_client.post(
        "/api/campaigns", json={"name": "R8", "scope": scope}, headers=csrf
    )
    await refused(created)
    assert await campaigns_of(pool, tenant_id) == 0


async def test_an_oversized_body_is_answered_413_as_json(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    csrf = await supervisor(web_client, pool, tenant_id, tenant_code)
    big = json.dumps({"name": "R8", "scope": {"delinquency_categories": ["x" * 1024] * 1100}})
    response = await web_client.post(
        "/api/campaigns",
        data=io.BytesIO(big.encode()),
        headers={"Content-Type": JSON, "X-CSRF-Token": csrf},
    )
    assert (await refused(response, 413))["error"] == "body_too_large"
    assert await campaigns_of(pool, tenant_id) == 0


async def test_pacing_bodies_go_through_the_same_reader(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "pbx1", "pbx_admin")
    csrf = await log_in(web_client, tenant_code, "pbx1")
    path = f"/api/campaigns/{uuid.uuid4()}/pacing"
    for content_type, data in [
        (f"{JSON}; charset=x-unknown", b"{}"),
        (JSON, b"[" * 100_000),
        (JSON, b'{"dial_template": "PJSIP/{number}@trunk\\u0000"}'),
        (JSON, b'{"no_such_knob_zqx": 1}'),
    ]:
        response = await web_client.put(
            path, data=data, headers={"Content-Type": content_type, "X-CSRF-Token": csrf}
        )
        body = await refused(response)
        assert "zqx" not in json.dumps(body)


QUERIES: dict[str, tuple[str, object]] = {
    "nul": ("select $1::text", "a\x00b"),
    "range": ("select $1::int", 2**40),
    "surrogate": ("select $1::text", "\ud800"),
}


async def test_the_database_refusing_a_value_is_a_400_without_its_words(
    pool: asyncpg.Pool,
) -> None:
    """The backstop: whatever slips past the models, PostgreSQL's data errors are the
    request's fault and its text (which may quote the value) stays inside."""

    async def handler(request: web.Request) -> web.Response:
        await pool.execute(*QUERIES[request.match_info["what"]])
        return web.json_response({})

    app = web.Application(middlewares=[error_middleware])
    app.router.add_get("/{what}", handler)
    async with TestClient(TestServer(app)) as client:
        for what in QUERIES:
            body = json.dumps(await refused(await client.get(f"/{what}")))
            assert '"bad_value"' in body
            for said in ("UTF8", "0x00", "int32", "1099511627776", "surrogates"):
                assert said not in body
