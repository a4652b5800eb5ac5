"""Replicated days of one scenario under one policy (what `saikoku simulate` prints)."""

from __future__ import annotations

import dataclasses
from typing import Any

from dialer.pacing.events import PacingEvent
from dialer.pacing.policies import pacer_named
from dialer.pacing.settings import PacingSettings
from dialer.pacing.snapshot import Pacer, PacingSnapshot
from dialer.sim.engine import simulate_day
from dialer.sim.metrics import day_metrics, summarise
from dialer.sim.scenario import Scenario

DAY_S = 24 * 3600.0


def settings_for(scenario: Scenario) -> PacingSettings:
    """The knobs a campaign would set for this floor."""
    return PacingSettings(
        ring_timeout_s=scenario.no_answer_timeout_s,
        cps_limit=scenario.cps_limit,
        trunk_channels=min(scenario.trunk_channels, 10_000),
    )


class LaterDay:
    """One pacer across days: each simulated day starts its clock at 0, the pacer's clock
    runs on (day d starts at d x 24 h), so its rolling 24-h window sees yesterday."""

    def __init__(self, pacer: Pacer, day: int) -> None:
        self._pacer, self._offset = pacer, day * DAY_S

    def observe(self, event: PacingEvent) -> None:
        self._pacer.observe(dataclasses.replace(event, at=event.at + self._offset))

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return self._pacer.calls_to_place(
            dataclasses.replace(snapshot, now=snapshot.now + self._offset)
        )


def replicate_days(
    scenario: Scenario, policy: str, replication: int
) -> tuple[dict[str, float], dict[str, float]]:
    """(the measured day, the campaign's first day) of one replication: a fresh pacer runs
    the warm-up days, then the measured one. Without warm-up both are the same day."""
    pacer = pacer_named(policy, settings_for(scenario))
    first: dict[str, float] | None = None
    for day in range(scenario.warm_up_days):
        result = day_metrics(simulate_day(scenario, LaterDay(pacer, day), replication, day))
        first = first or result
    measured = day_metrics(
        simulate_day(scenario, LaterDay(pacer, scenario.warm_up_days), replication)
    )
    return measured, first or measured


def replicate(scenario: Scenario, policy: str, replications: range) -> list[dict[str, float]]:
    """The measured day of each replication, each with a fresh pacer and its own streams."""
    return [replicate_days(scenario, policy, r)[0] for r in replications]


def simulate(scenario: Scenario, policy: str) -> dict[str, Any]:
    days = replicate(scenario, policy, range(scenario.replications))
    return {
        "policy": policy,
        "replications": scenario.replications,
        "summary": summarise(days),
        "days": days,
    }
