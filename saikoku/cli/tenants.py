"""`saikoku tenant`: the departments sharing the server."""

from __future__ import annotations

import argparse

import asyncpg

from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings
from store.accounts import put_tenant


def tenant_add(settings: Settings, args: argparse.Namespace) -> int:
    async def run(pool: asyncpg.Pool) -> None:
        await put_tenant(pool, args.code, args.name)

    with_pool(settings, run)
    print(f"tenant {args.code}: {args.name}")
    return 0


def add_commands(sub: SubParsers) -> None:
    tenant = sub.add_parser("tenant", help="departments sharing the server").add_subparsers(
        dest="tenant_command", required=True
    )
    add = tenant.add_parser("add", help="create or rename a tenant")
    add.add_argument("code", help="short code, e.g. tax")
    add.add_argument("name", help="e.g. 税務課 納税係")
    add.set_defaults(run=tenant_add)
