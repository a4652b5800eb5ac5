"""The ARI events WebSocket with heartbeat and our own reconnect loop.

Asterisk drops events for an application while no socket is subscribed, so the supervisor
reports not-ready meanwhile; whoever depends on continuity reconciles from the channel list.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog

from ari_bridge.client import basic_auth_header
from ari_bridge.events import AriEvent, parse_event
from saikoku.supervision import Backoff, Readiness, State, spawn_supervised

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
        self.readiness = Readiness("ari")
        self.events: asyncio.Queue[AriEvent] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._backoff = Backoff(base=config.backoff_base_s, cap=config.backoff_cap_s)

    def start(self) -> None:
        spawn_supervised(self._tasks, "ari-events-supervisor", self._supervise)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.readiness.set(State.STOPPED)

    async def _supervise(self) -> None:
        cfg = self.config
        while True:
            self.readiness.set(State.CONNECTING)
            error = "closed by Asterisk"
            try:
                async with asyncio.timeout(cfg.connect_timeout_s):
                    ws = await self._session.ws_connect(
                        cfg.ws_url,
                        params={"app": cfg.app, "subscribeAll": "false"},
                        headers=basic_auth_header(cfg.user, cfg.password),
                        heartbeat=cfg.heartbeat_s,
                    )
                async with ws:
                    self._backoff.reset()
                    self.readiness.set(State.READY)
                    await self._pump(ws)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc!s}"
            delay = self._backoff.next_delay()
            self.readiness.reconnects += 1
            self.readiness.set(State.DOWN, error=error)
            log.warning("ari_reconnect_scheduled", delay_s=round(delay, 2), error=error)
            await asyncio.sleep(delay)

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
