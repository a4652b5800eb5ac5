"""The ARI events WebSocket with heartbeat and our own reconnect loop.

Asterisk drops events for an application while no socket is subscribed, so the supervisor
reports not-ready meanwhile; whoever depends on continuity reconciles from the channel list.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import aiohttp
import structlog

from ari_bridge.client import basic_auth_header
from ari_bridge.events import AriEvent, parse_event
from saikoku.core.supervision import Reconnector

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AriStreamConfig:
    ws_url: str
    app: str
    user: str
    password: str
    heartbeat_s: float = 5.0
    connect_timeout_s: float = 5.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 15.0


class AriEventStream:
    def __init__(self, session: aiohttp.ClientSession, config: AriStreamConfig) -> None:
        self._session = session
        self.config = config
        self._supervisor = Reconnector(
            "ari", backoff_base_s=config.backoff_base_s, backoff_cap_s=config.backoff_cap_s
        )
        self.readiness = self._supervisor.readiness
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()

    def start(self) -> None:
        self._supervisor.start(self._connect_and_serve)

    async def close(self) -> None:
        await self._supervisor.close()

    async def _connect_and_serve(self) -> str:
        """One WebSocket session; returns why it ended."""
        cfg = self.config
        try:
            async with asyncio.timeout(cfg.connect_timeout_s):
                ws = await self._session.ws_connect(
                    cfg.ws_url,
                    params={"app": cfg.app, "subscribeAll": "false"},
                    headers=basic_auth_header(cfg.user, cfg.password),
                    heartbeat=cfg.heartbeat_s,
                )
            async with ws:
                self._supervisor.connected()
                await self._pump(ws)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc!s}"
        return "closed by Asterisk"

    async def _pump(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                try:
                    event = parse_event(json.loads(message.data))
                except (ValueError, TypeError, KeyError):
                    log.error("ari_event_unparseable", size=len(message.data))
                    continue
                self.events.put_nowait(event)
            elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                break
