"""Our predictive pacer: dial as many calls as the forecast says operators will be there for.

For each look-ahead horizon h it forecasts, from the measured answer rate, ring times and the
talk and wrap-up times of busy operators,
  answers(h) = people answering within h (calls in flight, by their age, plus n new calls),
  free(h)    = operators ready now, plus busy ones likely ready within h + 2 s,
each a sum of independent chances, so roughly normal. Whatever of answers(h) - free(h) is
positive would be abandoned; the pacer places the largest n whose expected overflow, at the
worst horizon, stays within the governor's budget of expected live answers. It never places
fewer calls than progressive would, so it cannot starve operators that progressive would feed.
"""

from __future__ import annotations

import math

import numpy as np

from dialer.pacing.basic import progressive_need
from dialer.pacing.events import PacingEvent
from dialer.pacing.forecast import Forecast
from dialer.pacing.governor import Governor
from dialer.pacing.measures import (
    RING_GRID_S,
    TALK_GRID_S,
    WRAP_GRID_S,
    CallStats,
    FloatArray,
    Priors,
)
from dialer.pacing.snapshot import PacingSnapshot, within_limits

_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


def expected_excess(mean: float, var: float) -> float:
    """E[max(X, 0)] for X normal(mean, var)."""
    if var <= 1e-12:
        return max(mean, 0.0)
    sd = math.sqrt(var)
    z = mean / sd
    return mean * 0.5 * (1.0 + math.erf(z / _SQRT2)) + sd * _INV_SQRT2PI * math.exp(-0.5 * z * z)


def _rows(table: FloatArray, ages: tuple[float, ...], grid: int) -> FloatArray:
    index = np.minimum(np.asarray(ages, dtype=np.int64), grid)
    return table[index]


class Predictive:
    def __init__(self, target_pct: float = 2.0, cap_pct: float = 3.0,
                 ring_timeout_s: float = 25.0, max_lines_per_operator: float = 3.0,
                 priors: Priors | None = None) -> None:
        self.stats = CallStats(priors or Priors(), ring_timeout_s)
        self.forecast = Forecast(self.stats, ring_timeout_s)
        self.governor = Governor(target_pct, cap_pct)
        self._max_lines = max_lines_per_operator

    def observe(self, event: PacingEvent) -> None:
        self.stats.observe(event)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        floor = within_limits(snapshot, progressive_need(snapshot))
        budget = self.governor.budget(self.stats.abandons, snapshot.now)
        if budget is None:
            return floor
        ceiling = within_limits(snapshot, math.floor(self._max_lines * snapshot.staffed)
                                - snapshot.in_flight - snapshot.waiting)
        if ceiling <= floor:
            return floor
        self.forecast.refresh()
        risk = _Risk(self.forecast, snapshot)
        if not risk.acceptable(floor + 1, budget):
            return floor
        # Largest acceptable n: double, then halve the gap (risk grows with n).
        good, step = floor + 1, 1
        while good + step <= ceiling and risk.acceptable(good + step, budget):
            good += step
            step *= 2
        bad = min(good + step, ceiling + 1)
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if risk.acceptable(middle, budget) else (good, middle)
        return good


class _Risk:
    """The forecast for one snapshot, reduced to per-horizon means and variances."""

    def __init__(self, forecast: Forecast, snapshot: PacingSnapshot) -> None:
        answers = _rows(forecast.answer, snapshot.ringing_s, RING_GRID_S)
        wraps = _rows(forecast.wrap, snapshot.wrapping_s, WRAP_GRID_S)
        talks = _rows(forecast.talk, snapshot.talking_s, TALK_GRID_S)
        free_mean = snapshot.ready + wraps.sum(axis=0) + talks.sum(axis=0)
        self._gap: list[float] = (answers.sum(axis=0) + snapshot.waiting - free_mean).tolist()
        self._var: list[float] = (
            (answers * (1 - answers)).sum(axis=0) + (wraps * (1 - wraps)).sum(axis=0)
            + (talks * (1 - talks)).sum(axis=0)
        ).tolist()
        self._answered = float(answers[:, -1].sum()) if answers.size else 0.0
        q = forecast.new_call()
        self._q: list[float] = q.tolist()
        self._qvar: list[float] = (q * (1 - q)).tolist()

    def acceptable(self, n: int, budget: float) -> bool:
        worst = max(
            expected_excess(gap + n * q, var + n * qv)
            for gap, var, q, qv in zip(self._gap, self._var, self._q, self._qvar, strict=True)
        )
        return worst <= budget * (self._answered + n * self._q[-1])
