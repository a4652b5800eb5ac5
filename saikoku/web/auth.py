"""Login, logout, and the checks every API request passes: a live session, a CSRF token on
anything that changes state, and the role the route needs. Refusals are access-logged and
answered with a short message that reveals nothing (no personal data, no which-part-was-wrong).
"""

from __future__ import annotations

import contextlib
import hmac
import math
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import asyncpg
import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from saikoku.config.settings import Settings
from saikoku.core.inputs import Text
from saikoku.web.keys import DESK_HUB, LOGIN_THROTTLE, PASSWORDS, POOL, SETTINGS, USER
from saikoku.web.responses import Handler, json_error, parse_body
from store import audit, logins, sessions
from store.db import tenant_scope
from store.logins import LoginRules
from store.sessions import SessionUser

log = structlog.get_logger(__name__)


CSRF_HEADER = "X-CSRF-Token"
# Paths that answer without a session.
PUBLIC_PATHS = frozenset({"/api/login", "/healthz"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextlib.asynccontextmanager
async def tenant_db(request: web.Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection that sees only the logged-in user's tenant (row-level security, migration
    0014): every handler's reads and writes go through one."""
    async with request.app[POOL].acquire() as conn, tenant_scope(conn, request[USER].tenant_id):
        yield conn


def actor_of(request: web.Request) -> audit.Actor:
    user = request[USER]
    return audit.Actor(user.tenant_id, user.user_id, user.login, request.remote)


async def _refuse(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    action: str,
    actor: audit.Actor | None = None,
) -> web.Response:
    if actor is not None:
        await audit.record(
            request.app[POOL],
            actor,
            action,
            object_type="http",
            object_id=f"{request.method} {request.path}",
        )
    log.info("request_refused", code=code, method=request.method, path=request.path)
    return json_error(status, code, message)


async def session_of(request: web.Request) -> SessionUser | None:
    """The user of the request's session cookie, if it is still good."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    idle = timedelta(minutes=request.app[SETTINGS].session_idle_minutes)
    return await sessions.resume(request.app[POOL], token, idle)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/") or request.path in PUBLIC_PATHS:
        return await handler(request)
    user = await session_of(request)
    if user is None:
        return await _refuse(
            request, 401, "login_required", "ログインしてください。", "session_missing"
        )
    request[USER] = user
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not _same(sent, user.csrf_token):
            return await _refuse(
                request,
                403,
                "csrf",
                "画面を読み込み直してください。",
                "csrf_rejected",
                actor_of(request),
            )
    return await handler(request)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def require_role(*roles: str) -> Callable[[Handler], Handler]:
    """Only these roles may call the route; anyone else is refused and access-logged."""

    def wrap(handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            if request[USER].role not in roles:
                return await _refuse(
                    request,
                    403,
                    "forbidden",
                    "この操作の権限がありません。",
                    "forbidden",
                    actor_of(request),
                )
            return await handler(request)

        return checked

    return wrap


_BAD_LOGIN = "ログインID・パスワードが正しくないか、アカウントがロックされています。"
_TOO_MANY = "ログインの試行が多すぎます。しばらく待ってから再度お試しください。"


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: Text = Field(min_length=1, max_length=64)
    login: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=1024)


async def login(request: web.Request) -> web.Response:
    settings: Settings = request.app[SETTINGS]
    body = await parse_body(request, LoginBody)
    throttle = request.app[LOGIN_THROTTLE]
    address, account = request.remote or "", (body.tenant, body.login)
    if wait := throttle.admit(address, account):
        return await _too_many_attempts(request, body, wait)
    rules = LoginRules(
        settings.login_lock_after,
        settings.login_lock_minutes,
        timedelta(hours=settings.session_max_hours),
    )
    session = await logins.log_in(
        request.app[POOL],
        request.app[PASSWORDS],
        body.tenant,
        body.login,
        body.password,
        request.remote,
        rules,
    )
    if session is None:
        return json_error(401, "bad_login", _BAD_LOGIN)
    throttle.succeeded(address, account)
    response = web.json_response(
        {
            "role": session.role,
            "display_name": session.display_name,
            "csrf_token": session.csrf_token,
        }
    )
    response.set_cookie(
        sessions.COOKIE,
        session.token,
        httponly=True,
        samesite="Strict",
        secure=settings.web_cookie_secure,
        path="/",
    )
    return response


async def _too_many_attempts(request: web.Request, body: LoginBody, wait: float) -> web.Response:
    # The same answer whether the account exists; the access log notes it when it does,
    # once per run of refusals.
    if request.app[LOGIN_THROTTLE].first_refusal((body.tenant, body.login)):
        await logins.note_throttled(request.app[POOL], body.tenant, body.login, request.remote)
    refused = json_error(429, "too_many_attempts", _TOO_MANY)
    refused.headers["Retry-After"] = str(math.ceil(wait))
    return refused


async def logout(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        await logins.log_out(conn, request.cookies.get(sessions.COOKIE), actor_of(request))
    desks = request.app.get(DESK_HUB)
    if desks is not None:
        # At once: this session's desktops close, and a desk with no session left signs out.
        await desks.sweep()
    response = web.json_response({"ok": True})
    response.del_cookie(sessions.COOKIE, path="/")
    return response


async def me(request: web.Request) -> web.Response:
    user = request[USER]
    return web.json_response(
        {
            "login": user.login,
            "display_name": user.display_name,
            "role": user.role,
            "csrf_token": user.csrf_token,
            "phone_endpoint": user.phone_endpoint,
        }
    )
