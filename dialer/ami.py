"""AMI client on panoramisk, with our own reconnect supervisor and heartbeat.

Why not panoramisk's own reconnect: it retries on a fixed 2-s timer with no readiness state,
and it re-sends unanswered actions after reconnecting — an Originate that already reached
Asterisk would ring the person twice. Here panoramisk only frames the protocol; this module
owns the connection lifecycle with a fresh Manager per connection, so nothing parked on a
dead connection is ever re-sent: an Originate in flight when the connection drops resolves
as UNKNOWN and is reconciled from Asterisk's channel list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import panoramisk
import structlog
from panoramisk.ami_protocol import AMIProtocol

from dialer.ami_messages import (
    AmiEvent,
    OriginateOutcome,
    OriginateRequest,
    OriginateResult,
    UnsafeAmiHeader,
    check_framing,
    parse_originate_reply,
)
from saikoku.core.errors import NotReadyError, PbxError
from saikoku.core.supervision import Reconnector, spawn_supervised

log = structlog.get_logger(__name__)

# Event classes we subscribe to at login: call (Hangup, OriginateResponse, Newstate…) and
# system (FullyBooted, Shutdown). "dialplan" (Newexten, VarSet) would multiply traffic tenfold.
EVENT_CLASSES = "call,system"


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str
    action_timeout_s: float = 5.0
    connect_timeout_s: float = 5.0
    heartbeat_interval_s: float = 5.0
    # Beyond the ring timeout, how long to wait for OriginateResponse (set-up, AMD, slow PBX).
    originate_margin_s: float = 15.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 15.0

    def __post_init__(self) -> None:
        # The Login action carries these: refuse them here, not in a connect callback.
        check_framing({"Action": "Login", "Username": self.username, "Secret": self.secret})


class _Protocol(AMIProtocol):  # type: ignore[misc]
    """Hands every event to the client in wire order — including those panoramisk gives to
    a pending action (OriginateResponse) — so Hangup and OriginateResponse of one call are
    handled in the order Asterisk sent them."""

    def handle_message(self, message: Any) -> None:
        if "event" in message:
            self.factory.on_wire_event(message)
        super().handle_message(message)

    def send(self, data: Any, as_list: bool = False) -> Any:
        # Every action, the Login included, is framed and written here: nothing that could
        # break out of its header line leaves (raises UnsafeAmiHeader before writing).
        check_framing(data)
        return super().send(data, as_list=as_list)


class _Manager(panoramisk.Manager):  # type: ignore[misc]
    """panoramisk's Manager with its self-scheduled reconnects removed."""

    def __init__(self, on_lost: Any, on_wire_event: Any, **config: Any) -> None:
        super().__init__(protocol_factory=_Protocol, **config)
        self._on_lost = on_lost
        self.on_wire_event = on_wire_event

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        if f.cancelled() or f.exception() is not None:
            return  # the supervisor sees the failure through the awaited task
        super().connection_made(f)

    def connection_lost(self, exc: object) -> None:
        self._connected = False
        # protocol.close() parked unanswered actions for re-sending; we never re-send.
        while self.awaiting_actions:
            action = self.awaiting_actions.popleft()
            if not action.future.done():
                action.future.set_exception(NotReadyError("AMI connection lost"))
        self._on_lost(exc)


class AmiClient:
    """One supervised AMI connection. Events go onto `events`, consumed elsewhere."""

    def __init__(self, config: AmiConfig, *, events_maxsize: int = 0) -> None:
        self.config = config
        self._supervisor = Reconnector(
            "ami", backoff_base_s=config.backoff_base_s, backoff_cap_s=config.backoff_cap_s
        )
        self.readiness = self._supervisor.readiness
        self.events: asyncio.Queue[AmiEvent] = asyncio.Queue(maxsize=events_maxsize)
        self._manager: _Manager | None = None
        self._lost = asyncio.Event()
        self._lost_reason = ""
        self._booted = asyncio.Event()
        self._originates: dict[UUID, asyncio.Future[Any]] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._supervisor.start(self._connect_and_serve)

    async def close(self) -> None:
        await self._supervisor.close()
        self._drop_connection()

    async def _connect_and_serve(self) -> str:
        """One AMI session; returns why it ended."""
        try:
            await self._connect_and_login()
        except (OSError, TimeoutError, PbxError, NotReadyError) as exc:
            self._drop_connection()
            return f"connect: {str(exc) or type(exc).__name__}"
        self._supervisor.connected()
        heartbeat = spawn_supervised(self._supervisor.tasks, "ami-heartbeat", self._heartbeat)
        try:
            await self._lost.wait()
        finally:
            heartbeat.cancel()
            self._resolve_inflight_originates("AMI connection lost before OriginateResponse")
            self._drop_connection()
        return self._lost_reason

    async def _connect_and_login(self) -> None:
        self._lost.clear()
        self._booted.clear()
        cfg = self.config
        manager = _Manager(
            self._connection_lost,
            self._on_event,
            host=cfg.host,
            port=cfg.port,
            username=cfg.username,
            secret=cfg.secret,
            events=EVENT_CLASSES,
            loop=asyncio.get_running_loop(),
            # Our heartbeat checks answers; panoramisk's fire-and-forget ping is switched off.
            ping_delay=10**9,
            ping_interval=10**9,
        )
        self._manager = manager
        async with asyncio.timeout(cfg.connect_timeout_s):
            await manager.connect()
            # connection_made ran as the connect task's done-callback and sent the Login.
            if manager.authenticated_future is None:
                raise PbxError("AMI connected but no login was sent (no username configured)")
            reply = await manager.authenticated_future
        if not reply.success:
            raise PbxError(
                "AMI login refused: check SAIKOKU_AMI_USER / SAIKOKU_AMI_SECRET "
                "against manager.conf"
            )
        # Asterisk accepts logins while still loading modules; wait for FullyBooted.
        async with asyncio.timeout(cfg.connect_timeout_s * 6):
            await self._booted.wait()

    def _connection_lost(self, _exc: object) -> None:
        self._mark_lost("connection closed")

    def _mark_lost(self, reason: str) -> None:
        if not self._lost.is_set():
            self._lost_reason = reason
            self._lost.set()

    def _drop_connection(self) -> None:
        if self._manager is not None:
            self._manager.close()
            self._manager = None

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_interval_s)
            try:
                await self.action({"Action": "Ping"})
            except (TimeoutError, PbxError, NotReadyError) as exc:
                log.warning("ami_heartbeat_failed", error=str(exc) or type(exc).__name__)
                self._mark_lost("heartbeat unanswered")
                return

    def _on_event(self, message: Mapping[str, object]) -> None:
        # Runs inside panoramisk's data_received: only enqueue, never handle inline.
        event = AmiEvent.from_headers(message)
        if event.name == "fullybooted":
            self._booted.set()
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            log.error("ami_event_queue_full", event_name=event.name)

    # -- actions ---------------------------------------------------------------------------

    def _require_manager(self) -> _Manager:
        if self._manager is None or not self.readiness.ready:
            raise NotReadyError("AMI is not connected; wait until readiness reports ready")
        return self._manager

    async def action(
        self, action: Mapping[str, object], *, timeout_s: float | None = None
    ) -> list[AmiEvent]:
        """Send one action and return every reply (the Response, then any listed events)."""
        manager = self._require_manager()
        future = manager.send_action(dict(action))
        try:
            async with asyncio.timeout(timeout_s or self.config.action_timeout_s):
                reply = await future
        except TimeoutError:
            future.cancel()
            raise
        replies = reply if isinstance(reply, list) else [reply]
        events = [AmiEvent.from_headers(r) for r in replies]
        if events and (events[0].get("response") or "").lower() == "error":
            raise PbxError(f"AMI {action.get('Action')} failed: {events[0].get('message')}")
        return events

    async def originate(self, request: OriginateRequest) -> OriginateResult:
        """Place one call; resolves at OriginateResponse. Never raises for a dial failure."""
        attempt_id = request.attempt_id
        try:
            manager = self._require_manager()
        except NotReadyError as exc:
            return OriginateResult(attempt_id, OriginateOutcome.REJECTED, detail=str(exc))
        try:
            future = manager.send_action(request.to_action())
        except UnsafeAmiHeader as exc:
            return OriginateResult(attempt_id, OriginateOutcome.REJECTED, detail=str(exc))
        self._originates[attempt_id] = future
        # Asterisk itself gives up after the ring timeout; the margin covers set-up.
        deadline = request.ring_timeout_s + self.config.originate_margin_s
        try:
            async with asyncio.timeout(deadline):
                reply = await future
        except TimeoutError:
            return OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail="deadline passed")
        except NotReadyError as exc:
            return OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail=str(exc))
        finally:
            self._originates.pop(attempt_id, None)
        if isinstance(reply, _Unknown):
            return OriginateResult(attempt_id, OriginateOutcome.UNKNOWN, detail=reply.detail)
        replies = reply if isinstance(reply, list) else [reply]
        return parse_originate_reply(attempt_id, [AmiEvent.from_headers(r) for r in replies])

    def _resolve_inflight_originates(self, detail: str) -> None:
        for future in self._originates.values():
            if not future.done():
                future.set_result(_Unknown(detail))

    async def live_channel_ids(self) -> set[str]:
        """Uniqueids of every channel Asterisk has now (our attempt UUIDs among them)."""
        replies = await self.action({"Action": "CoreShowChannels"}, timeout_s=10.0)
        return {
            uid
            for event in replies
            if event.name == "coreshowchannel"
            if (uid := event.get("uniqueid"))
        }


@dataclass(frozen=True)
class _Unknown:
    detail: str
