"""A simulated calling day: the scenario file's keys, validated."""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dialer.pacing.settings import MIN_RING_TIMEOUT_S
from saikoku.core.errors import ConfigurationError

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class Spread(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mean: float = Field(gt=0)
    sd: float = Field(ge=0)


class TalkTime(Spread):
    dist: Literal["lognormal"] = "lognormal"


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    operators: int = Field(ge=1, le=1000)
    hours: float = Field(gt=0, le=24)
    # Share of dials answered (by a person or a machine); constant or a step schedule.
    answer_rate: float | None = Field(default=None, ge=0, le=1)
    answer_rate_schedule: tuple[tuple[float, float], ...] | None = None
    machine_rate: float = Field(default=0.0, ge=0, lt=1)  # share of answers that are machines
    busy_rate: float = Field(default=0.0, ge=0, le=1)
    ring_time_s: Spread = Spread(mean=10.0, sd=5.0)  # until those who answer do
    no_answer_timeout_s: float = Field(default=30.0, ge=MIN_RING_TIMEOUT_S, le=120)
    talk_time_s: TalkTime = TalkTime(mean=180.0, sd=120.0)
    wrap_time_s: Spread = Spread(mean=45.0, sd=15.0)
    seed: int = 1
    replications: int = Field(default=10, ge=1, le=10_000)
    # Not in the list, with defaults that rarely need changing:
    amd_machine_s: float = Field(default=3.0, ge=0, le=30)  # AMD listens this long to a machine
    busy_signal_s: float = Field(default=3.0, ge=0, le=60)
    cps_limit: float = Field(default=10.0, gt=0, le=1000)
    trunk_channels: int = Field(default=1000, ge=1)
    # Days of the same campaign simulated before each measured day (with draws of their own),
    # so the pacer starts it knowing the last 24 h, as a product dialer does from its attempt
    # rows (dialer/replay.py). 0: the measured day is the campaign's very first.
    warm_up_days: int = Field(default=0, ge=0, le=7)

    @model_validator(mode="after")
    def _one_answer_rate(self) -> Scenario:
        if (self.answer_rate is None) == (self.answer_rate_schedule is None):
            raise ValueError("give exactly one of answer_rate and answer_rate_schedule")
        if self.answer_rate_schedule is not None:
            minutes = [m for m, _ in self.answer_rate_schedule]
            if not minutes or minutes[0] != 0 or minutes != sorted(minutes):
                raise ValueError(
                    "answer_rate_schedule: [[minute, rate], …] from minute 0, in order"
                )
            if any(not 0 <= r <= 1 for _, r in self.answer_rate_schedule):
                raise ValueError("answer_rate_schedule: rates are shares from 0 to 1")
        if max(self.answer_rates()) + self.busy_rate > 1:
            raise ValueError("answer_rate + busy_rate must not exceed 1")
        return self

    def answer_rates(self) -> list[float]:
        if self.answer_rate_schedule is None:
            return [self.answer_rate or 0.0]
        return [r for _, r in self.answer_rate_schedule]

    def answer_rate_at(self, t_s: float) -> float:
        if self.answer_rate_schedule is None:
            return self.answer_rate or 0.0
        minutes = [m for m, _ in self.answer_rate_schedule]
        return self.answer_rate_schedule[bisect.bisect_right(minutes, t_s / 60) - 1][1]

    @property
    def seconds(self) -> float:
        return self.hours * 3600


def load_scenario(path: Path) -> Scenario:
    """A scenario file, or a ConfigurationError saying what is wrong with it."""
    try:
        return Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        bundled = ", ".join(sorted(p.name for p in SCENARIO_DIR.glob("*.json")))
        raise ConfigurationError(
            f"no scenario file {path} (bundled ones in {SCENARIO_DIR}: {bundled})"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"scenario {path} is not JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scenario'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"scenario {path}: {problems}") from None
