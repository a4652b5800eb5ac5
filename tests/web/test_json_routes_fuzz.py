"""A property-based fuzz of every JSON route: generated bodies (random structures, huge
numbers, odd text) sent as each role, and as no one. Nothing may answer 5xx, and a refusal is
JSON with `error` and `message` that never repeats a string that was sent."""

from __future__ import annotations

import json
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from campaigns.outcomes import Outcome, Promise
from dialer.pacing.settings import AmdParameters, PacingSettings
from saikoku.config.settings import Settings
from saikoku.web import auth, campaign_api, handoff_api, operator_api, preview_api
from saikoku.web.app import create_app
from store import sessions
from tests.web.conftest import PASSWORD, add_user, with_desk_side

ROLES = ("operator", "supervisor", "staff", "admin", "auditor", "pbx_admin")
# Every sent string starts with this, so an answer repeating any part of one is caught.
CANARY = "zqxj"
# Not JSON: the desktop's WebSocket.
NOT_JSON = frozenset({"/api/operator/ws"})
MODELS: tuple[type[BaseModel], ...] = (
    auth.LoginBody,
    campaign_api.CreateBody,
    campaign_api.ScopeBody,
    campaign_api.TransitionBody,
    operator_api.ReadyBody,
    preview_api.DialBody,
    handoff_api.CloseBody,
    Outcome,
    Promise,
    PacingSettings,
    AmdParameters,
)
FIELDS = sorted({name for model in MODELS for name in model.model_fields})


@dataclass
class Session:
    token: str = ""
    csrf: str = ""


@dataclass
class FuzzEnv:
    client: TestClient[Any, Any]
    tenant: str
    ids: dict[str, str]
    routes: list[tuple[str, str]]
    sessions: dict[str, Session] = field(default_factory=dict)

    async def log_in(self, role: str) -> None:
        response = await self.client.post(
            "/api/login", json={"tenant": self.tenant, "login": role, "password": PASSWORD}
        )
        assert response.status == 200, await response.text()
        self.sessions[role] = Session(
            response.cookies[sessions.COOKIE].value, (await response.json())["csrf_token"]
        )


@pytest.fixture
async def fuzz_env(
    settings: Settings, pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> AsyncIterator[FuzzEnv]:
    app = with_desk_side(create_app(settings, with_pbx=False))
    routes = sorted(
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.resource.canonical not in NOT_JSON
        and route.method != "HEAD"
    )
    users = {role: await add_user(pool, tenant_id, role, role) for role in ROLES}
    campaign = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'R8', $2) returning id",
        tenant_id,
        users["supervisor"],
    )
    tenant = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    ids = {"campaign_id": str(campaign), "person_id": str(uuid.uuid4())}
    async with TestClient(TestServer(app), cookie_jar=DummyCookieJar()) as client:
        env = FuzzEnv(client, tenant, ids, routes)
        for role in ROLES:
            await env.log_in(role)
        yield env


ODD = st.sampled_from(
    [
        *("\x00", "\ud800", "\udfff", "\ufeff", "\u202e", "\u2028", "\U0001f600", "\\", '"', "'"),
        *("{number}", "%s", "\r\n", "ｱ", "髙"),
    ]
)
texts = st.lists(st.one_of(st.characters(), ODD), max_size=8).map(lambda s: CANARY + "".join(s))
numbers = st.one_of(
    st.integers(),
    st.sampled_from([2**15, 2**31, 2**63, -(2**63) - 1, 10**12, 10**30, 10**400, 0, -1]),
    st.floats(),
)
# Values a field could take, so some bodies get past the models to the database.
plausible = st.sampled_from(
    [
        *("ready", "draft", "running", "resident", "light_vehicle", "predictive", "refused"),
        *("callback", "promise_to_pay", "2030-04-01", "2030-04-01T10:00:00+09:00", "tax"),
        *(str(uuid.UUID(int=1)), "PJSIP/{number}@trunk"),
    ]
)
leaves = st.one_of(st.none(), st.booleans(), numbers, texts, plausible)
objects = st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), leaves, max_size=6)
values = st.recursive(
    st.one_of(leaves, objects),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), texts), inner, max_size=6),
    ),
    max_leaves=12,
)
JSON_TYPES = ["application/json", "application/json; charset=utf-8"]
raw_bodies = st.sampled_from(
    [
        ("application/json; charset=x-unknown", b"{}"),
        ("application/json", b"[" * 50_000),
        ("application/json", b'{"name": "\xff"}'),
        ("application/json", b"{"),
        ("text/plain", b"{}"),
        ("application/x-www-form-urlencoded", b"name=" + CANARY.encode()),
    ]
)
bodies = st.one_of(
    st.tuples(st.sampled_from(JSON_TYPES), values.map(lambda v: json.dumps(v).encode())),
    st.tuples(st.sampled_from(JSON_TYPES), objects.map(lambda v: json.dumps(v).encode())),
    raw_bodies,
)
path_garbage = st.text(string.ascii_letters + string.digits + "-_.~", max_size=10).map(
    lambda s: CANARY + s
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_json_route_answers_5xx_or_repeats_what_was_sent(
    fuzz_env: FuzzEnv, data: st.DataObject
) -> None:
    method, path = data.draw(st.sampled_from(fuzz_env.routes), label="route")
    for name, real in [*fuzz_env.ids.items(), ("handoff_id", None), ("attempt_id", None)]:
        if "{" + name + "}" in path:
            choices = [str(uuid.uuid4())] + ([real] if real else [])
            value = data.draw(st.one_of(st.sampled_from(choices), path_garbage), label=name)
            path = path.replace("{" + name + "}", value)
    content_type, body = data.draw(bodies, label="body")
    for role in (None, *ROLES):
        headers = {"Content-Type": content_type}
        if role is not None:
            session = fuzz_env.sessions[role]
            headers |= {
                "Cookie": f"{sessions.COOKIE}={session.token}",
                "X-CSRF-Token": session.csrf,
            }
        response = await fuzz_env.client.request(method, path, data=body, headers=headers)
        text = await response.text()
        assert response.status < 500, (method, path, role, body, text)
        if response.status >= 400:
            assert response.content_type == "application/json", (method, path, role, text)
            answer = json.loads(text)
            assert answer["error"] and answer["message"], text
            assert CANARY not in text, (method, path, role, body, text)
        if path == "/api/logout" and role is not None and response.status == 200:
            await fuzz_env.log_in(role)  # the next examples still act as this role
