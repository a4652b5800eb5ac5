"""Our predictive pacer: dial as many calls as the forecast says operators will be there for.

For each look-ahead horizon h it forecasts, from the measured answer rate, ring times and the
talk and wrap-up times of busy operators,
  answers(h) = people answering within h: calls in flight (by their age), the calls placed
               now, and those the next decisions will place at the present pace,
  free(h)    = operators ready now, plus busy ones likely ready within h + 2 s,
each a sum of independent chances, so roughly normal. It adds calls one at a time while the
next call's own chance of being abandoned — its person answers when answers(h) already reach
free(h) — stays within the governor's budget. Pricing the marginal call, not the average one,
puts the few abandons the rule allows where they buy the most talk time. It never places fewer
calls than progressive would, and the governor falls back to progressive near the cap.
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


def _rows(table: FloatArray, ages: tuple[float, ...], grid: int) -> FloatArray:
    """The table's row for each age (whole seconds, the last row for anything older)."""
    rows: FloatArray = table[[min(int(age), grid) for age in ages]]
    return rows


# How much of the present dialling pace competes with a call placed now (the next decisions
# dial less when operators are scarce). Measured in the simulator: it gave the same talk time
# as counting all of it with fewer abandons, on small and large floors.
LATER_WEIGHT = 0.5


class Predictive:
    def __init__(
        self,
        target_pct: float = 2.5,
        cap_pct: float = 3.0,
        ring_timeout_s: float = 30.0,
        max_lines_per_operator: float = 3.0,
        priors: Priors | None = None,
    ) -> None:
        self.stats = CallStats(priors or Priors(), ring_timeout_s)
        self.forecast = Forecast(self.stats, ring_timeout_s)
        self.governor = Governor(target_pct, cap_pct)
        self._max_lines = max_lines_per_operator

    def observe(self, event: PacingEvent) -> None:
        self.stats.observe(event)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        floor = within_limits(snapshot, progressive_need(snapshot))
        budget = self.governor.budget(self.stats.abandons, snapshot.now, snapshot.closes_in_s)
        if budget is None:
            return floor
        ceiling = within_limits(
            snapshot,
            math.floor(self._max_lines * snapshot.staffed) - snapshot.in_flight - snapshot.waiting,
        )
        if ceiling <= floor:
            return floor
        self.forecast.refresh()
        risk = _Risk(self.forecast, snapshot, self.stats.dial_rate(snapshot.now))
        # Each extra call risks more than the one before: add them while the next one's own
        # chance of being abandoned stays within the budget.
        n = floor
        while n < ceiling and risk.abandon_chance(n + 1) <= budget:
            n += 1
        return n


class _Risk:
    """The forecast for one snapshot, reduced to per-horizon means and variances."""

    def __init__(self, forecast: Forecast, snapshot: PacingSnapshot, dial_rate: float) -> None:
        # Each row: a chance per horizon; its variance as a Bernoulli is p(1 - p).
        rows = np.concatenate(
            (
                _rows(forecast.answer, snapshot.ringing_s, RING_GRID_S),
                -_rows(forecast.wrap, snapshot.wrapping_s, WRAP_GRID_S),
                -_rows(forecast.talk, snapshot.talking_s, TALK_GRID_S),
            )
        )
        # Calls the next decisions will place at the present pace compete for the same
        # operators (roughly Poisson, so their variance is their mean).
        later = LATER_WEIGHT * dial_rate * forecast.later
        self._gap: list[float] = (
            rows.sum(axis=0) + (snapshot.waiting - snapshot.ready) + later
        ).tolist()
        self._var: list[float] = ((np.abs(rows) - rows * rows).sum(axis=0) + later).tolist()
        self._q = forecast.new_call
        self._qvar = [q * (1 - q) for q in self._q]
        self._when = forecast.new_call_when

    def abandon_chance(self, n: int) -> float:
        """If the n-th new call (counting from 1) is answered by a person, the chance that
        every operator is taken by then: the calls before it (n - 1 new ones included)
        answering at least as many as there are operators free."""
        chance = 0.0
        for gap, var, q, qv, when in zip(
            self._gap, self._var, self._q, self._qvar, self._when, strict=True
        ):
            if when <= 0.0:
                continue
            mean = gap + (n - 1) * q + 0.5  # answers and operators come in whole numbers
            sd = math.sqrt(var + (n - 1) * qv) or 1e-9
            chance += when * 0.5 * (1.0 + math.erf(mean / sd / _SQRT2))
        return chance
