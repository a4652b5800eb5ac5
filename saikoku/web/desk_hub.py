"""The operators' desktops over WebSocket: each operator's sockets get their own state changes
and, the moment a call is bridged to them, the screen-pop of that person — never anyone
else's. A socket that (re)connects gets the current state and, during a call or its wrap-up,
the card again (logged again: it is another view).

Each socket belongs to the login session that opened it. When that session ends — logout,
idle or maximum age, the account disabled (also by another process) — the socket is closed,
and an operator who signed in from the browser and has no live session left is signed out,
their line hung up: nothing pops up on a screen nobody is logged in to any more (`sweep`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from aiohttp import WSMsgType, web

from ari_bridge.call_center import CallCenter
from campaigns.person_card import open_call_card
from dialer.operators import Change, Operator, OperatorState
from saikoku.core.errors import NotReadyError, PbxError
from store import audit, sessions

log = structlog.get_logger(__name__)

# The close code telling the desktop its session is over (log in again; do not reconnect).
SESSION_OVER = 4001
# A desktop on a call makes no requests; its session is in use, not idle.
ON_A_CALL = frozenset({OperatorState.TALKING, OperatorState.WRAP_UP})


class DeskHub:
    def __init__(self, pool: asyncpg.Pool, center: CallCenter, *, session_idle: timedelta) -> None:
        self._pool = pool
        self._center = center
        self._session_idle = session_idle
        # Each operator's open sockets, with the session (key) each was opened in.
        self._sockets: dict[UUID, dict[web.WebSocketResponse, bytes]] = defaultdict(dict)
        self._logins: dict[UUID, str] = {}
        # Operators who signed in from their browser: their desk lasts as long as a login
        # session of theirs (desks signed in within the process — the demo's stand-ins, the
        # bench — have none).
        self._session_desks: set[UUID] = set()
        # Sockets being closed: the close is sent at once, the desktop's answer not waited for
        # (a logout answers without waiting on its desktops).
        self._closing: set[asyncio.Task[bool]] = set()
        # Seconds from bridged to the screen-pop written to the operator's socket(s).
        self.pop_latencies: deque[float] = deque(maxlen=100_000)
        center.on_change = self.on_change
        center.on_bridged = self.on_bridged

    async def attach(
        self,
        user_id: UUID,
        login: str,
        ws: web.WebSocketResponse,
        actor: audit.Actor,
        session_key: bytes,
    ) -> None:
        self._sockets[user_id][ws] = session_key
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
        self._sockets[user_id].pop(ws, None)

    async def sign_in(self, user_id: UUID, tenant_id: UUID, endpoint: str) -> None:
        """An operator signs in from their browser (their phone is called)."""
        await self._center.sign_in(user_id, tenant_id, endpoint)
        self._session_desks.add(user_id)

    async def sweep(self) -> None:
        """Close the sockets whose session is over and sign out every operator who signed in
        from their browser and has no live session left (one query for all)."""
        sockets = [
            (user_id, ws, key)
            for user_id, open_ in self._sockets.items()
            for ws, key in open_.items()
        ]
        on_desk = [
            op
            for op in self._center.desk.all()
            if op.user_id in self._session_desks and op.state is not OperatorState.OFFLINE
        ]
        if not sockets and not on_desk:
            return
        await sessions.keep_alive(
            self._pool, {key for user_id, _, key in sockets if self._on_a_call(user_id)}
        )
        live = await sessions.still_live(
            self._pool,
            {key for _, _, key in sockets},
            {op.user_id for op in on_desk},
            self._session_idle,
        )
        # Signed out first, so the desktop gets the last state before its socket closes.
        for operator in on_desk:
            if operator.user_id not in live.users:
                await self._sign_out(operator)
        for user_id, ws, key in sockets:
            if key not in live.sessions:
                self.detach(user_id, ws)
                closing = asyncio.create_task(ws.close(code=SESSION_OVER, message=b"session over"))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)

    def _on_a_call(self, user_id: UUID) -> bool:
        operator = self._center.desk.get(user_id)
        return operator is not None and operator.state in ON_A_CALL

    async def _sign_out(self, operator: Operator) -> None:
        """The desk of an operator whose every session is over: offline, line hung up."""
        if operator.state is OperatorState.OFFLINE:
            return  # signed out meanwhile (by them, or by a sweep running at the same time)
        self._session_desks.discard(operator.user_id)
        # The desk is offline before the hang-up is sent; a PBX that is down has no line left
        # to hang up, or the orphan sweep on reconnect releases it.
        with contextlib.suppress(PbxError, NotReadyError):
            await self._center.sign_out(operator.user_id, by=None, reason="session over")
        await audit.record(
            self._pool,
            audit.Actor(operator.tenant_id, None, None),
            "desk_signed_out",
            object_type="operator",
            object_id=operator.user_id,
            reason="session over",
        )
        log.info("desk_signed_out", operator_id=str(operator.user_id), reason="session over")

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
        self,
        request: web.Request,
        user_id: UUID,
        login: str,
        actor: audit.Actor,
        session_key: bytes,
    ) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        await self.attach(user_id, login, ws, actor, session_key)
        try:
            async for message in ws:
                if message.type is WSMsgType.ERROR:
                    break
                # The desktop only listens; its actions go through the JSON API (CSRF-checked).
        finally:
            self.detach(user_id, ws)
        return ws

    async def close(self) -> None:
        for closing in list(self._closing):
            closing.cancel()
        await asyncio.gather(*self._closing, return_exceptions=True)
