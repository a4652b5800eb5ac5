"""The access log: one line per request naming the route it took, never the path or query
string as sent. Those are whatever the client wrote — a name typed into a URL would reach
the log percent-encoded, where no redaction can recognise it."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class RouteAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.3f',
            request.remote,
            request.method,
            route_of(request),
            response.status,
            response.body_length,
            time,
        )


def route_of(request: web.BaseRequest) -> str:
    """The route's template (/api/operator/person/{person_id}), or "-" when none matched."""
    match = request.match_info if isinstance(request, web.Request) else None
    resource = match.route.resource if match is not None else None
    return resource.canonical if resource is not None else "-"


def app_runner(app: web.Application) -> web.AppRunner:
    """The runner of every server of ours that is not `web.run_app` (which is given the
    same access log)."""
    return web.AppRunner(app, access_log_class=RouteAccessLogger)
