"""`saikoku serve`: run the service (web, dialer, call handling) until stopped."""

from __future__ import annotations

import argparse

from aiohttp import web

from saikoku.cli.common import SubParsers
from saikoku.config.settings import Settings
from saikoku.web.access_log import RouteAccessLogger
from saikoku.web.app import create_app


def serve_command(settings: Settings, _args: argparse.Namespace) -> int:
    web.run_app(
        create_app(settings),
        host=settings.web_host,
        port=settings.web_port,
        print=None,
        access_log_class=RouteAccessLogger,
    )
    return 0


def add_commands(sub: SubParsers) -> None:
    sub.add_parser("serve", help="run the service").set_defaults(run=serve_command)
