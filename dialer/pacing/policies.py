"""Pacers by name: the campaign modes, and the baselines the simulator compares them with."""

from __future__ import annotations

from dialer.pacing.basic import FixedRatio, Preview, Progressive
from dialer.pacing.pi import PiController
from dialer.pacing.predictive import Predictive
from dialer.pacing.settings import PacingSettings
from dialer.pacing.snapshot import Pacer
from dialer.pacing.vicidial import VicidialAdaptAverage
from saikoku.core.errors import ConfigurationError

POLICY_NAMES = ("progressive", "fixed:<ratio>", "vicidial", "pi", "predictive", "preview")


def pacer_for(settings: PacingSettings) -> Pacer:
    """The pacer a campaign runs in its mode."""
    return pacer_named(settings.mode, settings)


def pacer_named(name: str, settings: PacingSettings | None = None) -> Pacer:
    """`progressive`, `fixed:1.5`, `vicidial`, `pi`, `predictive` or `preview`."""
    knobs = settings or PacingSettings()
    if name == "progressive":
        return Progressive()
    if name == "preview":
        return Preview()
    if name.startswith("fixed:"):
        try:
            ratio = float(name.removeprefix("fixed:"))
        except ValueError:
            ratio = 0.0
        if not 1.0 <= ratio <= knobs.max_lines_per_operator:
            raise ConfigurationError(
                f"policy {name!r}: the ratio must be a number from 1 to"
                f" {knobs.max_lines_per_operator:g}, e.g. fixed:1.5"
            )
        return FixedRatio(ratio)
    if name == "vicidial":
        return VicidialAdaptAverage(drop_target_pct=knobs.hard_cap_pct)
    if name == "pi":
        return PiController(max_ratio=knobs.max_lines_per_operator)
    if name == "predictive":
        return Predictive(
            target_pct=knobs.target_abandon_pct,
            cap_pct=knobs.hard_cap_pct,
            ring_timeout_s=knobs.ring_timeout_s,
            max_lines_per_operator=knobs.max_lines_per_operator,
        )
    raise ConfigurationError(
        f"unknown pacing policy {name!r}: use one of {', '.join(POLICY_NAMES)}"
    )
