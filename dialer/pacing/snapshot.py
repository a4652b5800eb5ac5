"""The state a pacer decides on, and the one interface every driver uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dialer.pacing.events import PacingEvent


@dataclass(frozen=True, slots=True)
class PacingSnapshot:
    """The campaign's floor at `now` (seconds, the driver's clock).

    Ages rather than start times, so a pacer needs no clock: `talking_s[i]` is how long the
    i-th talking operator has talked, `ringing_s[j]` how long the j-th call in flight has rung.
    """

    now: float
    ready: int
    talking_s: tuple[float, ...] = ()
    wrapping_s: tuple[float, ...] = ()
    ringing_s: tuple[float, ...] = ()
    waiting: int = 0  # answered people not yet bridged (each is < 2 s from abandon)
    channel_headroom: int = 1_000_000  # trunk channels still free
    cps_headroom: int = 1_000_000  # Originates the calls-per-second limit allows right now
    closes_in_s: float | None = None  # until the calling window closes, if the driver knows

    @property
    def staffed(self) -> int:
        return self.ready + len(self.talking_s) + len(self.wrapping_s)

    @property
    def in_flight(self) -> int:
        return len(self.ringing_s)


class Pacer(Protocol):
    """How many calls to place now. The driver feeds every event through `observe` as it
    happens, and asks `calls_to_place` whenever the floor changes (and at least once a
    second); it then places exactly that many calls, each reported as `CallPlaced`."""

    def observe(self, event: PacingEvent) -> None: ...

    def calls_to_place(self, snapshot: PacingSnapshot) -> int: ...


def within_limits(snapshot: PacingSnapshot, wanted: int) -> int:
    """Never more than the trunk and the calls-per-second limit allow, never negative."""
    return max(0, min(wanted, snapshot.channel_headroom, snapshot.cps_headroom))
