"""The abandon-rate rule as a governor: how much risk the next calls may take.

Below the target the budget grows (a quiet morning leaves room), between the target and a
point just short of the cap it shrinks to zero, and at the cap (or on an hour with no live
answers yet to measure by) the caller must dial progressively, which never abandons.
"""

from __future__ import annotations

from dialer.pacing.measures import AbandonRate

MIN_LIVE_ANSWERS = 20  # fewer than this and a single abandon would read as several percent
SLACK_GAIN = 1.0  # how fast unused budget turns into more risk
MAX_BOOST = 2.0
# Throttle to nothing this far from the target towards the cap: abandons already ringing still
# land after the pacer stops adding risk.
STOP_AT = 0.75


class Governor:
    def __init__(self, target_pct: float, cap_pct: float) -> None:
        self.target = target_pct / 100
        self.cap = cap_pct / 100
        self.stop = self.target + STOP_AT * (self.cap - self.target)

    def budget(self, abandons: AbandonRate, now: float) -> float | None:
        """The abandon rate to aim at from now on, or None: dial progressively.

        Judged on the 24-h window and on the current calling session, whichever is stricter:
        calls stop at night, so by the end of a day the window holds that day alone — early
        on, yesterday's answers in the window would hide today's abandons until too late."""
        budgets = [self._budget(*abandons.counts(now)),
                   self._budget(*abandons.session_counts(now))]
        return None if None in budgets else min(b for b in budgets if b is not None)

    def _budget(self, abandoned: int, live: int) -> float | None:
        if live < MIN_LIVE_ANSWERS:
            return None if abandoned else self.target
        rate = abandoned / live
        if rate >= self.stop:
            return None
        if rate <= self.target:
            return self.target * min(1 + SLACK_GAIN * (self.target - rate) / self.target,
                                     MAX_BOOST)
        return self.target * (self.stop - rate) / (self.stop - self.target)
