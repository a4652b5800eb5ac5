"""`saikoku audit`: check the access log's hash chain; export who read which person."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from uuid import UUID

import asyncpg

from saikoku.cli.common import SubParsers, run_in_tenant, with_pool
from saikoku.config.settings import Settings
from store.access_reads import ReadsFilter, export_reads
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


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    wanted = ReadsFilter.for_days(args.first_day, args.last_day, args.login, args.person)

    async def go(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, object]:
        rows = await export_reads(conn, tenant_id, args.by, wanted, Path(args.out))
        return {"rows": rows, "out": args.out}

    return run_in_tenant(settings, go, args.tenant)


def add_commands(sub: SubParsers) -> None:
    audit = sub.add_parser("audit", help="the access log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help="check the access log's hash chain; prints its head")
    verify.add_argument("--head", help="a head printed earlier (SEQ:HEX) that must still hold")
    verify.set_defaults(run=verify_command)
    export = audit.add_parser(
        "export", help="who read which person, when and why: CSV (mode 0600), access-logged"
    )
    export.add_argument(
        "--from",
        dest="first_day",
        required=True,
        type=date.fromisoformat,
        help="first day, YYYY-MM-DD",
    )
    export.add_argument(
        "--to", dest="last_day", required=True, type=date.fromisoformat, help="last day, YYYY-MM-DD"
    )
    export.add_argument("--login", help="only this login's reads")
    export.add_argument("--person", type=UUID, help="only reads of this person (id)")
    export.add_argument("--by", required=True, help="the auditor's (or admin's) login")
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.add_argument("--tenant", default="tax")
    export.set_defaults(run=export_command)
