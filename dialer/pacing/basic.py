"""The plain modes: preview (the operator asks), progressive (a line per ready operator) and a
fixed ratio of lines per ready operator."""

from __future__ import annotations

import math

from dialer.pacing.events import PacingEvent
from dialer.pacing.snapshot import PacingSnapshot, within_limits


def progressive_need(snapshot: PacingSnapshot) -> int:
    """One line per ready operator, less the calls already out for them. Never abandons: a
    person can only answer while the operator their call was placed for still waits."""
    return snapshot.ready - snapshot.in_flight - snapshot.waiting


class Preview:
    """The dialer places nothing by itself; the operator asks for each call."""

    def observe(self, event: PacingEvent) -> None:
        pass

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return 0


class Progressive:
    def observe(self, event: PacingEvent) -> None:
        pass

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return within_limits(snapshot, progressive_need(snapshot))


class FixedRatio:
    """`ratio` lines per ready operator, whatever happens (a textbook baseline)."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def observe(self, event: PacingEvent) -> None:
        pass

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        lines = math.floor(self.ratio * snapshot.ready + 1e-9)
        return within_limits(snapshot, lines - snapshot.in_flight - snapshot.waiting)
