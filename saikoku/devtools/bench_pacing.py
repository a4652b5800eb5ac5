"""`saikoku bench pacing`: every policy on the same replicated days of a grid of floors.

Cells: operators x live-answer rate (share of dials a person answers), plus a day whose answer
rate climbs and falls. Each replication is a day of a running campaign: the pacer has run the
campaign the day before (a warm-up day with draws of its own), so it starts knowing the last
24 h as the product's dialer does. The table also shows the campaign's first day, which starts
blind. Days run in worker processes; each (cell, policy, replication) is one job, so both cores
stay busy and the result does not depend on how jobs were shared out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from dialer.sim.metrics import summarise
from dialer.sim.run import replicate_days
from dialer.sim.scenario import Scenario

POLICIES = (
    "progressive",
    "fixed:1.5",
    "fixed:2",
    "fixed:2.5",
    "fixed:3",
    "vicidial",
    "pi",
    "predictive",
)
OPERATORS = (4, 8, 20, 50)
LIVE_RATES = (0.15, 0.25, 0.40)
MACHINE_RATE = 0.2  # of answers; so answer_rate = live / (1 - MACHINE_RATE)
# The acceptance cell and figures of issue 5.
HEADLINE = (20, 0.25)
HEADLINE_GAIN = 1.25
DAYS_WITHIN_CAP = 0.99


@dataclass(frozen=True)
class Cell:
    name: str
    scenario: Scenario
    live_rate: float | None  # None: the day's rate changes

    @property
    def ceiling_talk_min(self) -> float:
        """Talk minutes per operator-hour if nobody ever waited: talk / (talk + wrap)."""
        talk, wrap = self.scenario.talk_time_s.mean, self.scenario.wrap_time_s.mean
        return 60 * talk / (talk + wrap)


def _floor(operators: int, hours: float, replications: int, **rate: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "operators": operators,
            "hours": hours,
            "machine_rate": MACHINE_RATE,
            "busy_rate": 0.10,
            "ring_time_s": {"mean": 10, "sd": 5},
            "no_answer_timeout_s": 30,
            "talk_time_s": {"dist": "lognormal", "mean": 180, "sd": 120},
            "wrap_time_s": {"mean": 45, "sd": 15},
            "seed": 2026,
            "replications": replications,
            "cps_limit": 20,
            "warm_up_days": 1,
            **rate,
        }
    )


def cells(quick: bool, replications: int) -> list[Cell]:
    operators, rates, hours = ((8, 20), (0.25,), 2.0) if quick else (OPERATORS, LIVE_RATES, 8.0)
    grid = [
        Cell(
            f"{n} ops / {live:.0%} live",
            _floor(n, hours, replications, answer_rate=live / (1 - MACHINE_RATE)),
            live,
        )
        for n in operators
        for live in rates
    ]
    # 23 % → 41 % → 23 % live in thirds of the day.
    third = hours * 60 / 3
    schedule = [[0, 0.23], [third, 0.41], [2 * third, 0.23]]
    grid.append(
        Cell(
            "20 ops / 23→41→23 % live",
            _floor(
                20,
                hours,
                replications,
                answer_rate_schedule=[[m, live / (1 - MACHINE_RATE)] for m, live in schedule],
            ),
            None,
        )
    )
    return grid


Day = dict[str, float]


def _job(job: tuple[int, Scenario, str, int]) -> tuple[int, str, Day, Day]:
    index, scenario, policy, replication = job
    return index, policy, *replicate_days(scenario, policy, replication)


def run_bench(
    quick: bool, replications: int, workers: int, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    grid = cells(quick, replications)
    jobs = [
        (i, c.scenario, p, r)
        for i, c in enumerate(grid)
        for p in POLICIES
        for r in range(replications)
    ]
    # Biggest floors first, so no long day is left for the end.
    jobs.sort(key=lambda j: -j[1].operators * j[1].hours)
    days: dict[tuple[int, str], list[Day]] = {}
    first_days: dict[tuple[int, str], list[Day]] = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (index, policy, day, first) in enumerate(pool.map(_job, jobs, chunksize=4), 1):
            days.setdefault((index, policy), []).append(day)
            first_days.setdefault((index, policy), []).append(first)
            if progress is not None:
                progress(done, len(jobs))
    wall = time.perf_counter() - started
    results = []
    for i, cell in enumerate(grid):
        policies = {}
        for policy in POLICIES:
            summary = summarise(days[(i, policy)])
            talk = summary["talk_min_per_operator_hour"]["mean"]
            policies[policy] = {
                **summary,
                "share_of_ceiling": talk / cell.ceiling_talk_min,
                "first_day": summarise(first_days[(i, policy)]),
            }
        results.append(
            {
                "cell": cell.name,
                "operators": cell.scenario.operators,
                "live_rate": cell.live_rate,
                "hours": cell.scenario.hours,
                "replications": replications,
                "ceiling_talk_min_per_operator_hour": cell.ceiling_talk_min,
                "policies": policies,
            }
        )
    return {
        "quick": quick,
        "replications": replications,
        "workers": workers,
        "seconds": round(wall, 1),
        "policies": list(POLICIES),
        "cells": results,
        "checks": checks(results),
    }


def _keeps_cap(summary: dict[str, dict[str, float]]) -> bool:
    return 1 - summary["days_over_cap"]["mean"] >= DAYS_WITHIN_CAP


def checks(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's acceptance figures, each with what was measured."""

    def talk(cell: dict[str, Any], policy: str) -> float:
        return float(cell["policies"][policy]["talk_min_per_operator_hour"]["mean"])

    found: dict[str, Any] = {}
    for cell in results:
        if (cell["operators"], cell["live_rate"]) == HEADLINE:
            gain = talk(cell, "predictive") / talk(cell, "progressive")
            found["headline_gain"] = {
                "cell": cell["cell"],
                "measured": round(gain, 3),
                "needed": HEADLINE_GAIN,
                "ok": gain >= HEADLINE_GAIN,
            }
    behind = []
    for cell in results:
        rivals = [p for p in POLICIES if p != "predictive" and _keeps_cap(cell["policies"][p])]
        best = max(rivals, key=lambda p: talk(cell, p))
        if talk(cell, "predictive") < talk(cell, best) - 1e-9:
            behind.append(
                {
                    "cell": cell["cell"],
                    "best_rival": best,
                    "rival": round(talk(cell, best), 2),
                    "predictive": round(talk(cell, "predictive"), 2),
                }
            )
    found["best_capped_rival"] = {"ok": not behind, "behind_in": behind}
    over = [cell["policies"]["predictive"]["days_over_cap"]["mean"] for cell in results]
    within = 1 - sum(over) / len(over)
    found["days_within_cap"] = {
        "measured": round(within, 4),
        "needed": DAYS_WITHIN_CAP,
        "worst_cell": round(1 - max(over), 4),
        "ok": within >= DAYS_WITHIN_CAP,
    }
    small = [
        cell["cell"]
        for cell in results
        if cell["operators"] <= 8 and talk(cell, "predictive") < talk(cell, "progressive") - 1e-9
    ]
    found["small_teams_not_below_progressive"] = {"ok": not small, "below_in": small}
    return found


def table(report: dict[str, Any]) -> str:
    lines = []
    header = (
        f"{'cell':26} {'policy':12} {'talk min/op-h':>14} {'of ceiling':>10}"
        f" {'occupancy':>9} {'abandon':>13} {'worst 15 min':>12} {'days >3%':>8}"
        f" {'first day: talk':>15} {'abandon':>8}"
    )
    for cell in report["cells"]:
        lines.append(
            f"{cell['cell']}: ceiling {cell['ceiling_talk_min_per_operator_hour']:.1f}"
            f" talk min per operator-hour"
        )
        lines.append(header)
        for policy, s in cell["policies"].items():
            t, a = s["talk_min_per_operator_hour"], s["abandon_rate"]
            lines.append(
                f"{'':26} {policy:12} {t['mean']:8.2f} ±{t['sd']:4.2f}"
                f" {s['share_of_ceiling']:10.1%}"
                f" {s['occupancy']['mean']:9.1%} {a['mean']:7.2%} ±{a['sd']:4.2%}"
                f" {s['worst_15min_abandon_rate']['mean']:12.1%}"
                f" {s['days_over_cap']['mean']:8.0%}"
                f" {s['first_day']['talk_min_per_operator_hour']['mean']:15.2f}"
                f" {s['first_day']['abandon_rate']['mean']:8.2%}"
            )
    lines.append("")
    for name, check in report["checks"].items():
        details = {k: v for k, v in check.items() if k != "ok"}
        lines.append(f"{'PASS' if check['ok'] else 'FAIL'}  {name}: {details}")
    lines.append(f"{report['seconds']} s wall on {report['workers']} worker processes")
    return "\n".join(lines)
