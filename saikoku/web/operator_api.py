"""The operator's JSON API for availability: sign in (their phone is called and kept open),
ready / pause (also ends wrap-up), sign out. The desktop page comes on top of this."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns import outcomes
from campaigns.outcomes import Outcome
from campaigns.person_card import open_card_on_call
from dialer.operators import OperatorState
from saikoku.core.errors import Conflict, Forbidden
from saikoku.core.inputs import Text
from saikoku.core.tokyo import TOKYO
from saikoku.web.auth import actor_of, require_role, tenant_db
from saikoku.web.keys import CALL_CENTER, DESK_HUB, USER
from saikoku.web.responses import json_ok, parse_body, path_uuid


class ReadyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ready: bool
    reason: Text | None = Field(default=None, max_length=100)  # why paused (休憩, 研修…)


def _state(request: web.Request) -> web.Response:
    operator = request.app[CALL_CENTER].desk.get(request[USER].user_id)
    return json_ok(
        {
            "state": operator.state.value if operator else "offline",
            "phone_endpoint": request[USER].phone_endpoint,
            "attempt_id": operator.card_attempt_id if operator else None,
        }
    )


@require_role("operator")
async def get_state(request: web.Request) -> web.Response:
    return _state(request)


@require_role("operator")
async def sign_in(request: web.Request) -> web.Response:
    user = request[USER]
    if not user.phone_endpoint:
        raise Conflict(
            "電話機が割り当てられていません。管理者に連絡してください。", code="no_phone"
        )
    await request.app[DESK_HUB].sign_in(user.user_id, user.tenant_id, user.phone_endpoint)
    return _state(request)


@require_role("operator")
async def set_ready(request: web.Request) -> web.Response:
    body = await parse_body(request, ReadyBody)
    center, user = request.app[CALL_CENTER], request[USER]
    operator = center.desk.get(user.user_id)
    wrapping_up = operator.card_attempt_id if operator is not None else None
    if body.ready and operator is not None and operator.state is OperatorState.WRAP_UP:
        async with tenant_db(request) as conn:
            saved = wrapping_up is None or await outcomes.has_outcome(conn, wrapping_up)
        if not saved:
            raise Conflict("応対結果を保存してください。", code="outcome_missing")
    await center.set_ready(user.user_id, body.ready, reason=body.reason)
    return _state(request)


@require_role("operator")
async def desktop_socket(request: web.Request) -> web.StreamResponse:
    # Browsers send cookies with cross-site WebSocket handshakes: only our own pages may open it.
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        raise Forbidden("forbidden origin", code="origin")
    user = request[USER]
    return await request.app[DESK_HUB].serve(
        request, user.user_id, user.login, actor_of(request), user.session_key
    )


@require_role("operator")
async def person_card(request: web.Request) -> web.Response:
    """The card of the person on the operator's call, while they talk or wrap it up — no one
    else's, and not theirs once the wrap-up is over."""
    user = request[USER]
    person_id = path_uuid(request, "person_id")
    operator = request.app[CALL_CENTER].desk.get(user.user_id)
    attempt_id = operator.card_attempt_id if operator else None
    async with tenant_db(request) as conn:
        card = await open_card_on_call(
            conn, actor_of(request), person_id, attempt_id, reason="opened on desktop"
        )
    return json_ok(card)


@require_role("operator")
async def save_outcome(request: web.Request) -> web.Response:
    body = await parse_body(request, Outcome)
    async with tenant_db(request) as conn:
        await outcomes.save(conn, actor_of(request), body, datetime.now(TOKYO))
    return json_ok({"saved": True, "attempt_id": body.attempt_id})


@require_role("operator")
async def end_call(request: web.Request) -> web.Response:
    if not await request.app[CALL_CENTER].end_call(request[USER].user_id):
        raise Conflict("通話中ではありません。", code="no_call")
    return _state(request)


@require_role("operator")
async def sign_out(request: web.Request) -> web.Response:
    user = request[USER]
    await request.app[CALL_CENTER].sign_out(user.user_id, by=user.user_id)
    return _state(request)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/operator/state", get_state)
    app.router.add_post("/api/operator/sign-in", sign_in)
    app.router.add_post("/api/operator/ready", set_ready)
    app.router.add_post("/api/operator/hang-up", end_call)
    app.router.add_post("/api/operator/sign-out", sign_out)
    app.router.add_get("/api/operator/ws", desktop_socket)
    app.router.add_get("/api/operator/person/{person_id}", person_card)
    app.router.add_post("/api/operator/outcome", save_outcome)
