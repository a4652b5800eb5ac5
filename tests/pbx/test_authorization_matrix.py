"""Who may call what: every route of the whole service (the rig's, so the operator's routes are
there too) × every role and no login × an object of one's own tenant and of another tenant.

The expected answers are written here, not read from the code: a route added without an entry
in ACCESS fails the test, and so does a route that answers a role it should refuse, refuses a
role it should serve, serves another tenant's object, or answers 5xx to anyone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from saikoku.web.keys import POOL
from store.passwords import hash_password
from tests.pbx.conftest import BASE_URL

ROLES = ("operator", "supervisor", "staff", "admin", "auditor", "pbx_admin")
PUBLIC = "public"  # anyone, no login
LOGGED_IN = "any"  # any role, logged in
READERS = ("supervisor", "admin", "pbx_admin", "staff", "auditor")

# (method, route as registered) → who may call it.
ACCESS: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("GET", "/desk"): PUBLIC,
    ("GET", "/console"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/api/login"): PUBLIC,
    ("POST", "/api/logout"): LOGGED_IN,
    ("GET", "/api/me"): LOGGED_IN,
    ("GET", "/api/campaigns"): READERS,
    ("POST", "/api/campaigns"): ("supervisor", "admin"),
    ("POST", "/api/campaigns/preview"): ("supervisor", "admin"),
    ("POST", "/api/campaigns/{campaign_id}/plan"): ("supervisor", "admin"),
    ("POST", "/api/campaigns/{campaign_id}/status"): ("supervisor", "admin"),
    ("GET", "/api/campaigns/{campaign_id}/status"): READERS,
    ("GET", "/api/campaigns/{campaign_id}/pacing"): ("pbx_admin", "admin", "supervisor"),
    ("PUT", "/api/campaigns/{campaign_id}/pacing"): ("pbx_admin", "admin"),
    ("GET", "/api/campaigns/{campaign_id}/pacing/changes"): (
        "pbx_admin",
        "admin",
        "supervisor",
        "auditor",
    ),
    ("GET", "/api/handoffs"): ("staff", "admin"),
    ("POST", "/api/handoffs/{handoff_id}/take"): ("staff", "admin"),
    ("POST", "/api/handoffs/{handoff_id}/close"): ("staff", "admin"),
    ("GET", "/api/recordings"): ("supervisor", "staff", "admin"),
    ("GET", "/api/recordings/{attempt_id}"): ("supervisor", "staff", "admin"),
    ("GET", "/api/audit/reads"): ("auditor", "admin"),
    ("GET", "/api/operator/state"): ("operator",),
    ("POST", "/api/operator/sign-in"): ("operator",),
    ("POST", "/api/operator/ready"): ("operator",),
    ("POST", "/api/operator/hang-up"): ("operator",),
    ("POST", "/api/operator/sign-out"): ("operator",),
    ("GET", "/api/operator/ws"): ("operator",),
    ("GET", "/api/operator/person/{person_id}"): ("operator",),
    ("POST", "/api/operator/outcome"): ("operator",),
    ("POST", "/api/operator/preview/next"): ("operator",),
    ("POST", "/api/operator/preview/dial"): ("operator",),
    ("POST", "/api/operator/preview/skip"): ("operator",),
}

# Bodies that pass validation, so an allowed caller gets as far as the object (or the state
# check) and never changes anything that matters to the next case.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/campaigns"): {"name": "matrix"},
    ("POST", "/api/campaigns/{campaign_id}/status"): {"to": "completed"},  # refused from draft
    ("PUT", "/api/campaigns/{campaign_id}/pacing"): {"mode": "progressive"},
    ("POST", "/api/handoffs/{handoff_id}/close"): {"result": "matrix"},
    ("POST", "/api/operator/ready"): {"ready": True},
    ("POST", "/api/operator/outcome"): {"attempt_id": str(uuid.uuid4()), "disposition": "refused"},
    ("POST", "/api/operator/preview/dial"): {"target_id": str(uuid.uuid4())},
    ("POST", "/api/operator/preview/skip"): {"reason": "not_now"},
}
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/audit/reads"): {"from": "2026-12-01", "to": "2026-12-07"},
}
# Answers an allowed caller may get here (no phone, not on a call, state, a body refused…).
SERVED = {200, 201, 400, 404, 409}
# Routes an allowed operator is still refused on, by the object rule: a person not on their
# call.
REFUSED_BY_OBJECT = {("GET", "/api/operator/person/{person_id}")}
# Skipped when run: the logout would end the session the other cases use (it has its own
# tests), and a redirect is not an answer to check.
NOT_RUN = {("POST", "/api/logout"), ("POST", "/api/login"), ("GET", "/")}


@dataclass
class Tenant:
    id: uuid.UUID
    code: str
    objects: dict[str, uuid.UUID]


async def _tenant(pool: asyncpg.Pool) -> Tenant:
    code = f"m{uuid.uuid4().hex[:12]}"
    tenant_id = await pool.fetchval(
        "insert into tenants (code, name) values ($1, 'matrix') returning id", code
    )
    users = {}
    for role in ROLES:
        users[role] = await pool.fetchval(
            "insert into users (tenant_id, login_id, display_name, role, password_hash)"
            " values ($1, $2, $2, $2, $3) returning id",
            tenant_id,
            role,
            hash_password(role * 2),
        )
    person = await pool.fetchval(
        "insert into persons (tenant_id, resident_number, name_raw, name)"
        " values ($1, 'M1', '行列 太郎', '行列 太郎') returning id",
        tenant_id,
    )
    campaign = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'matrix', $2)"
        " returning id",
        tenant_id,
        users["supervisor"],
    )
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, person_id, dial_string, status)"
        " values ($1, $2, 'x', 'completed') returning id",
        tenant_id,
        person,
    )
    handoff = await pool.fetchval(
        "insert into handoffs (tenant_id, person_id, attempt_id, note, created_by)"
        " values ($1, $2, $3, 'matrix', $4) returning id",
        tenant_id,
        person,
        attempt,
        users["operator"],
    )
    return Tenant(
        tenant_id,
        code,
        {
            "campaign_id": campaign,
            "handoff_id": handoff,
            "attempt_id": attempt,
            "person_id": person,
        },
    )


@pytest.fixture
async def tenants(service: web.Application) -> AsyncIterator[tuple[Tenant, Tenant]]:
    pool: asyncpg.Pool = service[POOL]
    yield await _tenant(pool), await _tenant(pool)


async def _session(
    base: str, tenant: Tenant, role: str | None
) -> tuple[aiohttp.ClientSession, dict[str, str]]:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    if role is None:
        return http, {}
    async with http.post(
        base + "/api/login", json={"tenant": tenant.code, "login": role, "password": role * 2}
    ) as response:
        assert response.status == 200, role
        return http, {"X-CSRF-Token": (await response.json())["csrf_token"]}


def _routes(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if path and route.method != "HEAD" and not path.startswith("/static"):
            found.add((route.method, path))
    return found


def test_every_route_has_an_entry(service: web.Application) -> None:
    unlisted = _routes(service) - set(ACCESS)
    assert not unlisted, f"routes with no entry in ACCESS: {sorted(unlisted)}"
    gone = set(ACCESS) - _routes(service)
    assert not gone, f"entries for routes that no longer exist: {sorted(gone)}"


async def test_every_route_answers_each_role_as_written(
    service: web.Application, tenants: tuple[Tenant, Tenant]
) -> None:
    own, other = tenants
    base = service[BASE_URL]
    wrong: list[str] = []
    for role in (None, *ROLES):
        http, headers = await _session(base, own, role)
        async with http:
            for (method, route), who in sorted(ACCESS.items()):
                if (method, route) in NOT_RUN:
                    continue
                for owner in (own, other) if "{" in route else (own,):
                    path = route.format(**{k: str(v) for k, v in owner.objects.items()})
                    async with http.request(
                        method,
                        base + path,
                        json=BODIES.get((method, route)),
                        params=QUERIES.get((method, route)),
                        headers=headers,
                        allow_redirects=False,
                    ) as response:
                        status = response.status
                    whose = "own" if owner is own else "other"
                    case = f"{role or 'no login'} {method} {path} ({whose})"
                    expected = _expected(method, route, who, role, owner is own)
                    if status not in expected:
                        wrong.append(f"{case}: {status}, expected one of {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def _expected(
    method: str, route: str, who: str | tuple[str, ...], role: str | None, own_object: bool
) -> set[int]:
    if who == PUBLIC:
        return {200}
    if role is None:
        return {401}
    if who != LOGGED_IN and role not in who:
        return {403}
    if (method, route) in REFUSED_BY_OBJECT:
        return {403}
    if not own_object:
        # Another tenant's object: as if it did not exist (or could not be taken).
        return {404, 409}
    return SERVED
