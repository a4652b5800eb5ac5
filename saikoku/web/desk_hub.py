"""The operators' desktops over WebSocket: each operator's sockets get their own state changes
and, the moment a call is bridged to them, the screen-pop of that person — never anyone
else's. A socket that (re)connects gets the current state and, during a call or its wrap-up,
the card again (logged again: it is another view)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiohttp import WSMsgType, web

from ari_bridge.call_center import CallCenter
from campaigns.person_card import open_call_card
from dialer.operators import Change, Operator, OperatorState
from store import audit

log = structlog.get_logger(__name__)


class DeskHub:
    def __init__(self, pool: asyncpg.Pool, center: CallCenter) -> None:
        self._pool = pool
        self._center = center
        self._sockets: dict[UUID, set[web.WebSocketResponse]] = defaultdict(set)
        self._logins: dict[UUID, str] = {}
        # Seconds from bridged to the screen-pop written to the operator's socket(s).
        self.pop_latencies: deque[float] = deque(maxlen=100_000)
        center.on_change = self.on_change
        center.on_bridged = self.on_bridged

    async def attach(
        self, user_id: UUID, login: str, ws: web.WebSocketResponse, actor: audit.Actor
    ) -> None:
        self._sockets[user_id].add(ws)
        self._logins[user_id] = login
        operator = self._center.desk.get(user_id)
        await self._send(ws, self._state_message(operator))
        if operator is not None and operator.state in (
            OperatorState.TALKING,
            OperatorState.WRAP_UP,
        ):
            card = await self._card(operator, actor, reason="desktop reconnected")
            if card is not None:
                await self._send(ws, {"type": "screen_pop", "card": card})

    def detach(self, user_id: UUID, ws: web.WebSocketResponse) -> None:
        self._sockets[user_id].discard(ws)

    async def on_change(self, change: Change) -> None:
        await self._broadcast(
            change.user_id, self._state_message(self._center.desk.get(change.user_id))
        )

    async def on_bridged(self, operator: Operator, attempt_id: UUID) -> None:
        bridged_at = time.perf_counter()
        actor = audit.Actor(
            operator.tenant_id, operator.user_id, self._logins.get(operator.user_id)
        )
        card = await self._card(operator, actor, reason="screen-pop on connect")
        if card is None:
            return
        sent = await self._broadcast(operator.user_id, {"type": "screen_pop", "card": card})
        if sent:
            self.pop_latencies.append(time.perf_counter() - bridged_at)

    async def _card(
        self, operator: Operator, actor: audit.Actor, reason: str
    ) -> dict[str, Any] | None:
        attempt_id = operator.card_attempt_id
        if attempt_id is None:
            return None
        async with self._pool.acquire() as conn:
            return await open_call_card(conn, actor, attempt_id, reason=reason)

    @staticmethod
    def _state_message(operator: Operator | None) -> dict[str, Any]:
        if operator is None:
            return {"type": "state", "state": "offline"}
        return {
            "type": "state",
            "state": operator.state.value,
            "attempt_id": str(operator.card_attempt_id) if operator.card_attempt_id else None,
            "for_s": round(time.monotonic() - operator.since, 1),
        }

    async def _broadcast(self, user_id: UUID, message: dict[str, Any]) -> int:
        sockets = list(self._sockets.get(user_id, ()))
        results = await asyncio.gather(*(self._send(ws, message) for ws in sockets))
        return sum(results)

    @staticmethod
    async def _send(ws: web.WebSocketResponse, message: dict[str, Any]) -> bool:
        if ws.closed:
            return False
        try:
            await ws.send_json(message)
            return True
        except (ConnectionError, RuntimeError):
            return False

    async def serve(
        self, request: web.Request, user_id: UUID, login: str, actor: audit.Actor
    ) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        await self.attach(user_id, login, ws, actor)
        try:
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
                # The desktop only listens; its actions go through the JSON API (CSRF-checked).
        finally:
            self.detach(user_id, ws)
        return ws
