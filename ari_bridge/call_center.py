"""Operators' nailed-up lines and the bridging of answered calls, on ARI.

An operator who signs in has their phone called once (channel `opline-…`); when they answer,
the channel waits in the operator's own mixing bridge (`opbridge-<user id>`). An answered
outbound call that enters Stasis is added to the bridge of the operator who has been ready the
longest: one REST call, no ringing. If nobody is free within the connect deadline (2 s from
entering Stasis, i.e. from answer, or from the end of AMD when AMD runs) the caller hears the
courtesy message and the attempt counts as abandoned.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

import asyncpg
import structlog

from ari_bridge.client import AriClient
from dialer import attempts
from dialer.floor import Floor
from dialer.operators import Change, Operator, OperatorDesk, OperatorState
from saikoku.core.errors import NotReadyError, PbxError
from store.db import with_retry

log = structlog.get_logger(__name__)

LINE_PREFIX = "opline-"
ABANDONED_CONTEXT = "saikoku-abandoned"
CONNECT_DEADLINE_S = 2.0


class CallRecorder(Protocol):
    async def start(self, tenant_id: UUID, attempt_id: UUID, bridge_id: str) -> None: ...

    async def stop(self, attempt_id: UUID) -> None: ...


def parse_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def bridge_id_for(user_id: UUID) -> str:
    return f"opbridge-{user_id}"


class CallCenter:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ari: AriClient,
        app: str,
        *,
        desk: OperatorDesk | None = None,
        floor: Floor | None = None,
        clock: Callable[[], float] = time.monotonic,
        connect_deadline_s: float = CONNECT_DEADLINE_S,
        line_ring_timeout_s: int = 30,
    ) -> None:
        # Records each bridged call (recordings/recorder.py), when set.
        self.recorder: CallRecorder | None = None
        # Who to tell (the operators' desktops): every state change, and each bridged call.
        self.on_change: Callable[[Change], Awaitable[None]] | None = None
        self.on_bridged: Callable[[Operator, UUID], Awaitable[None]] | None = None
        self._pool = pool
        self._ari = ari
        self._app = app
        self.desk = desk or OperatorDesk()
        self.floor = floor or Floor(self.desk)
        self._clock = clock
        self._deadline = connect_deadline_s
        self._line_ring_timeout = line_ring_timeout_s
        # Woken whenever an operator becomes ready, so callers waiting for one re-check.
        self._operator_free = asyncio.Condition()
        # Seconds from Stasis entry to bridged, for calls that found an operator already
        # free: the dialer's own answer-to-bridge latency (benchmarks, health).
        self.bridge_latencies: deque[float] = deque(maxlen=100_000)

    # --- operators ---------------------------------------------------------------------------

    async def sign_in(self, user_id: UUID, tenant_id: UUID, endpoint: str) -> None:
        """Call the operator's phone; they become ready when they answer it."""
        change = self.desk.sign_in(user_id, tenant_id, endpoint, self._clock())
        await self._record(change, by=user_id)
        channel_id = f"{LINE_PREFIX}{uuid.uuid4()}"
        operator = self.desk.get(user_id)
        assert operator is not None
        operator.line_channel = channel_id
        try:
            await self._ari.create_bridge(bridge_id_for(user_id), self._app)
            await self._ari.originate_to_app(
                channel_id,
                f"PJSIP/{endpoint}",
                self._app,
                f"operator,{user_id}",
                timeout_s=self._line_ring_timeout,
            )
        except (PbxError, NotReadyError):
            await self._line_gone(operator, "phone could not be called")
            raise

    async def sign_out(self, user_id: UUID, by: UUID | None, reason: str = "signed out") -> None:
        operator = self.desk.get(user_id)
        if operator is None or operator.state is OperatorState.OFFLINE:
            return
        line = operator.line_channel
        await self._line_gone(operator, reason, by=by)
        if line:
            await self._ari.hangup(line)

    async def set_ready(
        self, user_id: UUID, ready: bool, reason: str | None = None
    ) -> OperatorState:
        operator = self.desk.get(user_id)
        wrap_started = operator.since if operator else 0.0
        now = self._clock()
        change = self.desk.set_ready(user_id, ready, now, reason)
        if change is not None and change.from_state is OperatorState.WRAP_UP:
            self.floor.wrap_ended(change.tenant_id, now - wrap_started, now)
        if change is not None:
            await self._record(change, by=user_id)
            await self._wake_if_ready(change)
        operator = self.desk.get(user_id)
        assert operator is not None
        return operator.state

    async def end_call(self, user_id: UUID) -> bool:
        """The operator hangs up on the caller; their own line stays open for the next call."""
        operator = self.desk.get(user_id)
        if operator is None or operator.attempt_id is None:
            return False
        await self._ari.hangup(str(operator.attempt_id))
        return True

    async def expire_wrap_ups(self, limit_s: float) -> list[UUID]:
        """Operators in wrap-up longer than the limit go back to work (ready, or paused if
        they asked); their calls are flagged for the supervisor. Returns the flagged calls."""
        now = self._clock()
        flagged = []
        for op in self.desk.all():
            if op.state is OperatorState.WRAP_UP and now - op.since >= limit_s:
                attempt_id = op.card_attempt_id
                await self.set_ready(op.user_id, op.wants_ready, reason="wrap-up time ran out")
                if attempt_id is not None:
                    await self._flag_overrun(attempt_id, limit_s)
                    flagged.append(attempt_id)
        return flagged

    async def _flag_overrun(self, attempt_id: UUID, limit_s: float) -> None:
        await with_retry(
            lambda: attempts.record_wrap_up_overrun(self._pool, attempt_id, limit_s),
            what="wrap_up_overrun",
        )

    async def on_line_answered(self, channel_id: str, user_id: UUID) -> None:
        """The operator's phone answered and entered Stasis: park it in their bridge."""
        operator = self.desk.get(user_id)
        if operator is None or operator.line_channel != channel_id:
            await self._ari.hangup(channel_id)  # a stale line from an earlier sign-in
            return
        bridge = bridge_id_for(user_id)
        await self._ari.add_to_bridge(bridge, channel_id)
        change = self.desk.line_up(user_id, channel_id, bridge, self._clock())
        if change is not None:
            await self._record(change, by=None)
            await self._wake_if_ready(change)

    async def on_line_ended(self, channel_id: str) -> None:
        operator = self.desk.operator_of_line(channel_id)
        if operator is not None:
            await self._line_gone(operator, "phone line ended")

    async def _line_gone(self, operator: Operator, reason: str, by: UUID | None = None) -> None:
        caller = operator.attempt_id
        change = self.desk.line_down(operator.user_id, self._clock(), reason)
        if change is not None:
            await self._record(change, by=by)
        if caller is not None:
            # Nobody is left to talk to the caller.
            await self._ari.hangup(str(caller))
        await self._ari.destroy_bridge(bridge_id_for(operator.user_id))

    async def sweep_orphans(self) -> int:
        """After (re)connecting: hang up our channels this process does not know — operator
        lines and callers left in Stasis by a process that died — and remove their bridges.
        Their hang-ups then close the attempt rows. Returns how many channels were released.

        A caller in conversation when the old process died is cut off: the new process has
        no operator desk to hand them back to (the operator signs in again)."""
        known_lines = {op.line_channel for op in self.desk.all() if op.line_channel}
        released = 0
        for channel in await self._ari.channels():
            channel_id = str(channel.get("id", ""))
            dialplan = channel.get("dialplan") or {}
            # Only our own app's channels: other dialer processes may share this PBX.
            if (
                dialplan.get("app_name") != "Stasis"
                or str(dialplan.get("app_data", "")).split(",")[0] != self._app
            ):
                continue
            if channel_id.startswith(LINE_PREFIX):
                orphan = channel_id not in known_lines
            else:
                attempt_id = parse_uuid(channel_id)
                orphan = attempt_id is not None and not self.floor.knows(attempt_id)
            if orphan:
                await self._ari.hangup(channel_id)
                released += 1
        known_bridges = {op.bridge_id for op in self.desk.all() if op.bridge_id}
        for bridge in await self._ari.bridges():
            bridge_id = str(bridge.get("id", ""))
            if (
                bridge.get("name") == self._app
                and bridge_id.startswith("opbridge-")
                and bridge_id not in known_bridges
            ):
                await self._ari.destroy_bridge(bridge_id)
        return released

    # --- callers -----------------------------------------------------------------------------

    def answered(self, attempt_id: UUID, *, machine: bool) -> None:
        self.floor.answered(attempt_id, machine=machine, now=self._clock())

    async def connect(self, attempt_id: UUID, tenant_id: UUID) -> Operator | None:
        """Bridge an answered live call to the longest-ready operator, or abandon it."""
        started = self._clock()
        found = await self._wait_for_operator(tenant_id, attempt_id, started)
        if found is None:
            waited = self._clock() - started
            self.floor.abandoned(attempt_id, self._clock())
            await self._ari.continue_in_dialplan(str(attempt_id), ABANDONED_CONTEXT)
            await with_retry(
                lambda: attempts.record_abandoned(self._pool, attempt_id, waited), what="abandoned"
            )
            log.info("call_abandoned", waited_s=round(waited, 3))
            return None
        operator, at_once = found
        assert operator.bridge_id is not None
        try:
            await self._ari.add_to_bridge(operator.bridge_id, str(attempt_id))
        except PbxError:
            # The caller hung up in the meantime (channel gone): the operator is free again.
            await self.caller_left(attempt_id)
            return None
        if at_once:
            self.bridge_latencies.append(self._clock() - started)
        if self.recorder is not None:
            await self.recorder.start(tenant_id, attempt_id, operator.bridge_id)
        self.floor.connected(attempt_id, self._clock())
        await with_retry(
            lambda: attempts.record_connected(self._pool, attempt_id, operator.user_id),
            what="connected",
        )
        if self.on_bridged is not None:
            await self.on_bridged(operator, attempt_id)
        log.info(
            "call_connected",
            operator_id=str(operator.user_id),
            waited_s=round(self._clock() - started, 3),
        )
        return operator

    async def reserve(self, user_id: UUID, attempt_id: UUID) -> None:
        """Preview mode: the operator places this call; when answered it goes to them."""
        await self._record(self.desk.reserve(user_id, attempt_id, self._clock()), by=user_id)

    async def unanswered(self, attempt_id: UUID) -> None:
        change = self.desk.unanswered(attempt_id, self._clock())
        if change is not None:
            await self._record(change, by=None)
            await self._wake_if_ready(change)

    async def _wait_for_operator(
        self, tenant_id: UUID, attempt_id: UUID, started: float
    ) -> tuple[Operator, bool] | None:
        """The operator taken, and whether one was free at once; None after the deadline."""
        reserved = self.desk.holder_of(attempt_id)
        if reserved is not None:
            return reserved, True
        at_once = True
        async with self._operator_free:
            while True:
                taken = self.desk.take_longest_ready(tenant_id, attempt_id, self._clock())
                if taken is not None:
                    operator, change = taken
                    await self._record(change, by=None)
                    return operator, at_once
                at_once = False
                remaining = self._deadline - (self._clock() - started)
                if remaining <= 0:
                    return None
                try:
                    async with asyncio.timeout(remaining):
                        await self._operator_free.wait()
                except TimeoutError:
                    return None

    async def caller_left(self, attempt_id: UUID) -> None:
        """The caller's channel left Stasis (hung up, or sent to the courtesy message)."""
        change = self.desk.call_ended(attempt_id, self._clock())
        if change is not None:
            await self._record(change, by=None)
        if self.recorder is not None:
            await self.recorder.stop(attempt_id)

    async def _wake_if_ready(self, change: Change) -> None:
        if change.to_state is OperatorState.READY:
            async with self._operator_free:
                self._operator_free.notify_all()

    async def _record(self, change: Change, by: UUID | None) -> None:
        await with_retry(
            lambda: self._pool.execute(
                "insert into operator_state_changes"
                " (tenant_id, operator_id, changed_by, from_state, to_state, reason)"
                " values ($1, $2, $3, $4, $5, $6)",
                change.tenant_id,
                change.user_id,
                by,
                change.from_state.value,
                change.to_state.value,
                change.reason,
            ),
            what="operator_state",
        )
        if self.on_change is not None:
            await self.on_change(change)
