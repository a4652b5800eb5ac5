"""`saikoku audit verify`: check the access log's hash chain end to end."""

from __future__ import annotations

import argparse
import json

import asyncpg

from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings
from store.audit_chain import Anchor, ChainReport, verify_chain


def verify_command(settings: Settings, args: argparse.Namespace) -> int:
    anchor = Anchor.parse(args.head) if args.head else None

    async def go(pool: asyncpg.Pool) -> ChainReport:
        async with pool.acquire() as conn:
            return await verify_chain(conn, anchor)

    report = with_pool(settings, go)
    head = f"{report.head_seq}:{report.head_hash}" if report.head_seq else None
    print(
        json.dumps(
            {
                "ok": report.ok,
                "rows": report.rows,
                "head": head,
                "broken_at": report.broken_at,
                "problem": report.problem,
            }
        )
    )
    return 0 if report.ok else 1


def add_commands(sub: SubParsers) -> None:
    audit = sub.add_parser("audit", help="the access log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help="check the access log's hash chain; prints its head")
    verify.add_argument("--head", help="a head printed earlier (SEQ:HEX) that must still hold")
    verify.set_defaults(run=verify_command)
