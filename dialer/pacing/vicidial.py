"""A baseline after VICIdial's published ADAPT_AVERAGE description (no code of it was used).

Every 15 s the dial level moves: by the average, over that window, of ready operators less
answered calls waiting (per working operator, scaled by the intensity), and down when the day's
drop percentage is over its target. Lines out = level x working operators (ready + talking),
counting the calls already talking, so level 1.0 is progressive-like and up to 3.0 dials ahead.
"""

from __future__ import annotations

import math

from dialer.pacing.events import PacingEvent
from dialer.pacing.measures import AbandonRate
from dialer.pacing.snapshot import PacingSnapshot, within_limits

UPDATE_S = 15.0
MAX_LEVEL = 3.0


class VicidialAdaptAverage:
    def __init__(self, drop_target_pct: float = 3.0, intensity: float = 0.0) -> None:
        self.level = 1.0
        self._target = drop_target_pct / 100
        # VICIdial's modifier runs from -40 (gentle) to +40 (aggressive).
        self._gain = 1.0 + intensity / 40
        self._drops = AbandonRate()
        self._window: list[int] = []
        self._next_update: float | None = None

    def observe(self, event: PacingEvent) -> None:
        self._drops.observe(event)

    def _update(self, snapshot: PacingSnapshot) -> None:
        working = max(snapshot.ready + len(snapshot.talking_s), 1)
        differential = sum(self._window) / max(len(self._window), 1)
        self._window.clear()
        drop = self._drops.rate(snapshot.now)
        if drop > self._target:
            self.level -= self._gain * 0.5 * (drop - self._target) / self._target
        else:
            self.level += self._gain * differential / working
        self.level = min(max(self.level, 1.0), MAX_LEVEL)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        self._window.append(snapshot.ready - snapshot.waiting)
        if self._next_update is None:
            self._next_update = snapshot.now + UPDATE_S
        elif snapshot.now >= self._next_update:
            self._update(snapshot)
            self._next_update = snapshot.now + UPDATE_S
        talking = len(snapshot.talking_s)
        lines = math.ceil(self.level * (snapshot.ready + talking) - 1e-9)
        return within_limits(snapshot, lines - talking - snapshot.in_flight - snapshot.waiting)
