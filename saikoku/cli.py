"""The `saikoku` command: database, PBX configuration, the service and the demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncpg

from saikoku.errors import SaikokuError
from saikoku.logs import configure_logging
from saikoku.settings import Settings, load_settings


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from store import migrate

    async def run() -> list[str]:
        conn = await asyncpg.connect(settings.database_url)
        try:
            return await migrate.upgrade(conn)
        finally:
            await conn.close()

    applied = asyncio.run(run())
    print(f"applied: {', '.join(applied)}" if applied else "database is up to date")
    return 0


def _db_ensure(settings: Settings, _args: argparse.Namespace) -> int:
    from store.db import ensure_database

    created = asyncio.run(ensure_database(settings.database_url))
    print("database created" if created else "database exists")
    return 0


def _pbx_wait_ready(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.pbx_probe import wait_pbx_ready

    asyncio.run(wait_pbx_ready(settings, args.timeout))
    print("asterisk ready: AMI logged in, ARI events connected")
    return 0


def _pbx_conf(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.pbx_conf import write_conf

    written = write_conf(settings, Path(args.dest))
    print(f"wrote {len(written)} files to {args.dest}")
    return 0


def _pbx_phone_secret(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.pbx_conf import operator_endpoints, phone_secret

    if args.endpoint not in operator_endpoints(settings):
        print(f"no such operator phone: {args.endpoint}", file=sys.stderr)
        return 2
    print(phone_secret(settings, args.endpoint))
    return 0


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    from aiohttp import web

    from saikoku.app import create_app

    web.run_app(
        create_app(settings), host=settings.web_host, port=settings.web_port, print=None
    )
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from saikoku.demo import run_demo

    return asyncio.run(run_demo(settings, args.people, args.minutes))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="saikoku", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(run=_db_upgrade)
    db.add_parser("ensure", help="create the database if it is missing").set_defaults(
        run=_db_ensure
    )

    pbx = sub.add_parser("pbx", help="Asterisk configuration").add_subparsers(
        dest="pbx", required=True
    )
    conf = pbx.add_parser("conf", help="render asterisk-conf/ into a folder")
    conf.add_argument("--dest", required=True, help="e.g. /etc/asterisk")
    conf.set_defaults(run=_pbx_conf)
    wait = pbx.add_parser("wait-ready", help="wait until AMI login and the ARI socket work")
    wait.add_argument("--timeout", type=float, default=60.0)
    wait.set_defaults(run=_pbx_wait_ready)
    secret = pbx.add_parser("phone-secret", help="print one operator phone's SIP password")
    secret.add_argument("endpoint", help="e.g. op001")
    secret.set_defaults(run=_pbx_phone_secret)

    sub.add_parser("serve", help="run the service").set_defaults(run=_serve)

    demo = sub.add_parser("demo", help="run a demo campaign on the rig and print the floor")
    demo.add_argument("--people", type=int, default=400, help="size of the synthetic ward")
    demo.add_argument("--minutes", type=float, default=3.0, help="how long the campaign runs")
    demo.set_defaults(run=_demo)

    from saikoku import (
        bench_pbx,
        bench_planning,
        campaign_cli,
        letters_cli,
        linkage_cli,
        pacing_cli,
        recordings_cli,
        user_cli,
    )

    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="bench", required=True)
    linkage_cli.add_commands(sub, bench)
    campaign_cli.add_commands(sub)
    letters_cli.add_commands(sub)
    user_cli.add_commands(sub)
    recordings_cli.add_commands(sub)
    pacing_cli.add_commands(sub, bench)
    bench_pbx.add_command(bench)
    bench_planning.add_command(bench)
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
