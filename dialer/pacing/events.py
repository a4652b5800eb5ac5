"""What a driver (the live dialer or the simulator) tells a pacer, one dataclass per fact.

Every event carries `at`, the driver's clock in seconds (monotonic in production, virtual in
the simulator): pacing code never reads a clock of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class CallPlaced:
    """An Originate was sent."""

    at: float


@dataclass(frozen=True, slots=True)
class CallUnanswered:
    """The call ended without an answer; `ring_s` is how long it was in flight."""

    at: float
    outcome: Literal["busy", "no_answer", "failed"]
    ring_s: float


@dataclass(frozen=True, slots=True)
class MachineAnswered:
    """AMD said machine: the call is hung up (or left a message) and needs no operator."""

    at: float
    ring_s: float


@dataclass(frozen=True, slots=True)
class LiveAnswered:
    """A person answered (AMD said human, or AMD is off); the 2-second clock starts now."""

    at: float
    ring_s: float


@dataclass(frozen=True, slots=True)
class CallConnected:
    """An answered person was bridged to an operator after `wait_s` (< 2 s)."""

    at: float
    wait_s: float


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """A person answered and no operator was free within 2 s: courtesy message, hang-up."""

    at: float


@dataclass(frozen=True, slots=True)
class TalkEnded:
    """An operator's conversation ended after `talk_s`; their wrap-up starts."""

    at: float
    talk_s: float


@dataclass(frozen=True, slots=True)
class WrapEnded:
    """An operator finished wrap-up after `wrap_s` and is ready again."""

    at: float
    wrap_s: float


PacingEvent = (
    CallPlaced
    | CallUnanswered
    | MachineAnswered
    | LiveAnswered
    | CallConnected
    | CallAbandoned
    | TalkEnded
    | WrapEnded
)
