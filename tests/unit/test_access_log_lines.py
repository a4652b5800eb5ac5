"""The access log names the route a request took, never the path or query string as the
client wrote them: a name typed into a URL would reach the log percent-encoded."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from saikoku.web.access_log import app_runner

NAME = "鵺野 一二三"


async def _ok(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def test_a_line_names_the_route_and_not_what_was_sent(
    capfd: pytest.CaptureFixture[str],
) -> None:
    app = web.Application()
    app.router.add_get("/api/operator/person/{person_id}", _ok)
    runner = app_runner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with aiohttp.ClientSession() as http:
            for path in (f"/api/operator/person/{NAME}?q={NAME}", f"/nowhere/{NAME}"):
                async with http.get(base + path) as response:
                    await response.read()
    finally:
        await runner.cleanup()
    # The same words whether the log renders as console lines or JSON (quotes escaped).
    err = capfd.readouterr().err.replace('\\"', '"')
    assert '"GET /api/operator/person/{person_id}" 200' in err
    assert '"GET -" 404' in err
    assert "%E9%B5%BA" not in err and NAME not in err
