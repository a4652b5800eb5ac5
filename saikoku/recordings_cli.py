"""CLI for recordings: the retention purge (run it daily, e.g. from cron or a systemd timer)."""

from __future__ import annotations

import argparse
import asyncio
import json

from recordings.store import purge_due
from saikoku.linkage_cli import batch_pool
from saikoku.settings import Settings


def purge_command(settings: Settings, _args: argparse.Namespace) -> int:
    async def go() -> int:
        pool = await batch_pool(settings)
        try:
            return await purge_due(pool)
        finally:
            await pool.close()

    print(json.dumps({"purged": asyncio.run(go())}))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    recordings = sub.add_parser("recordings", help="call recordings").add_subparsers(
        dest="recordings_command", required=True)
    recordings.add_parser(
        "purge", help="delete recordings past their retention (file first, then the row)"
    ).set_defaults(run=purge_command)
