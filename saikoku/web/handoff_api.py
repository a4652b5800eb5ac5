"""Ward staff's work list: persons operators handed over (consultation needed), with the note
and the conversation log; staff take one and close it with a result. Every listed person is a
read of personal data and is access-logged."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from saikoku import audit
from saikoku.web.auth import actor_of, require_role
from saikoku.web.keys import POOL, USER
from saikoku.web.responses import json_error, json_ok, parse_body, path_uuid

STAFF = ("staff", "admin")

LIST_SQL = """
select h.id, h.status, h.note, h.created_at, h.taken_at, t.login_id as taken_by,
       p.id as person_id, p.name, p.name_kana, o.login_id as handed_over_by,
       (select string_agg(c.body, E'\\n' order by c.created_at) from conversation_logs c
         where c.attempt_id = h.attempt_id) as conversation_log
  from handoffs h join persons p on p.id = h.person_id
  join users o on o.id = h.created_by left join users t on t.id = h.taken_by
 where h.tenant_id = $1 and h.status <> 'closed'
 order by h.created_at
"""


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: str = Field(min_length=1, max_length=2000)


@require_role(*STAFF)
async def work_list(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn, conn.transaction():
        rows = await conn.fetch(LIST_SQL, request[USER].tenant_id)
        for row in rows:
            await audit.record(conn, actor_of(request), "person_viewed", object_type="handoff",
                               object_id=row["id"], person_id=row["person_id"],
                               reason="hand-off work list")
    return json_ok([dict(r) for r in rows])


@require_role(*STAFF)
async def take(request: web.Request) -> web.Response:
    user = request[USER]
    taken = await request.app[POOL].fetchval(
        "update handoffs set status = 'taken', taken_by = $3, taken_at = now()"
        " where tenant_id = $1 and id = $2 and status = 'open' returning id",
        user.tenant_id, path_uuid(request, "handoff_id"), user.user_id)
    if taken is None:
        return json_error(409, "not_open", "この引継ぎは受付済みか、終了しています。")
    await audit.record(request.app[POOL], actor_of(request), "handoff_taken",
                       object_type="handoff", object_id=taken)
    return json_ok({"id": taken, "status": "taken"})


@require_role(*STAFF)
async def close(request: web.Request) -> web.Response:
    body = await parse_body(request, CloseBody)
    user = request[USER]
    closed = await request.app[POOL].fetchval(
        "update handoffs set status = 'closed', closed_at = now(), result = $4"
        " where tenant_id = $1 and id = $2 and status = 'taken' and taken_by = $3 returning id",
        user.tenant_id, path_uuid(request, "handoff_id"), user.user_id, body.result)
    if closed is None:
        return json_error(409, "not_yours", "受付した引継ぎだけを終了できます。")
    await audit.record(request.app[POOL], actor_of(request), "handoff_closed",
                       object_type="handoff", object_id=closed)
    return json_ok({"id": closed, "status": "closed"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/handoffs", work_list)
    app.router.add_post("/api/handoffs/{handoff_id}/take", take)
    app.router.add_post("/api/handoffs/{handoff_id}/close", close)
