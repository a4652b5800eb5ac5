"""`saikoku simulate`: replicated simulated days of a scenario under one pacing policy."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings


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


def add_commands(sub: SubParsers) -> None:
    sim = sub.add_parser("simulate", help="replicated simulated days of a scenario, one policy")
    sim.add_argument(
        "--scenario", required=True, help="scenario JSON (examples in dialer/sim/scenarios/)"
    )
    sim.add_argument(
        "--policy",
        default="predictive",
        help="progressive, fixed:<ratio>, vicidial, pi or predictive (default: %(default)s)",
    )
    sim.add_argument("--replications", type=int, help="override the scenario's count")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.set_defaults(run=simulate_command, no_settings=True)
