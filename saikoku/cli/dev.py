"""Developer commands: `saikoku demo`, `saikoku synth` and `saikoku linkage docs`. The tools
live in saikoku.devtools and load only when their command runs."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings

# The synthetic people the format pages show as examples (fixed, so the pages are stable).
DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED = 40, 7


def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.devtools.demo import run_demo

    return asyncio.run(run_demo(settings, args.people, args.minutes))


def synth_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from saikoku.devtools.synth import write_synthetic_ward

    counts = write_synthetic_ward(args.people, args.seed, Path(args.out), encoding=args.encoding)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


def docs_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from campaigns.linkage.docs import write_docs
    from saikoku.devtools.synth import write_synthetic_ward

    with tempfile.TemporaryDirectory(prefix="saikoku-docs-") as folder:
        write_synthetic_ward(DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED, Path(folder))
        written = write_docs(Path(args.out), Path(folder))
    print(f"wrote {len(written)} pages to {args.out}")
    return 0


def add_commands(sub: SubParsers) -> None:
    demo = sub.add_parser("demo", help="run a demo campaign on the rig and print the floor")
    demo.add_argument("--people", type=int, default=400, help="size of the synthetic ward")
    demo.add_argument("--minutes", type=float, default=3.0, help="how long the campaign runs")
    demo.set_defaults(run=demo_command)

    synth = sub.add_parser("synth", help="write a synthetic ward in the interchange format")
    synth.add_argument("--people", type=int, required=True)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--out", required=True)
    synth.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
    synth.set_defaults(run=synth_command, no_settings=True)

    linkage = sub.add_parser("linkage", help="the interchange format").add_subparsers(
        dest="linkage", required=True
    )
    docs = linkage.add_parser("docs", help="write the format pages (Markdown)")
    docs.add_argument("--out", default="docs/interchange")
    docs.set_defaults(run=docs_command, no_settings=True)
