"""Common random numbers: the n-th call placed and the n-th conversation of a replication get
the same draws whatever the policy, so policies differ only by their decisions."""

from __future__ import annotations

import math

import numpy as np

from dialer.sim.scenario import Scenario

CHUNK = 4096


class _Column:
    """An endless column of draws, made a chunk at a time from its own generator."""

    def __init__(self, rng: np.random.Generator, draw: str, *args: float) -> None:
        self._rng, self._draw, self._args = rng, draw, args
        self._values: list[float] = []

    def __getitem__(self, index: int) -> float:
        while index >= len(self._values):
            self._values.extend(getattr(self._rng, self._draw)(*self._args, CHUNK).tolist())
        return self._values[index]


class Streams:
    def __init__(
        self, scenario: Scenario, replication: int, warm_up_day: int | None = None
    ) -> None:
        """The draws of a replication's measured day, or of one of its warm-up days."""
        key = [scenario.seed, replication] + ([] if warm_up_day is None else [1 + warm_up_day])
        seeds = np.random.SeedSequence(key).spawn(5)
        rngs = [np.random.default_rng(s) for s in seeds]
        ring, talk, wrap = scenario.ring_time_s, scenario.talk_time_s, scenario.wrap_time_s
        sigma2 = math.log1p((talk.sd / talk.mean) ** 2)
        self.fate = _Column(rngs[0], "random")
        self.machine = _Column(rngs[1], "random")
        self.ring = _Column(rngs[2], "normal", ring.mean, ring.sd)
        self.talk = _Column(
            rngs[3], "lognormal", math.log(talk.mean) - sigma2 / 2, math.sqrt(sigma2)
        )
        self.wrap = _Column(rngs[4], "normal", wrap.mean, wrap.sd)
