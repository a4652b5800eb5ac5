"""The operator's JSON API for availability: sign in (their phone is called and kept open),
ready / pause (also ends wrap-up), sign out. The desktop page comes on top of this."""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ari_bridge.call_center import CallCenter
from dialer.operators import OperatorStateError
from saikoku.errors import NotReadyError, PbxError
from saikoku.web.auth import require_role
from saikoku.web.keys import USER
from saikoku.web.responses import json_error, json_ok, parse_body

log = structlog.get_logger(__name__)

CALL_CENTER = web.AppKey("call_center", CallCenter)


class ReadyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ready: bool


def _state(request: web.Request) -> web.Response:
    operator = request.app[CALL_CENTER].desk.get(request[USER].user_id)
    return json_ok({
        "state": operator.state.value if operator else "offline",
        "phone_endpoint": request[USER].phone_endpoint,
    })


@require_role("operator")
async def get_state(request: web.Request) -> web.Response:
    return _state(request)


@require_role("operator")
async def sign_in(request: web.Request) -> web.Response:
    user = request[USER]
    if not user.phone_endpoint:
        return json_error(409, "no_phone",
                          "電話機が割り当てられていません。管理者に連絡してください。")
    try:
        await request.app[CALL_CENTER].sign_in(user.user_id, user.tenant_id, user.phone_endpoint)
    except OperatorStateError as exc:
        return json_error(409, "wrong_state", str(exc))
    except (PbxError, NotReadyError) as exc:
        log.warning("operator_phone_call_failed", error=str(exc))
        return json_error(503, "pbx_unavailable", "電話機を呼び出せませんでした。")
    return _state(request)


@require_role("operator")
async def set_ready(request: web.Request) -> web.Response:
    body = await parse_body(request, ReadyBody)
    try:
        await request.app[CALL_CENTER].set_ready(request[USER].user_id, body.ready)
    except OperatorStateError as exc:
        return json_error(409, "wrong_state", str(exc))
    return _state(request)


@require_role("operator")
async def end_call(request: web.Request) -> web.Response:
    if not await request.app[CALL_CENTER].end_call(request[USER].user_id):
        return json_error(409, "no_call", "通話中ではありません。")
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
