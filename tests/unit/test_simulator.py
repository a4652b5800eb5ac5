"""The simulator: conservation, determinism, the 2-second rule, schedules, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from dialer.pacing.basic import FixedRatio, Progressive
from dialer.pacing.events import CallConnected, CallPlaced, PacingEvent
from dialer.pacing.policies import pacer_named
from dialer.pacing.snapshot import PacingSnapshot
from dialer.sim.engine import simulate_day
from dialer.sim.metrics import day_metrics
from dialer.sim.run import DAY_S, LaterDay, replicate_days
from dialer.sim.scenario import SCENARIO_DIR, Scenario, load_scenario
from saikoku.core.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def scenario(**values: object) -> Scenario:
    base: dict[str, object] = {
        "operators": 6,
        "hours": 1,
        "answer_rate": 0.4,
        "machine_rate": 0.2,
        "busy_rate": 0.1,
        "seed": 3,
    }
    return Scenario.model_validate({**base, **values})


class Recording:
    """A pacer that records what it is told and asks another for its decisions."""

    def __init__(self, inner: Progressive | FixedRatio) -> None:
        self.inner = inner
        self.events: list[PacingEvent] = []

    def observe(self, event: PacingEvent) -> None:
        self.events.append(event)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return self.inner.calls_to_place(snapshot)


def test_progressive_never_abandons() -> None:
    day = simulate_day(scenario(operators=10), Progressive(), 0)
    assert day.live_answers > 50
    assert day.abandoned == 0


def test_every_call_ends_in_exactly_one_outcome() -> None:
    pacer = Recording(FixedRatio(3.0))
    day = simulate_day(scenario(), pacer, 0)
    kinds = [type(e).__name__ for e in pacer.events]
    ended = (
        kinds.count("CallUnanswered") + kinds.count("MachineAnswered") + kinds.count("LiveAnswered")
    )
    still_out = day.calls_placed - ended
    assert kinds.count("CallPlaced") == day.calls_placed
    assert 0 <= still_out <= 6 * 3  # only calls still ringing when the day closed
    assert day.live_answers == kinds.count("LiveAnswered")
    assert day.abandoned == kinds.count("CallAbandoned") > 0
    connected = kinds.count("CallConnected")
    assert connected + day.abandoned <= day.live_answers <= connected + day.abandoned + 6
    waits = [e.wait_s for e in pacer.events if isinstance(e, CallConnected)]
    assert max(waits) <= 2.0  # the 2-second rule


def test_same_seed_same_day_and_common_streams() -> None:
    first = day_metrics(simulate_day(scenario(), pacer_named("predictive"), 1))
    again = day_metrics(simulate_day(scenario(), pacer_named("predictive"), 1))
    other = day_metrics(simulate_day(scenario(), pacer_named("predictive"), 2))
    assert first == again
    assert first != other


def test_a_warmed_up_day_continues_yesterdays_campaign() -> None:
    cold = scenario()
    warm = scenario(warm_up_days=1)
    # Without warm-up, the measured day is the campaign's first (and the streams are the same).
    measured, first = replicate_days(cold, "predictive", 2)
    assert measured == first == day_metrics(simulate_day(cold, pacer_named("predictive"), 2))
    # With it, the first day has draws of its own and the measured day keeps its draws.
    measured, first = replicate_days(warm, "progressive", 2)
    assert first != measured
    assert measured == day_metrics(simulate_day(cold, Progressive(), 2))


def test_the_pacer_clock_runs_on_across_days() -> None:
    recording = Recording(Progressive())
    later = LaterDay(recording, 1)
    later.observe(CallPlaced(5.0))
    assert later.calls_to_place(PacingSnapshot(now=7.0, ready=2)) == 2
    assert recording.events == [CallPlaced(DAY_S + 5.0)]


def test_answer_rate_schedule_changes_answers() -> None:
    flat = simulate_day(scenario(), Progressive(), 0)
    rising = simulate_day(
        scenario(answer_rate=None, answer_rate_schedule=[[0, 0.4], [20, 0.8]]), Progressive(), 0
    )
    assert rising.live_answers > flat.live_answers


def test_scenario_errors_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="exactly one of answer_rate"):
        scenario(answer_rate_schedule=[[0, 0.3]])
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"operators": 3, "hours": 1, "answer_rate": 0.3, "no_answer_timeout_s": 10})
    )
    with pytest.raises(ConfigurationError, match="no_answer_timeout_s"):
        load_scenario(bad)
    with pytest.raises(ConfigurationError, match="bundled ones"):
        load_scenario(tmp_path / "missing.json")


def test_bundled_scenarios_load() -> None:
    names = sorted(p.name for p in SCENARIO_DIR.glob("*.json"))
    assert names == ["changing-day.json", "small-team.json", "steady-20.json"]
    for name in names:
        load_scenario(SCENARIO_DIR / name)


def test_simulate_cli_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"operators": 5, "hours": 0.5, "answer_rate": 0.3, "replications": 2})
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "saikoku.cli",
            "simulate",
            "--scenario",
            str(path),
            "--policy",
            "fixed:1.5",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out)
    assert set(result["summary"]) == {
        "talk_min_per_operator_hour",
        "occupancy",
        "abandon_rate",
        "worst_15min_abandon_rate",
        "days_over_cap",
        "calls_placed",
        "live_answers",
    }
    assert len(result["days"]) == 2


def test_quick_bench_writes_json_and_chart(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "saikoku.cli",
            "bench",
            "pacing",
            "--quick",
            "--replications",
            "1",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads((tmp_path / "pacing.json").read_text())
    assert {"headline_gain", "best_capped_rival", "days_within_cap"} <= set(report["checks"])
    assert (tmp_path / "pacing.png").stat().st_size > 10_000
    assert "predictive" in run.stdout
