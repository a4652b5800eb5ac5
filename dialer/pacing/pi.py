"""A baseline: a PI controller on the abandon rate, as published (Kp 2.0, Ki 0.05, target
2.5 %, cap 3 %). The error is in percentage points, the output a dial ratio (lines per ready
operator) between 1 and the maximum; at the cap it dials progressively."""

from __future__ import annotations

import math

from dialer.pacing.basic import progressive_need
from dialer.pacing.events import PacingEvent
from dialer.pacing.measures import AbandonRate
from dialer.pacing.snapshot import PacingSnapshot, within_limits

UPDATE_S = 15.0


class PiController:
    def __init__(
        self,
        kp: float = 2.0,
        ki: float = 0.05,
        target_pct: float = 2.5,
        cap_pct: float = 3.0,
        max_ratio: float = 3.0,
    ) -> None:
        self._kp, self._ki = kp, ki
        self._target, self._cap = target_pct, cap_pct
        self._max = max_ratio
        self._integral = 0.0
        self.ratio = 1.0
        self._abandons = AbandonRate()
        self._next_update: float | None = None

    def observe(self, event: PacingEvent) -> None:
        self._abandons.observe(event)

    def _update(self, measured_pct: float) -> None:
        error = self._target - measured_pct
        # Anti-windup: the integral alone never asks for more than the ratio's whole range.
        bound = (self._max - 1.0) / self._ki
        self._integral = min(max(self._integral + error, -bound), bound)
        raw = 1.0 + self._kp * error + self._ki * self._integral
        self.ratio = min(max(raw, 1.0), self._max)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        measured_pct = 100 * self._abandons.rate(snapshot.now)
        if self._next_update is None or snapshot.now >= self._next_update:
            self._update(measured_pct)
            self._next_update = snapshot.now + UPDATE_S
        if measured_pct >= self._cap:
            return within_limits(snapshot, progressive_need(snapshot))
        lines = math.floor(self.ratio * snapshot.ready + 1e-9)
        return within_limits(snapshot, lines - snapshot.in_flight - snapshot.waiting)
