"""The abandon-rate rule as a governor: how much risk the next calls may take.

Talk time grows ever more slowly with the risk each call may take, and falling back to
progressive costs far more than a small budget does, so the governor keeps the budget steady
and corrects only what the rule needs:
- the calling session (the day) must end under the cap: it projects the session's rate from
  what has happened and the live answers still to come before the calling window closes,
  keeps a margin for the chance the last hour runs unlucky, and spreads any excess over the
  rest of the session instead of chasing it now;
- the rolling 24-h rate (yesterday's late calls are still in it in the morning) throttles the
  budget as it nears the cap, smoothly, down to a floor, and only at the cap itself the
  caller must dial progressively, which never abandons.
"""

from __future__ import annotations

import math

from dialer.pacing.measures import AbandonRate

MIN_LIVE_ANSWERS = 20  # fewer than this and a single abandon would read as several percent
# The budget is the risk of the last call placed; the calls before it risk less. Measured in
# the simulator, the average call's risk is about 0.85 of the budget, so a steady budget of
# 1.36 x target lands a little over the target.
BUDGET_PER_TARGET = 1.36
AVERAGE_PER_BUDGET = 0.85
# The 24-h throttle starts this far from the target towards the cap and bottoms out at the
# cap at FLOOR_SHARE of the steady budget; below the same share the session falls back.
THROTTLE_FROM = 0.4
FLOOR_SHARE = 0.15
# Session margin: Z standard deviations of the abandons the last LAST_STRETCH_S of calling may
# bring, which no later correction can undo, and half an abandon (they come whole: on a small
# floor one is a third of a point of the day's rate).
Z = 2.0
WHOLE = 0.5
LAST_STRETCH_S = 3600.0
# Spread an excess over at least this much of the coming calling (also the assumed rest of the
# session when the driver does not know when the window closes).
MIN_SPREAD_S = 360.0
UNKNOWN_CLOSE_S = 3600.0
MIN_MEASURE_S = 300.0  # the session's answer rate is measured over at least this long


class Governor:
    def __init__(self, target_pct: float, cap_pct: float) -> None:
        self.target = target_pct / 100
        self.cap = cap_pct / 100
        self.steady = BUDGET_PER_TARGET * self.target
        self._throttle_from = self.target + THROTTLE_FROM * (self.cap - self.target)

    def budget(
        self, abandons: AbandonRate, now: float, closes_in_s: float | None = None
    ) -> float | None:
        """The risk the next call may take, or None: dial progressively. `closes_in_s`: when
        the calling window closes, if the driver knows."""
        rolling = self._rolling(*abandons.counts(now))
        if rolling is None:
            return None
        session = self._session(
            *abandons.session_counts(now), abandons.session_age(now), closes_in_s
        )
        return None if session is None else min(rolling, session)

    def _rolling(self, abandoned: int, live: int) -> float | None:
        if live < MIN_LIVE_ANSWERS:
            return None if abandoned else self.steady
        rate = abandoned / live
        if rate >= self.cap:
            return None
        over = max(rate - self._throttle_from, 0.0) / (self.cap - self._throttle_from)
        return self.steady * (1 - over * (1 - FLOOR_SHARE))

    def _session(
        self, abandoned: int, live: int, age_s: float, closes_in_s: float | None
    ) -> float | None:
        if live == 0:
            return self.steady
        per_s = live / max(age_s, MIN_MEASURE_S)
        to_come = per_s * max(UNKNOWN_CLOSE_S if closes_in_s is None else closes_in_s, MIN_SPREAD_S)
        last_stretch = min(to_come, per_s * LAST_STRETCH_S)
        margin = Z * math.sqrt(self.steady * AVERAGE_PER_BUDGET * last_stretch) + WHOLE
        # The rate the calls still to come may average for the session to end at the cap.
        allowed = (self.cap * (live + to_come) - margin - abandoned) / to_come
        budget = allowed / AVERAGE_PER_BUDGET
        if budget < FLOOR_SHARE * self.steady:
            return None
        return min(budget, self.steady)
