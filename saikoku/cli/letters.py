"""`saikoku letters`: render a campaign's reminder-letter batch and its manifest, JSON out."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.letters.batch import BatchRequest, make_batch
from campaigns.letters.content import Sender
from campaigns.letters.selection import DEFAULT_AFTER_ATTEMPTS
from saikoku.cli.common import SubParsers, run_in_tenant
from saikoku.config.settings import Settings
from saikoku.core.errors import ConfigurationError
from saikoku.core.tokyo import TOKYO
from store.accounts import active_user_id


async def _campaign(conn: asyncpg.Connection, tenant_id: UUID, id_or_name: str) -> Any:
    try:
        by_id: UUID | None = UUID(id_or_name)
    except ValueError:
        by_id = None
    row = await conn.fetchrow(
        "select c.id, c.created_by, u.login_id from campaigns c"
        " join users u on u.id = c.created_by"
        " where c.tenant_id = $1 and (c.id = $2 or c.name = $3)",
        tenant_id,
        by_id,
        id_or_name,
    )
    if row is None:
        raise ConfigurationError(
            f"no campaign {id_or_name!r} in this tenant (see `saikoku campaign list`)"
        )
    return row


def letters_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.after_attempts < 1 or (args.limit is not None and args.limit < 1):
        raise ConfigurationError("--after-attempts and --limit must be at least 1")

    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, Any]:
        campaign = await _campaign(conn, tenant_id, args.campaign)
        if args.by:
            by, login = await active_user_id(conn, tenant_id, args.by), args.by
        else:
            by, login = campaign["created_by"], campaign["login_id"]
        division = await conn.fetchval("select name from tenants where id = $1", tenant_id)
        sender = Sender(
            settings.office_name, division, settings.call_center_phone, settings.call_center_hours
        )
        request = BatchRequest(
            tenant_id,
            campaign["id"],
            by,
            login,
            Path(args.out),
            sender,
            after_attempts=args.after_attempts,
            limit=args.limit,
        )
        result = await make_batch(conn, request, datetime.now(TOKYO))
        return result.as_dict()

    return run_in_tenant(settings, work, args.tenant)


def add_commands(sub: SubParsers) -> None:
    parser = sub.add_parser("letters", help="render a campaign's reminder letters (催告書)")
    parser.add_argument("--campaign", required=True, help="campaign id or name")
    parser.add_argument("--tenant", default="tax")
    parser.add_argument("--out", required=True, help="folder for the PDF and its manifest")
    parser.add_argument(
        "--after-attempts",
        type=int,
        default=DEFAULT_AFTER_ATTEMPTS,
        help="also write to people not reached after this many failed calls (default: %(default)s)",
    )
    parser.add_argument("--limit", type=int, help="at most this many letters in the batch")
    parser.add_argument(
        "--by", help="login of who makes the batch (default: the campaign's creator)"
    )
    parser.set_defaults(run=letters_command)
