"""The auditor's view of the access log over HTTP, on real PostgreSQL: auditors and admins
only, the tenant's own rows only, filtered by day, login and person, and each look at the log
itself logged."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from saikoku.core.tokyo import TOKYO
from store import audit
from tests.web.conftest import add_user, log_in


async def _person_read(pool: asyncpg.Pool, tenant_id: uuid.UUID, login: str) -> uuid.UUID:
    person = uuid.uuid4()
    await audit.record(
        pool,
        audit.Actor(tenant_id, None, login, "127.0.0.1"),
        "person_viewed",
        object_type="person",
        object_id=person,
        person_id=person,
        reason="screen-pop on connect",
    )
    return person


async def test_an_auditor_sees_who_read_whom_and_the_look_is_logged(
    web_client: TestClient[Any, Any], pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    auditor = await add_user(pool, tenant_id, "kansa", "auditor")
    await add_user(pool, tenant_id, "op1", "operator")
    first = await _person_read(pool, tenant_id, "op1")
    second = await _person_read(pool, tenant_id, "op2")
    other_tenant = await pool.fetchval(
        "insert into tenants (code, name) values ($1, 'other') returning id",
        f"o{uuid.uuid4().hex[:12]}",
    )
    await _person_read(pool, other_tenant, "op1")

    await log_in(web_client, tenant_code, "kansa")
    today = datetime.now(TOKYO).date()
    answer = await web_client.get("/api/audit/reads", params={"from": str(today), "to": str(today)})
    assert answer.status == 200
    rows = (await answer.json())["rows"]
    assert [r["person_id"] for r in rows] == [str(first), str(second)]  # not the other tenant's
    assert rows[0]["reason"] == "screen-pop on connect" and rows[0]["user_login"] == "op1"

    by_login = await (
        await web_client.get(
            "/api/audit/reads", params={"from": str(today), "to": str(today), "login": "op2"}
        )
    ).json()
    assert [r["person_id"] for r in by_login["rows"]] == [str(second)]
    by_person = await (
        await web_client.get(
            "/api/audit/reads", params={"from": str(today), "to": str(today), "person": str(first)}
        )
    ).json()
    assert [r["person_id"] for r in by_person["rows"]] == [str(first)]
    yesterday = today - timedelta(days=1)
    earlier = await (
        await web_client.get(
            "/api/audit/reads", params={"from": str(yesterday), "to": str(yesterday)}
        )
    ).json()
    assert earlier["rows"] == []

    looks = await pool.fetch(
        "select reason, detail from audit_log where user_id = $1 and action = 'access_log_read'"
        " order by seq",
        auditor,
    )
    assert len(looks) == 4 and looks[0]["reason"] == "page"


async def test_only_auditors_and_admins_read_the_access_log(
    web_client: TestClient[Any, Any], pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "sv", "supervisor")
    await log_in(web_client, tenant_code, "sv")
    today = str(datetime.now(TOKYO).date())
    refused = await web_client.get("/api/audit/reads", params={"from": today, "to": today})
    assert refused.status == 403


async def test_a_bad_range_is_a_clear_400(
    web_client: TestClient[Any, Any], pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "kansa", "auditor")
    await log_in(web_client, tenant_code, "kansa")
    for params in (
        {"from": "2026-12-07", "to": "2026-12-01"},
        {"from": "yesterday", "to": "x"},
        {"to": "2026-12-01"},
        {"from": "2026-12-01", "to": "2026-12-01", "person": "p"},
    ):
        answer = await web_client.get("/api/audit/reads", params=params)
        assert answer.status == 400, params
        assert (await answer.json())["error"] == "bad_request"
