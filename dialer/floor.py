"""The live floor the pacer sees: every call the dialer has in flight or in conversation, per
tenant, turned into pacing events and snapshots. Pure bookkeeping with `now` passed in; the
AMI side (placing, hang-ups) and the ARI side (answers, bridging) report into it.

A tenant's operators form one floor, paced by one pacer (dialer/engine.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from dialer.operators import OperatorDesk, OperatorState
from dialer.pacing.events import (
    CallAbandoned,
    CallConnected,
    CallPlaced,
    CallUnanswered,
    LiveAnswered,
    MachineAnswered,
    PacingEvent,
    TalkEnded,
    WrapEnded,
)
from dialer.pacing.snapshot import Pacer, PacingSnapshot


@dataclass
class LiveCall:
    tenant_id: UUID
    campaign_id: UUID | None
    placed_at: float
    answered_at: float | None = None
    connected_at: float | None = None
    # A machine, or a person abandoned: answered, but no longer waiting for an operator.
    released: bool = False


class Floor:
    def __init__(self, desk: OperatorDesk) -> None:
        self._desk = desk
        self._calls: dict[UUID, LiveCall] = {}
        self._pacers: dict[UUID, Pacer] = {}

    def set_pacer(self, tenant_id: UUID, pacer: Pacer | None) -> None:
        if pacer is None:
            self._pacers.pop(tenant_id, None)
        else:
            self._pacers[tenant_id] = pacer

    def _tell(self, tenant_id: UUID, event: PacingEvent) -> None:
        pacer = self._pacers.get(tenant_id)
        if pacer is not None:
            pacer.observe(event)

    def placed(
        self, attempt_id: UUID, tenant_id: UUID, campaign_id: UUID | None, now: float
    ) -> None:
        if attempt_id in self._calls:
            return  # the dialer reports a call before its task places it
        self._calls[attempt_id] = LiveCall(tenant_id, campaign_id, now)
        self._tell(tenant_id, CallPlaced(now))

    def answered(self, attempt_id: UUID, *, machine: bool, now: float) -> None:
        call = self._calls.get(attempt_id)
        if call is None or call.answered_at is not None:
            return
        call.answered_at, call.released = now, machine
        ring = now - call.placed_at
        event = MachineAnswered(now, ring) if machine else LiveAnswered(now, ring)
        self._tell(call.tenant_id, event)

    def connected(self, attempt_id: UUID, now: float) -> None:
        call = self._calls.get(attempt_id)
        if call is None or call.connected_at is not None:
            return
        call.connected_at = now
        self._tell(call.tenant_id, CallConnected(now, now - (call.answered_at or now)))

    def abandoned(self, attempt_id: UUID, now: float) -> None:
        call = self._calls.get(attempt_id)
        if call is not None and not call.released:
            call.released = True
            self._tell(call.tenant_id, CallAbandoned(now))

    def ended(
        self,
        attempt_id: UUID,
        now: float,
        outcome: Literal["busy", "no_answer", "failed"] = "failed",
    ) -> None:
        """The call is over (its channel hung up, or the Originate failed)."""
        call = self._calls.pop(attempt_id, None)
        if call is None:
            return
        if call.connected_at is not None:
            self._tell(call.tenant_id, TalkEnded(now, now - call.connected_at))
        elif call.answered_at is None:
            self._tell(call.tenant_id, CallUnanswered(now, outcome, now - call.placed_at))

    def wrap_ended(self, tenant_id: UUID, wrap_s: float, now: float) -> None:
        self._tell(tenant_id, WrapEnded(now, wrap_s))

    def knows(self, attempt_id: UUID) -> bool:
        return attempt_id in self._calls

    def active_tenants(self) -> set[UUID]:
        """Tenants with an operator signed in or a call still live."""
        signed_in = {
            op.tenant_id for op in self._desk.all() if op.state is not OperatorState.OFFLINE
        }
        return signed_in | {c.tenant_id for c in self._calls.values()}

    def live_calls(self, tenant_id: UUID | None = None) -> int:
        return sum(1 for c in self._calls.values() if tenant_id in (None, c.tenant_id))

    def snapshot(
        self,
        tenant_id: UUID,
        now: float,
        *,
        channel_headroom: int,
        cps_headroom: int,
        closes_in_s: float | None,
    ) -> PacingSnapshot:
        operators = [op for op in self._desk.all() if op.tenant_id == tenant_id]
        calls = [c for c in self._calls.values() if c.tenant_id == tenant_id]
        return PacingSnapshot(
            now=now,
            ready=sum(1 for op in operators if op.state is OperatorState.READY),
            talking_s=tuple(
                now - op.since for op in operators if op.state is OperatorState.TALKING
            ),
            wrapping_s=tuple(
                now - op.since for op in operators if op.state is OperatorState.WRAP_UP
            ),
            ringing_s=tuple(now - c.placed_at for c in calls if c.answered_at is None),
            waiting=sum(
                1
                for c in calls
                if c.answered_at is not None and c.connected_at is None and not c.released
            ),
            channel_headroom=channel_headroom,
            cps_headroom=cps_headroom,
            closes_in_s=closes_in_s,
        )
