"""Playback of call recordings for supervisors and ward staff (never operators); every
playback is access-logged with the person the call was with (recordings/playback.py)."""

from __future__ import annotations

from aiohttp import web

from recordings import playback
from saikoku.web.auth import actor_of, require_role, tenant_db
from saikoku.web.keys import USER
from saikoku.web.responses import json_ok, path_uuid

LISTENERS = ("supervisor", "staff", "admin")


@require_role(*LISTENERS)
async def play(request: web.Request) -> web.StreamResponse:
    attempt_id = path_uuid(request, "attempt_id")
    async with tenant_db(request) as conn:
        path = await playback.open_for_playback(conn, actor_of(request), attempt_id)
    return web.FileResponse(
        path, headers={"Content-Type": "audio/wav", "Cache-Control": "no-store"}
    )


@require_role(*LISTENERS)
async def recent(request: web.Request) -> web.Response:
    async with tenant_db(request) as conn:
        return json_ok(await playback.recent(conn, request[USER].tenant_id))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/recordings", recent)
    app.router.add_get("/api/recordings/{attempt_id}", play)
