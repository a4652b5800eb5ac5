"""`saikoku letters`: render a campaign's reminder-letter batch and its manifest, JSON out."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.catalog import find_campaign
from campaigns.letters.batch import BatchRequest, make_batch
from campaigns.letters.content import Sender
from campaigns.letters.selection import DEFAULT_AFTER_ATTEMPTS
from saikoku.cli.common import SubParsers, run_in_tenant
from saikoku.config.settings import Settings
from saikoku.core.errors import ConfigurationError
from saikoku.core.tokyo import TOKYO
from store.accounts import active_user_id, tenant_name


def letters_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.after_attempts < 1 or (args.limit is not None and args.limit < 1):
        raise ConfigurationError("--after-attempts and --limit must be at least 1")

    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, Any]:
        campaign = await find_campaign(conn, tenant_id, args.campaign)
        if args.by:
            by, login = await active_user_id(conn, tenant_id, args.by), args.by
        else:
            by, login = campaign.created_by, campaign.creator_login
        division = await tenant_name(conn, tenant_id)
        sender = Sender(
            settings.office_name, division, settings.call_center_phone, settings.call_center_hours
        )
        request = BatchRequest(
            tenant_id,
            campaign.id,
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
