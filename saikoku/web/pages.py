"""The browser pages: plain HTML, CSS and ES modules from saikoku/web/static (no build step),
and the headers every answer carries (no framing, no caching of personal data, a strict
content security policy)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from saikoku.web.responses import Handler

STATIC = Path(__file__).with_name("static")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self';"
    " frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if not response.prepared:
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
    return response


def _page(name: str) -> Handler:
    async def serve(_request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return serve


async def root(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/login")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", root)
    app.router.add_get("/login", _page("login.html"))
    app.router.add_get("/desk", _page("desk.html"))
    app.router.add_get("/console", _page("console.html"))
    app.router.add_static("/static", STATIC)
