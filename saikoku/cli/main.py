"""The `saikoku` command: database, PBX configuration, the service, the data linkage,
campaigns, letters, accounts, recordings, pacing, the demo and the benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from saikoku.cli import (
    audit,
    bench,
    campaign,
    db,
    dev,
    letters,
    linkage,
    pacing,
    pbx,
    recordings,
    service,
    tenants,
    users,
)
from saikoku.config.logs import configure_logging
from saikoku.config.settings import Settings, load_settings
from saikoku.core.errors import SaikokuError

# In the order `saikoku --help` lists them.
COMMAND_GROUPS = (
    db,
    pbx,
    service,
    dev,
    tenants,
    linkage,
    campaign,
    letters,
    users,
    recordings,
    audit,
    pacing,
    bench,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saikoku", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run: Callable[[Settings | None, argparse.Namespace], int] = args.run
        if getattr(args, "no_settings", False):
            configure_logging()
            return run(None, args)
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)
        return run(settings, args)
    except SaikokuError as exc:
        print(f"saikoku: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
