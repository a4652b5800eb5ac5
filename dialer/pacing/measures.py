"""What a pacer learns from events: sliding-window histograms and a rolling abandon rate.

Windows slide by count (the last N samples), so a campaign follows an answer rate that changes
during the day; priors are the first samples in each window, so they fade as real ones arrive.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from dialer.pacing.events import (
    CallAbandoned,
    CallPlaced,
    CallUnanswered,
    LiveAnswered,
    MachineAnswered,
    PacingEvent,
    TalkEnded,
    WrapEnded,
)

FloatArray = npt.NDArray[np.float64]

DAY_S = 24 * 3600.0


class Histogram:
    """Samples on a 1-second grid, the last `window` of them; `cdf()[k]` is P(X < k + 1)."""

    def __init__(self, max_s: int, window: int, prior: Iterable[float] = ()) -> None:
        self._max = max_s
        self._counts = np.zeros(max_s + 1)
        self._samples: deque[int] = deque()
        self._window = window
        self._cdf: FloatArray | None = None
        self.version = 0  # grows with every sample, so dependants know when to rebuild
        for value in prior:
            self.add(value)

    def add(self, value: float) -> None:
        slot = min(max(int(value), 0), self._max)
        self._samples.append(slot)
        self._counts[slot] += 1
        if len(self._samples) > self._window:
            self._counts[self._samples.popleft()] -= 1
        self._cdf = None
        self.version += 1

    def cdf(self) -> FloatArray:
        if self._cdf is None:
            total = max(len(self._samples), 1)
            self._cdf = np.cumsum(self._counts) / total
        return self._cdf


class RollingShare:
    """The share of `True` among the last `window` outcomes."""

    def __init__(self, window: int, prior_share: float, prior_weight: int) -> None:
        self._outcomes: deque[bool] = deque(maxlen=window)
        self._hits = 0
        hits = round(prior_share * prior_weight)
        for index in range(prior_weight):
            self.add(index < hits)

    def add(self, hit: bool) -> None:
        if len(self._outcomes) == self._outcomes.maxlen and self._outcomes[0]:
            self._hits -= 1
        self._outcomes.append(hit)
        self._hits += hit

    @property
    def share(self) -> float:
        return self._hits / len(self._outcomes) if self._outcomes else 0.0


# A pause this long between live answers ends a calling session (a night, a weekend).
SESSION_GAP_S = 6 * 3600.0


class AbandonRate:
    """Abandoned / live answers over a rolling time window (the rule's 24 h by default), and
    since the current calling session began. Events come in time order."""

    def __init__(self, window_s: float = DAY_S) -> None:
        self._window = window_s
        self._live: deque[float] = deque()
        self._abandoned: deque[float] = deque()
        self._last_live: float | None = None
        self._session_start = 0.0
        self._session_live = self._session_abandoned = 0

    def observe(self, event: PacingEvent) -> None:
        if isinstance(event, LiveAnswered):
            self.live(event.at)
        elif isinstance(event, CallAbandoned):
            self.abandoned(event.at)

    def live(self, at: float) -> None:
        self._live.append(at)
        if self._quiet_since_last(at):
            self._session_live = self._session_abandoned = 0
            self._session_start = at
        self._session_live += 1
        self._last_live = at

    def abandoned(self, at: float) -> None:
        self._abandoned.append(at)
        self._session_abandoned += 1

    def counts(self, now: float) -> tuple[int, int]:
        """(abandoned, live answers) inside the window ending at `now`."""
        for times in (self._live, self._abandoned):
            while times and times[0] <= now - self._window:
                times.popleft()
        return len(self._abandoned), len(self._live)

    def session_counts(self, now: float) -> tuple[int, int]:
        """(abandoned, live answers) since the current calling session began; (0, 0) once
        it has been quiet for a session gap."""
        if self._quiet_since_last(now):
            return 0, 0
        return self._session_abandoned, self._session_live

    def session_age(self, now: float) -> float:
        """Seconds since the current calling session's first live answer (0 outside one)."""
        return 0.0 if self._quiet_since_last(now) else now - self._session_start

    def _quiet_since_last(self, at: float) -> bool:
        """No live answer yet, or none for a session gap: a new session starts."""
        return self._last_live is None or at - self._last_live >= SESSION_GAP_S

    def rate(self, now: float) -> float:
        abandoned, live = self.counts(now)
        return abandoned / live if live else 0.0


@dataclass(frozen=True)
class Priors:
    """What a new campaign assumes before it has measured anything (a cautious call center)."""

    live_share: float = 0.15
    ring_mean_s: float = 10.0
    ring_sd_s: float = 5.0
    talk_mean_s: float = 180.0
    talk_sd_s: float = 120.0
    wrap_mean_s: float = 45.0
    wrap_sd_s: float = 15.0
    weight: int = 20  # how many pseudo-samples each prior counts as


def normal_quantiles(mean: float, sd: float, count: int) -> list[float]:
    dist = NormalDist(mean, sd)
    return [max(dist.inv_cdf((i + 0.5) / count), 0.0) for i in range(count)]


def lognormal_quantiles(mean: float, sd: float, count: int) -> list[float]:
    sigma2 = float(np.log1p((sd / mean) ** 2))
    dist = NormalDist(float(np.log(mean)) - sigma2 / 2, sigma2**0.5)
    return [float(np.exp(dist.inv_cdf((i + 0.5) / count))) for i in range(count)]


RING_GRID_S = 180  # no call rings longer than this (the ring timeout is far below)
TALK_GRID_S = 3600
WRAP_GRID_S = 900
DIAL_RATE_WINDOW_S = 60.0


class CallStats:
    """Everything the pacers measure, fed by the same events they observe."""

    def __init__(self, priors: Priors, ring_timeout_s: float) -> None:
        w = priors.weight
        self.live_share = RollingShare(600, priors.live_share, w)
        ring_prior = normal_quantiles(priors.ring_mean_s, priors.ring_sd_s, w)
        self.live_ring = Histogram(RING_GRID_S, 300, ring_prior)
        # How long any call stays in flight: answered ones ring, the rest hit the timeout.
        live = round(priors.live_share * w)
        self.resolved = Histogram(
            RING_GRID_S,
            600,
            normal_quantiles(priors.ring_mean_s, priors.ring_sd_s, live)
            + [ring_timeout_s] * (w - live),
        )
        self.talk = Histogram(
            TALK_GRID_S, 300, lognormal_quantiles(priors.talk_mean_s, priors.talk_sd_s, w)
        )
        self.wrap = Histogram(
            WRAP_GRID_S, 300, normal_quantiles(priors.wrap_mean_s, priors.wrap_sd_s, w)
        )
        self.abandons = AbandonRate()
        self._placed: deque[float] = deque()

    def dial_rate(self, now: float) -> float:
        """Calls placed per second over the last minute."""
        while self._placed and self._placed[0] <= now - DIAL_RATE_WINDOW_S:
            self._placed.popleft()
        return len(self._placed) / DIAL_RATE_WINDOW_S

    def observe(self, event: PacingEvent) -> None:
        self.abandons.observe(event)
        match event:
            case CallPlaced(at=at):
                self._placed.append(at)
            case CallUnanswered(ring_s=ring_s) | MachineAnswered(ring_s=ring_s):
                self.live_share.add(False)
                self.resolved.add(ring_s)
            case LiveAnswered(ring_s=ring_s):
                self.live_share.add(True)
                self.resolved.add(ring_s)
                self.live_ring.add(ring_s)
            case TalkEnded(talk_s=talk_s):
                self.talk.add(talk_s)
            case WrapEnded(wrap_s=wrap_s):
                self.wrap.add(wrap_s)
            case _:
                pass
