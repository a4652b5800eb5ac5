"""`saikoku bench`: the benchmarks (import, planning, pacing, the PBX). Each prints figures;
the tools themselves live in saikoku.devtools and load only when their command runs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings


def import_command(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.devtools import bench_import

    report = bench_import.run(settings, args.people, args.seed, args.keep)
    print(json.dumps(report))
    return 0 if report["ok"] else 1


def planning_command(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.devtools import bench_planning

    report = asyncio.run(bench_planning.run(settings, args.people, args.repeat))
    print(json.dumps(report, ensure_ascii=False))
    return 0


def pacing_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from saikoku.devtools.bench_pacing import run_bench, table
    from saikoku.devtools.pacing_chart import write_chart

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\r\x1b[K{done}/{total} simulated days")
        sys.stderr.flush()

    replications = args.replications or (3 if args.quick else 30)
    report = run_bench(
        args.quick, replications, args.workers, progress if sys.stderr.isatty() else None
    )
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pacing.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_chart(report, out / "pacing.png")
    print(table(report))
    print(f"wrote {out / 'pacing.json'} and {out / 'pacing.png'}")
    return 0


def pbx_command(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.devtools.bench_pbx import print_table, run_bench

    rates = [float(r) for r in args.rates.split(",")]
    endpoints = [
        f"op{n:03d}"
        for n in range(
            settings.operator_phone_count - args.operators + 1, settings.operator_phone_count + 1
        )
    ]
    report = asyncio.run(run_bench(settings, rates, args.seconds, args.hold, args.talk, endpoints))
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


def add_commands(sub: SubParsers) -> None:
    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="bench", required=True)

    imp = bench.add_parser("import", help="import N synthetic people, print JSON")
    imp.add_argument("--people", type=int, default=22_000)
    imp.add_argument("--seed", type=int, default=1)
    imp.add_argument("--keep", action="store_true", help="keep the bench tenant")
    imp.set_defaults(run=import_command)

    planning = bench.add_parser("planning", help="preview and plan N synthetic people, JSON out")
    planning.add_argument("--people", type=int, default=22_000)
    planning.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time preview and plan this many times each (default 3)",
    )
    planning.set_defaults(run=planning_command)

    pacing = bench.add_parser("pacing", help="every pacing policy on the same simulated days")
    pacing.add_argument("--quick", action="store_true", help="a small grid for CI")
    pacing.add_argument("--replications", type=int, help="days per cell (default 30, quick 3)")
    pacing.add_argument("--workers", type=int, default=2, help="processes (default: 2)")
    pacing.add_argument("--out", default=".rig/bench", help="folder for pacing.json and .png")
    pacing.set_defaults(run=pacing_command, no_settings=True)

    pbx = bench.add_parser("pbx", help="load the real rig: bare AMI loop vs the dialer")
    pbx.add_argument(
        "--rates",
        default="10,25,50,75,100",
        help="originates per second, stepped up (default: %(default)s)",
    )
    pbx.add_argument("--seconds", type=float, default=10.0, help="length of each step")
    pbx.add_argument(
        "--hold", type=float, default=12.0, help="bare loop: seconds each answered call is held"
    )
    pbx.add_argument(
        "--talk",
        type=float,
        default=8.0,
        help="dialer loop: seconds an operator talks before hanging up",
    )
    pbx.add_argument(
        "--operators", type=int, default=10, help="desk phones taken from the top of op001…"
    )
    pbx.add_argument("--json", help="also write the report here")
    pbx.set_defaults(run=pbx_command)
