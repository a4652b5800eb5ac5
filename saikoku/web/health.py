"""GET /healthz: "ok" or "degraded" for anyone (a load balancer, a monitor), 503 when
degraded; the state of each PBX connection (errors, reconnects) only for a logged-in admin."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from saikoku.web.auth import session_of
from saikoku.web.keys import AMI, ARI_EVENTS
from saikoku.web.responses import json_ok


async def health(request: web.Request) -> web.Response:
    app = request.app
    components = {
        "ami": app[AMI].readiness.snapshot(),
        "ari": app[ARI_EVENTS].readiness.snapshot(),
    }
    ready = all(c["state"] == "ready" for c in components.values())
    body: dict[str, Any] = {"status": "ok" if ready else "degraded"}
    user = await session_of(request)
    if user is not None and user.role == "admin":
        body["components"] = components
    return json_ok(body, status=200 if ready else 503)
