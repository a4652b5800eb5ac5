"""Ward staff's work list of hand-overs (campaigns/handoffs.py): list, take, close."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns import handoffs
from saikoku.core.inputs import Text
from saikoku.web.auth import actor_of, require_role, tenant_db
from saikoku.web.responses import json_ok, parse_body, path_uuid

STAFF = ("staff", "admin")


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Text = Field(min_length=1, max_length=2000)


@require_role(*STAFF)
async def work_list(request: web.Request) -> web.Response:
    async with tenant_db(request) as conn:
        return json_ok(await handoffs.work_list(conn, actor_of(request)))


@require_role(*STAFF)
async def take(request: web.Request) -> web.Response:
    handoff_id = path_uuid(request, "handoff_id")
    async with tenant_db(request) as conn:
        await handoffs.take(conn, actor_of(request), handoff_id)
    return json_ok({"id": handoff_id, "status": "taken"})


@require_role(*STAFF)
async def close(request: web.Request) -> web.Response:
    body = await parse_body(request, CloseBody)
    handoff_id = path_uuid(request, "handoff_id")
    async with tenant_db(request) as conn:
        await handoffs.close(conn, actor_of(request), handoff_id, body.result)
    return json_ok({"id": handoff_id, "status": "closed"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/handoffs", work_list)
    app.router.add_post("/api/handoffs/{handoff_id}/take", take)
    app.router.add_post("/api/handoffs/{handoff_id}/close", close)
