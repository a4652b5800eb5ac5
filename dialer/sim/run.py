"""Replicated days of one scenario under one policy (what `saikoku simulate` prints)."""

from __future__ import annotations

from typing import Any

from dialer.pacing.policies import pacer_named
from dialer.pacing.settings import PacingSettings
from dialer.sim.engine import simulate_day
from dialer.sim.metrics import day_metrics, summarise
from dialer.sim.scenario import Scenario


def settings_for(scenario: Scenario) -> PacingSettings:
    """The knobs a campaign would set for this floor."""
    return PacingSettings(ring_timeout_s=scenario.no_answer_timeout_s,
                          cps_limit=scenario.cps_limit,
                          trunk_channels=min(scenario.trunk_channels, 10_000))


def replicate(scenario: Scenario, policy: str, replications: range) -> list[dict[str, float]]:
    """One day per replication, each with a fresh pacer and the replication's own streams."""
    settings = settings_for(scenario)
    return [day_metrics(simulate_day(scenario, pacer_named(policy, settings), r))
            for r in replications]


def simulate(scenario: Scenario, policy: str) -> dict[str, Any]:
    days = replicate(scenario, policy, range(scenario.replications))
    return {"policy": policy, "replications": scenario.replications,
            "summary": summarise(days), "days": days}
