"""Who can take a call now: each logged-in operator's state, kept in memory by the one
process that bridges calls. Pure code with `now` passed in, so the same desk serves the live
dialer and tests.

    offline → connecting (their phone is being called) → ready ⇄ paused
    ready → talking (a call was bridged) → wrap_up (the caller left) → ready | paused

A call goes to the operator who has been ready the longest (fair, and it spreads talk time).

An operator sees one person's card: the person of the call they are talking on or wrapping up
(`card_attempt_id`). Every move out of talking and wrap-up clears it, so nothing of a call
outlives its wrap-up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from saikoku.core.errors import Conflict


class OperatorState(StrEnum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    READY = "ready"
    PAUSED = "paused"
    TALKING = "talking"
    WRAP_UP = "wrap_up"


# The states in which the operator is on a call or wrapping it up: the only ones with a card.
ON_A_CALL = frozenset({OperatorState.TALKING, OperatorState.WRAP_UP})


class OperatorStateError(Conflict):
    """The operator cannot do that from the state they are in."""

    code = "wrong_state"


@dataclass
class Operator:
    user_id: UUID
    tenant_id: UUID
    endpoint: str
    state: OperatorState = OperatorState.OFFLINE
    since: float = 0.0
    # Their phone's channel in the PBX and the bridge it waits in (a nailed-up line).
    line_channel: str | None = None
    bridge_id: str | None = None
    # The caller in their bridge now (talking only).
    attempt_id: UUID | None = None
    # The call they are on or wrapping up: whose card they may see and whose outcome they
    # save. Set only while talking or in wrap-up.
    card_attempt_id: UUID | None = None
    # Ready or paused once the phone line is up.
    wants_ready: bool = True


@dataclass(frozen=True)
class Change:
    """One state change, for the operator_state_changes table."""

    user_id: UUID
    tenant_id: UUID
    from_state: OperatorState
    to_state: OperatorState
    reason: str | None = None


class OperatorDesk:
    def __init__(self) -> None:
        self._operators: dict[UUID, Operator] = {}

    def get(self, user_id: UUID) -> Operator | None:
        return self._operators.get(user_id)

    def all(self) -> list[Operator]:
        return list(self._operators.values())

    def _move(self, op: Operator, to: OperatorState, now: float, reason: str | None) -> Change:
        change = Change(op.user_id, op.tenant_id, op.state, to, reason)
        op.state, op.since = to, now
        if to not in ON_A_CALL:
            op.card_attempt_id = None
        return change

    def sign_in(self, user_id: UUID, tenant_id: UUID, endpoint: str, now: float) -> Change:
        """The operator asked to work: their phone is about to be called."""
        op = self._operators.get(user_id)
        if op is None:
            op = self._operators[user_id] = Operator(user_id, tenant_id, endpoint)
        if op.state is not OperatorState.OFFLINE:
            raise OperatorStateError(f"operator is {op.state}, already signed in")
        op.endpoint, op.wants_ready = endpoint, True
        return self._move(op, OperatorState.CONNECTING, now, None)

    def line_up(self, user_id: UUID, channel: str, bridge_id: str, now: float) -> Change | None:
        op = self._operators.get(user_id)
        if op is None or op.state is not OperatorState.CONNECTING:
            return None
        op.line_channel, op.bridge_id = channel, bridge_id
        to = OperatorState.READY if op.wants_ready else OperatorState.PAUSED
        return self._move(op, to, now, "phone answered")

    def line_down(self, user_id: UUID, now: float, reason: str) -> Change | None:
        """The phone line ended (hung up, failed, or signed out): nothing can be bridged."""
        op = self._operators.get(user_id)
        if op is None or op.state is OperatorState.OFFLINE:
            return None
        op.line_channel = op.bridge_id = None
        op.attempt_id = None
        return self._move(op, OperatorState.OFFLINE, now, reason)

    def set_ready(
        self, user_id: UUID, ready: bool, now: float, reason: str | None = None
    ) -> Change | None:
        """Ready or pause. From wrap-up, ready ends the wrap-up; while talking or connecting
        the wish is kept and applied when the call or the line setup ends."""
        op = self._require(user_id)
        op.wants_ready = ready
        target = OperatorState.READY if ready else OperatorState.PAUSED
        if op.state in (OperatorState.READY, OperatorState.PAUSED, OperatorState.WRAP_UP):
            if op.state is target:
                return None
            return self._move(op, target, now, reason)
        if op.state is OperatorState.OFFLINE:
            raise OperatorStateError("operator is offline: sign in first")
        return None

    def take_longest_ready(
        self, tenant_id: UUID, attempt_id: UUID, now: float
    ) -> tuple[Operator, Change] | None:
        """Give the call to the tenant's operator who has waited longest, if any."""
        ready = [
            op
            for op in self._operators.values()
            if op.tenant_id == tenant_id and op.state is OperatorState.READY
        ]
        if not ready:
            return None
        op = min(ready, key=lambda o: (o.since, str(o.user_id)))
        op.attempt_id = op.card_attempt_id = attempt_id
        return op, self._move(op, OperatorState.TALKING, now, None)

    def reserve(self, user_id: UUID, attempt_id: UUID, now: float) -> Change:
        """Preview mode: the ready operator dials this call themselves; it is theirs."""
        op = self._require(user_id)
        if op.state is not OperatorState.READY:
            raise OperatorStateError(f"operator is {op.state}: only a ready operator dials")
        op.attempt_id = op.card_attempt_id = attempt_id
        return self._move(op, OperatorState.TALKING, now, "preview call")

    def holder_of(self, attempt_id: UUID) -> Operator | None:
        return next(
            (
                op
                for op in self._operators.values()
                if op.attempt_id == attempt_id and op.state is OperatorState.TALKING
            ),
            None,
        )

    def unanswered(self, attempt_id: UUID, now: float) -> Change | None:
        """A preview call nobody answered: the operator is ready again (nothing to record)."""
        op = self.holder_of(attempt_id)
        if op is None:
            return None
        op.attempt_id = None
        return self._move(op, OperatorState.READY, now, "preview call not answered")

    def call_ended(self, attempt_id: UUID, now: float) -> Change | None:
        """The caller left the operator's bridge: wrap-up begins."""
        for op in self._operators.values():
            if op.attempt_id == attempt_id and op.state is OperatorState.TALKING:
                op.attempt_id = None
                return self._move(op, OperatorState.WRAP_UP, now, None)
        return None

    def operator_of_line(self, channel: str) -> Operator | None:
        return next((op for op in self._operators.values() if op.line_channel == channel), None)

    def counts(self, tenant_id: UUID) -> Counter[OperatorState]:
        return Counter(op.state for op in self._operators.values() if op.tenant_id == tenant_id)

    def _require(self, user_id: UUID) -> Operator:
        op = self._operators.get(user_id)
        if op is None:
            raise OperatorStateError("operator is offline: sign in first")
        return op
