"""Look-up tables that turn measured distributions into short-term forecasts.

For look-ahead horizons h = 0, 2, 4 … H seconds (H: the time by which nearly every person who
will answer has answered), on a 1-second grid of ages:
- `answer[a, k]`: a call that has rung `a` s without an outcome is answered by a person within
  the next h_k s,
- `wrap[w, k]` / `talk[e, k]`: an operator `w` s into wrap-up / `e` s into a conversation is
  ready within h_k + 2 s (the 2 s a person may wait before the call counts as abandoned).
Tables are rebuilt only after enough new samples, so a decision costs a few array look-ups.
"""

from __future__ import annotations

import numpy as np

from dialer.pacing.measures import RING_GRID_S, TALK_GRID_S, WRAP_GRID_S, CallStats, FloatArray

PATIENCE_S = 2  # the rule: a person who answered waits at most 2 s for an operator
STEP_S = 2
ANSWER_QUANTILE = 0.97
# Rebuild after this many new samples: ring tables are cheap, the talk table is not.
RING_REBUILD_AFTER = 25
BUSY_REBUILD_AFTER = 100


def _before(cdf: FloatArray, pad: int) -> FloatArray:
    """below[t] = P(X < t) for t = 0 … len + pad (1.0 past the grid)."""
    return np.concatenate(([0.0], cdf, np.ones(pad)))


def _conditional(below: FloatArray, ages: int, spans: FloatArray) -> FloatArray:
    """P(X < a + s | X >= a) for a in 0..ages-1 and each span s (one column per span)."""
    a = np.arange(ages)[:, None]
    survive = np.maximum(1.0 - below[a], 1e-9)
    table: FloatArray = np.clip(
        (below[a + spans.astype(int)[None, :]] - below[a]) / survive, 0.0, 1.0
    )
    return table


class Forecast:
    def __init__(self, stats: CallStats, ring_timeout_s: float) -> None:
        self._stats = stats
        self._ring_timeout = int(ring_timeout_s)
        self._ring_built = self._busy_built = -BUSY_REBUILD_AFTER
        self.horizons: FloatArray = np.zeros(1)
        self.answer: FloatArray = np.zeros((1, 1))
        self.later: FloatArray = np.zeros(1)
        self.wrap: FloatArray = np.zeros((1, 1))
        self.talk: FloatArray = np.zeros((1, 1))
        self.new_call: list[float] = []  # chance a call placed now is answered within h_k
        self.new_call_when: list[float] = []  # share of its answers in each horizon step
        self.refresh()

    def refresh(self) -> None:
        s = self._stats
        ring_version = s.live_ring.version + s.resolved.version
        busy_version = s.talk.version + s.wrap.version
        if ring_version - self._ring_built >= RING_REBUILD_AFTER:
            self._ring_built = ring_version
            previous = self.horizons.size
            self._build_ring()
            if self.horizons.size != previous:
                self._busy_built = -BUSY_REBUILD_AFTER  # new horizons: rebuild the rest too
        if busy_version - self._busy_built >= BUSY_REBUILD_AFTER:
            self._busy_built = busy_version
            self._build_busy()

    def _build_ring(self) -> None:
        s = self._stats
        live_cdf = s.live_ring.cdf()
        reach = int(np.searchsorted(live_cdf, ANSWER_QUANTILE)) + 1
        top = max(min(reach, self._ring_timeout), STEP_S * 2)
        self.horizons = np.arange(0, top + STEP_S, STEP_S, dtype=np.float64)
        pad = top + PATIENCE_S + 2
        live = _before(live_cdf, pad)
        resolved = _before(s.resolved.cdf(), pad)
        a = np.arange(RING_GRID_S + 1)[:, None]
        h = self.horizons.astype(int)[None, :]
        still_out = np.maximum(1.0 - resolved[a], 1e-9)
        share = s.live_share.share
        self.answer = np.clip(share * (live[a + h] - live[a]) / still_out, 0.0, 1.0)
        # Calls still to be placed in the next h s answer by h too: per call placed a second,
        # the integral of a fresh call's answer chance over the horizon.
        fresh = share * live[: top + 1]
        self.later = np.concatenate(([0.0], np.cumsum(fresh)))[self.horizons.astype(int)]
        first = self.answer[0]
        self.new_call = first.tolist()
        self.new_call_when = (np.diff(first, prepend=0.0) / max(float(first[-1]), 1e-9)).tolist()

    def _build_busy(self) -> None:
        pad = int(self.horizons[-1]) + PATIENCE_S + 2
        wrap = _before(self._stats.wrap.cdf(), pad)
        self.wrap = _conditional(wrap, WRAP_GRID_S + 1, self.horizons + PATIENCE_S)
        self.talk = self._talk_then_wrap(wrap, pad)

    def _talk_then_wrap(self, wrap: FloatArray, pad: int) -> FloatArray:
        """P(rest of the talk + a whole wrap-up < h + 2 | talked e so far), by summing over
        the second the talk ends in."""
        talk = _before(self._stats.talk.cdf(), pad)
        e = np.arange(TALK_GRID_S + 1)
        survive = np.maximum(1.0 - talk[e], 1e-9)
        table = np.zeros((e.size, self.horizons.size))
        for k, h in enumerate(self.horizons.astype(int) + PATIENCE_S):
            for t in range(h):
                ends_now = talk[e + t + 1] - talk[e + t]
                table[:, k] += ends_now * wrap[h - t - 1]
        clipped: FloatArray = np.clip(table / survive[:, None], 0.0, 1.0)
        return clipped
