"""`saikoku recordings`: the retention purge (run it daily, e.g. from cron or a systemd timer)."""

from __future__ import annotations

import argparse
import json

from recordings.store import purge_due
from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings


def purge_command(settings: Settings, _args: argparse.Namespace) -> int:
    print(json.dumps({"purged": with_pool(settings, purge_due)}))
    return 0


def add_commands(sub: SubParsers) -> None:
    recordings = sub.add_parser("recordings", help="call recordings").add_subparsers(
        dest="recordings_command", required=True
    )
    recordings.add_parser(
        "purge", help="delete recordings past their retention (file first, then the row)"
    ).set_defaults(run=purge_command)
