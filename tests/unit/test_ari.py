import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from ari_bridge.client import AriClient
from ari_bridge.events import ChannelDestroyed, StasisStart, UnhandledEvent, parse_event
from ari_bridge.stream import AriEventStream, AriStreamConfig
from saikoku.core.errors import AriError, NotReadyError

CHANNEL = {
    "id": "a-1",
    "name": "PJSIP/trunk-0001",
    "state": "Up",
    "caller": {"number": "0312345678", "name": ""},
}


def test_stasis_start_carries_args_and_hides_number_from_repr() -> None:
    event = parse_event(
        {
            "type": "StasisStart",
            "timestamp": "t",
            "channel": CHANNEL,
            "args": ["outbound", "uuid", "HUMAN", "HUMAN-1-1"],
        }
    )
    assert isinstance(event, StasisStart)
    assert event.args == ("outbound", "uuid", "HUMAN", "HUMAN-1-1")
    assert event.channel.caller_number == "0312345678"
    assert "0312345678" not in repr(event)


def test_channel_destroyed_has_cause() -> None:
    event = parse_event(
        {
            "type": "ChannelDestroyed",
            "timestamp": "t",
            "channel": CHANNEL,
            "cause": 17,
            "cause_txt": "User busy",
        }
    )
    assert isinstance(event, ChannelDestroyed)
    assert (event.cause, event.cause_text) == (17, "User busy")


def test_unknown_event_is_kept_raw() -> None:
    event = parse_event({"type": "BridgeCreated", "timestamp": "t", "bridge": {}})
    assert isinstance(event, UnhandledEvent)
    assert event.kind == "BridgeCreated"


@dataclass
class AriState:
    """What the fake ARI server has seen, and how slowly it answers REST calls."""

    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    delay: float = 0.0


AriServer = tuple[TestServer, AriState]


@pytest.fixture
async def ari_server() -> AsyncIterator[AriServer]:
    state = AriState()

    async def channels(request: web.Request) -> web.Response:
        await asyncio.sleep(state.delay)
        return web.json_response([{"id": "c1"}, {"id": "c2"}])

    async def delete_channel(request: web.Request) -> web.Response:
        if request.match_info["id"] == "gone":
            return web.json_response({"message": "Channel not found"}, status=404)
        if request.match_info["id"] == "broken":
            return web.json_response({"message": "boom"}, status=500)
        return web.Response(status=204)

    async def events(request: web.Request) -> web.WebSocketResponse:
        assert request.query["app"] == "saikoku"
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        state.sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "StasisStart",
                    "timestamp": "t",
                    "channel": CHANNEL,
                    "args": ["outbound", "x"],
                }
            )
        )
        async for _ in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ari/channels", channels)
    app.router.add_delete("/ari/channels/{id}", delete_channel)
    app.router.add_get("/ari/events", events)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, state
    await server.close()


async def test_rest_calls_and_missing_channel_hangup(ari_server: AriServer) -> None:
    server, _ = ari_server
    async with aiohttp.ClientSession() as session:
        ari = AriClient(session, str(server.make_url("")), "u", "p", timeout_s=1)
        channels = await ari.request("GET", "/channels")
        assert [c["id"] for c in channels] == ["c1", "c2"]
        await ari.hangup("gone")  # 404 is success for a hangup
        with pytest.raises(AriError) as error:
            await ari.hangup("broken")
        assert error.value.status == 500


async def test_rest_call_has_a_deadline(ari_server: AriServer) -> None:
    server, state = ari_server
    state.delay = 1.0
    async with aiohttp.ClientSession() as session:
        ari = AriClient(session, str(server.make_url("")), "u", "p", timeout_s=0.2)
        with pytest.raises(NotReadyError):
            await ari.request("GET", "/channels")


async def test_event_stream_reconnects_after_close(ari_server: AriServer) -> None:
    server, state = ari_server
    url = str(server.make_url("/ari/events")).replace("http", "ws", 1)
    async with aiohttp.ClientSession() as session:
        stream = AriEventStream(
            session,
            AriStreamConfig(
                ws_url=url,
                app="saikoku",
                user="u",
                password="p",
                backoff_base_s=0.05,
                backoff_cap_s=0.1,
                heartbeat_s=0.5,
            ),
        )
        stream.start()
        await stream.readiness.wait_ready(2)
        first = await asyncio.wait_for(stream.events.get(), 2)
        assert isinstance(first, StasisStart)
        sockets = state.sockets
        await sockets[0].close()
        second = await asyncio.wait_for(stream.events.get(), 2)  # sent on the new socket
        assert isinstance(second, StasisStart)
        assert len(sockets) == 2
        assert stream.readiness.reconnects >= 1
        await stream.close()
