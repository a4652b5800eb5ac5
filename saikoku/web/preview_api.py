"""Preview mode for operators (dialer/preview.py): show the next person, then dial them or skip
them with a reason."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from campaigns.dialing import SkipReason
from saikoku.core.errors import NotFound
from saikoku.web.auth import actor_of, require_role
from saikoku.web.keys import PREVIEW, USER
from saikoku.web.responses import json_ok, parse_body


class DialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: UUID


class SkipBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: UUID
    reason: SkipReason


@require_role("operator")
async def next_record(request: web.Request) -> web.Response:
    record = await request.app[PREVIEW].next_record(actor_of(request))
    if record is None:
        raise NotFound("発信できる案件はありません。", code="none")
    return json_ok(record)


@require_role("operator")
async def dial(request: web.Request) -> web.Response:
    body = await parse_body(request, DialBody)
    user = request[USER]
    attempt_id = await request.app[PREVIEW].dial(user.tenant_id, user.user_id, body.target_id)
    return json_ok({"attempt_id": attempt_id})


@require_role("operator")
async def skip(request: web.Request) -> web.Response:
    body = await parse_body(request, SkipBody)
    await request.app[PREVIEW].skip(actor_of(request), body.target_id, body.reason)
    return json_ok({"skipped": True})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/operator/preview/next", next_record)
    app.router.add_post("/api/operator/preview/dial", dial)
    app.router.add_post("/api/operator/preview/skip", skip)
