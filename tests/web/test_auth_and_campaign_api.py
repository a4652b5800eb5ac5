"""Logins, sessions, CSRF and roles, and the campaign API, over real HTTP and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from campaigns.linkage.importer import import_files
from tests.db.linkage_files import small_export
from tests.web.conftest import PASSWORD, add_user, log_in

Client = TestClient[Any, Any]


async def audit_actions(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> list[str]:
    rows = await pool.fetch(
        "select action from audit_log where tenant_id = $1 order by id", tenant_id
    )
    return [r["action"] for r in rows]


async def test_wrong_password_is_refused_logged_and_locks_after_five(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    for _ in range(5):
        bad = await web_client.post(
            "/api/login", json={"tenant": tenant_code, "login": "op1", "password": "nope-nope-1"}
        )
        assert bad.status == 401
        assert "csrf_token" not in await bad.json()
    # Locked now: even the right password is refused, with the same message.
    locked = await web_client.post(
        "/api/login", json={"tenant": tenant_code, "login": "op1", "password": PASSWORD}
    )
    assert locked.status == 401
    assert (await audit_actions(pool, tenant_id)) == ["login_failed"] * 6
    unknown = await web_client.post(
        "/api/login", json={"tenant": tenant_code, "login": "ghost", "password": PASSWORD}
    )
    assert (await unknown.json())["message"] == (await locked.json())["message"]


async def test_session_cookie_me_and_logout(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    assert (await web_client.get("/api/me")).status == 401
    await add_user(pool, tenant_id, "sv1", "supervisor")
    csrf = await log_in(web_client, tenant_code, "sv1")
    me = await (await web_client.get("/api/me")).json()
    assert me["role"] == "supervisor" and me["csrf_token"] == csrf
    # The table holds only a hash of the cookie's token.
    token = web_client.session.cookie_jar.filter_cookies(web_client.make_url("/"))[
        "saikoku_session"
    ].value
    assert (
        await pool.fetchval(
            "select count(*) from web_sessions where token_hash = convert_to($1, 'utf8')", token
        )
        == 0
    )
    assert (await web_client.post("/api/logout", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await web_client.get("/api/me")).status == 401
    assert await audit_actions(pool, tenant_id) == ["login", "logout"]


async def test_missing_or_forged_csrf_token_is_refused_and_logged(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "sv1", "supervisor")
    csrf = await log_in(web_client, tenant_code, "sv1")
    body = {"name": "R8 現年"}
    assert (await web_client.post("/api/campaigns", json=body)).status == 403
    forged = await web_client.post(
        "/api/campaigns", json=body, headers={"X-CSRF-Token": csrf[:-2] + "xx"}
    )
    assert forged.status == 403
    assert (
        await pool.fetchval("select count(*) from campaigns where tenant_id = $1", tenant_id) == 0
    )
    assert (await audit_actions(pool, tenant_id)).count("csrf_rejected") == 2
    ok = await web_client.post("/api/campaigns", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status == 201


async def test_an_operator_may_not_manage_campaigns(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    await add_user(pool, tenant_id, "op1", "operator")
    csrf = await log_in(web_client, tenant_code, "op1")
    assert (await web_client.get("/api/campaigns")).status == 403
    refused = await web_client.post(
        "/api/campaigns", json={"name": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status == 403
    row = await pool.fetchrow(
        "select user_login, object_id from audit_log where tenant_id = $1 and action = 'forbidden'"
        " order by id desc limit 1",
        tenant_id,
    )
    assert row["user_login"] == "op1" and row["object_id"] == "POST /api/campaigns"


async def test_supervisor_previews_creates_plans_and_runs_a_campaign(
    web_client: Client,
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tenant_code: str,
    tmp_path: Path,
) -> None:
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    await add_user(pool, tenant_id, "sv1", "supervisor")
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "sv1")}
    counts = await (await web_client.post("/api/campaigns/preview", json={}, headers=csrf)).json()
    assert counts["to_call"] == 1 and counts["letters"] == 1
    bad = await web_client.post("/api/campaigns/preview", json={"min_owed": -5}, headers=csrf)
    assert bad.status == 400 and (await bad.json())["detail"][0]["field"] == "min_owed"

    created = await (
        await web_client.post("/api/campaigns", json={"name": "R8 現年"}, headers=csrf)
    ).json()
    cid = created["id"]
    dup = await web_client.post("/api/campaigns", json={"name": "R8 現年"}, headers=csrf)
    assert dup.status == 409
    twice = await web_client.post(
        f"/api/campaigns/{cid}/plan", json={"priority": ["age", "age"]}, headers=csrf
    )
    assert twice.status == 400
    planned = await web_client.post(
        f"/api/campaigns/{cid}/plan", json={"priority": ["age", "owed"]}, headers=csrf
    )
    assert (await planned.json())["to_call"] == 1
    assert await pool.fetchval(
        "select priority_order from campaigns where id = $1", uuid.UUID(cid)
    ) == ["age", "owed"]
    for state in ("ready", "running", "paused"):
        moved = await web_client.post(
            f"/api/campaigns/{cid}/status", json={"to": state, "reason": "テスト"}, headers=csrf
        )
        assert moved.status == 200, await moved.text()
    wrong = await web_client.post(
        f"/api/campaigns/{cid}/status", json={"to": "draft"}, headers=csrf
    )
    assert wrong.status == 409 and "paused" in (await wrong.json())["message"]
    history = await (await web_client.get(f"/api/campaigns/{cid}/status")).json()
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == [
        ("draft", "ready", "sv1"),
        ("ready", "running", "sv1"),
        ("running", "paused", "sv1"),
    ]
    listed = await (await web_client.get("/api/campaigns")).json()
    assert [(c["name"], c["status"], c["targets"]) for c in listed] == [("R8 現年", "paused", 1)]


async def test_a_campaign_of_another_tenant_cannot_be_touched(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    other = await pool.fetchval(
        "insert into tenants (code, name) values ($1, '他課') returning id",
        "o_" + uuid.uuid4().hex[:12],
    )
    owner = await add_user(pool, other, "sv9", "supervisor")
    foreign = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, '他課の', $2)"
        " returning id",
        other,
        owner,
    )
    await add_user(pool, tenant_id, "sv1", "supervisor")
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "sv1")}
    moved = await web_client.post(
        f"/api/campaigns/{foreign}/status", json={"to": "ready"}, headers=csrf
    )
    assert moved.status == 409
    assert await pool.fetchval("select status from campaigns where id = $1", foreign) == "draft"
    assert await (await web_client.get("/api/campaigns")).json() == []


async def test_pacing_knobs_are_validated_and_every_change_recorded(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    owner = await add_user(pool, tenant_id, "sv1", "supervisor")
    await add_user(pool, tenant_id, "pbx1", "pbx_admin")
    cid = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'R8', $2) returning id",
        tenant_id,
        owner,
    )
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "pbx1")}
    assert (await (await web_client.get(f"/api/campaigns/{cid}/pacing")).json())[
        "mode"
    ] == "predictive"
    short_ring = await web_client.put(
        f"/api/campaigns/{cid}/pacing", json={"ring_timeout_s": 10}, headers=csrf
    )
    assert short_ring.status == 400 and "ring_timeout_s" in (await short_ring.json())["message"]
    over_cap = await web_client.put(
        f"/api/campaigns/{cid}/pacing", json={"target_abandon_pct": 4}, headers=csrf
    )
    assert over_cap.status == 400
    ok = await web_client.put(
        f"/api/campaigns/{cid}/pacing", json={"mode": "progressive", "cps_limit": 5}, headers=csrf
    )
    assert ok.status == 200
    changes = await (await web_client.get(f"/api/campaigns/{cid}/pacing/changes")).json()
    assert len(changes) == 1 and changes[0]["changed_by"] == "pbx1"
    assert changes[0]["before"] == {} and changes[0]["after"]["cps_limit"] == 5
    # A supervisor sees the knobs but may not change them.
    await web_client.post("/api/logout", headers=csrf)
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "sv1")}
    refused = await web_client.put(f"/api/campaigns/{cid}/pacing", json={}, headers=csrf)
    assert refused.status == 403


async def test_a_dial_template_that_would_inject_ami_headers_is_refused(
    web_client: Client, pool: asyncpg.Pool, tenant_id: uuid.UUID, tenant_code: str
) -> None:
    owner = await add_user(pool, tenant_id, "sv1", "supervisor")
    await add_user(pool, tenant_id, "pbx1", "pbx_admin")
    cid = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'R8', $2) returning id",
        tenant_id,
        owner,
    )
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "pbx1")}
    for template in (
        "PJSIP/{number}@trunk\r\nAction: Command\r\nCommand: core stop now",
        "PJSIP/{number}@trunk\n",
        "Local/{number}@saikoku-outbound",
    ):
        refused = await web_client.put(
            f"/api/campaigns/{cid}/pacing", json={"dial_template": template}, headers=csrf
        )
        assert refused.status == 400
        answer = await refused.json()
        assert answer["error"] == "bad_pacing" and "dial_template" in answer["message"]
    assert await pool.fetchval("select pacing from campaigns where id = $1", cid) == "{}"
    assert (await (await web_client.get(f"/api/campaigns/{cid}/pacing/changes")).json()) == []


async def test_a_tenant_with_pacing_changes_and_sessions_can_be_erased(
    web_client: Client, pool: asyncpg.Pool, tenant_code: str
) -> None:
    tenant_id = await pool.fetchval("select id from tenants where code = $1", tenant_code)
    owner = await add_user(pool, tenant_id, "sv1", "supervisor")
    await add_user(pool, tenant_id, "pbx1", "pbx_admin")
    cid = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'R8', $2) returning id",
        tenant_id,
        owner,
    )
    csrf = {"X-CSRF-Token": await log_in(web_client, tenant_code, "pbx1")}
    assert (
        await web_client.put(f"/api/campaigns/{cid}/pacing", json={"cps_limit": 5}, headers=csrf)
    ).status == 200
    await pool.execute("delete from tenants where id = $1", tenant_id)
    assert (
        await pool.fetchval(
            "select count(*) from campaign_pacing_changes where tenant_id = $1", tenant_id
        )
        == 0
    )
