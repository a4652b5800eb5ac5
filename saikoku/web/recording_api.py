"""Playback of call recordings for supervisors and ward staff (never operators); every
playback is access-logged with the person the call was with."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from saikoku import audit
from saikoku.web.auth import actor_of, require_role
from saikoku.web.keys import POOL, USER
from saikoku.web.responses import json_error, json_ok, path_uuid


@require_role("supervisor", "staff", "admin")
async def play(request: web.Request) -> web.StreamResponse:
    attempt_id = path_uuid(request, "attempt_id")
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(
            "select r.id, r.path, a.person_id from recordings r"
            " join call_attempts a on a.id = r.attempt_id"
            " where r.tenant_id = $1 and r.attempt_id = $2 and r.stored_at is not null"
            " and r.purged_at is null", request[USER].tenant_id, attempt_id)
        if row is None:
            return json_error(404, "not_found", "録音がありません。")
        await audit.record(conn, actor_of(request), "recording_played",
                           object_type="recording", object_id=row["id"],
                           person_id=row["person_id"])
    return web.FileResponse(Path(row["path"]), headers={
        "Content-Type": "audio/wav", "Cache-Control": "no-store"})


@require_role("supervisor", "staff", "admin")
async def recent(request: web.Request) -> web.Response:
    """The latest stored recordings: ids, times and operator only (no personal data)."""
    rows = await request.app[POOL].fetch(
        "select r.attempt_id, r.started_at, r.duration_ms, u.login_id as operator"
        " from recordings r join call_attempts a on a.id = r.attempt_id"
        " left join users u on u.id = a.operator_id"
        " where r.tenant_id = $1 and r.stored_at is not null and r.purged_at is null"
        " order by r.started_at desc limit 50", request[USER].tenant_id)
    return json_ok([dict(r) for r in rows])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/recordings", recent)
    app.router.add_get("/api/recordings/{attempt_id}", play)
