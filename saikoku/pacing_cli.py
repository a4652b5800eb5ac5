"""CLI for pacing: simulate a scenario under one policy, benchmark every policy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from saikoku.settings import Settings


def simulate_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from dialer.sim.run import simulate
    from dialer.sim.scenario import load_scenario

    scenario = load_scenario(Path(args.scenario))
    if args.replications:
        scenario = scenario.model_copy(update={"replications": args.replications})
    result = simulate(scenario, args.policy)
    if args.json:
        print(json.dumps(result))
        return 0
    for name, figure in result["summary"].items():
        print(f"{name:28} {figure['mean']:12.4f} ± {figure['sd']:.4f}")
    return 0


def bench_pacing_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from dialer.sim.bench import run_bench, table
    from dialer.sim.chart import write_chart

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\r\x1b[K{done}/{total} simulated days")
        sys.stderr.flush()

    replications = args.replications or (3 if args.quick else 30)
    report = run_bench(args.quick, replications, args.workers,
                       progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pacing.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_chart(report, out / "pacing.png")
    print(table(report))
    print(f"wrote {out / 'pacing.json'} and {out / 'pacing.png'}")
    return 0


def add_commands(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                 bench: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sim = sub.add_parser("simulate", help="replicated simulated days of a scenario, one policy")
    sim.add_argument("--scenario", required=True,
                     help="scenario JSON (examples in dialer/sim/scenarios/)")
    sim.add_argument("--policy", default="predictive",
                     help="progressive, fixed:<ratio>, vicidial, pi or predictive"
                          " (default: %(default)s)")
    sim.add_argument("--replications", type=int, help="override the scenario's count")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.set_defaults(run=simulate_command, no_settings=True)

    pacing = bench.add_parser("pacing", help="every pacing policy on the same simulated days")
    pacing.add_argument("--quick", action="store_true", help="a small grid for CI")
    pacing.add_argument("--replications", type=int, help="days per cell (default 30, quick 3)")
    pacing.add_argument("--workers", type=int, default=2, help="processes (default: 2)")
    pacing.add_argument("--out", default=".rig/bench", help="folder for pacing.json and .png")
    pacing.set_defaults(run=bench_pacing_command, no_settings=True)
