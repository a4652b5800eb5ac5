"""`saikoku pbx`: render the Asterisk configuration, wait for the PBX, operator phone secrets."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings
from saikoku.pbx.conf import operator_endpoints, phone_secret, write_conf
from saikoku.pbx.probe import wait_pbx_ready


def wait_ready_command(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(wait_pbx_ready(settings, args.timeout))
    print("asterisk ready: AMI logged in, ARI events connected")
    return 0


def conf_command(settings: Settings, args: argparse.Namespace) -> int:
    written = write_conf(settings, Path(args.dest))
    print(f"wrote {len(written)} files to {args.dest}")
    return 0


def phone_secret_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.endpoint not in operator_endpoints(settings):
        print(f"no such operator phone: {args.endpoint}", file=sys.stderr)
        return 2
    print(phone_secret(settings, args.endpoint))
    return 0


def add_commands(sub: SubParsers) -> None:
    pbx = sub.add_parser("pbx", help="Asterisk configuration").add_subparsers(
        dest="pbx", required=True
    )
    conf = pbx.add_parser("conf", help="render asterisk-conf/ into a folder")
    conf.add_argument("--dest", required=True, help="e.g. /etc/asterisk")
    conf.set_defaults(run=conf_command)
    wait = pbx.add_parser("wait-ready", help="wait until AMI login and the ARI socket work")
    wait.add_argument("--timeout", type=float, default=60.0)
    wait.set_defaults(run=wait_ready_command)
    secret = pbx.add_parser("phone-secret", help="print one operator phone's SIP password")
    secret.add_argument("endpoint", help="e.g. op001")
    secret.set_defaults(run=phone_secret_command)
