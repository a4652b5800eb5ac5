"""`saikoku campaign`: create, preview, plan, move through the lifecycle, list. JSON out."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.catalog import create_campaign, list_campaigns
from campaigns.lifecycle import transition
from campaigns.planning import Scope, plan, preview
from saikoku.cli.common import SubParsers, run_in_tenant
from saikoku.config.settings import Settings
from saikoku.core.tokyo import TOKYO
from store.accounts import active_user_id
from store.audit import Actor


def _scope(args: argparse.Namespace) -> Scope:
    return Scope(
        tax_types=tuple(args.tax_type) if args.tax_type else ("resident", "light_vehicle"),
        fiscal_years=tuple(args.fiscal_year) if args.fiscal_year else None,
        delinquency_categories=tuple(args.category) if args.category else None,
        min_owed=args.min_owed,
        max_owed=args.max_owed,
        min_days_past_due=args.min_days_past_due,
        contacted_within_days=args.contacted_within_days,
    )


def create_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, Any]:
        by = Actor(tenant_id, await active_user_id(conn, tenant_id, args.by), args.by)
        campaign_id = await create_campaign(conn, by, args.name, list(_scope(args).tax_types))
        return {"campaign_id": campaign_id, "status": "draft"}

    return run_in_tenant(settings, work, args.tenant)


def preview_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, object]:
        return (await preview(conn, tenant_id, _scope(args), datetime.now(TOKYO))).as_dict()

    return run_in_tenant(settings, work, args.tenant)


def plan_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, object]:
        order = args.priority.split(",") if args.priority else None
        summary = await plan(
            conn, tenant_id, UUID(args.campaign), _scope(args), datetime.now(TOKYO), order
        )
        return summary.as_dict()

    return run_in_tenant(settings, work, args.tenant)


def transition_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, str]:
        by = await active_user_id(conn, tenant_id, args.by)
        previous = await transition(
            conn, tenant_id, UUID(args.campaign), args.to, changed_by=by, reason=args.reason
        )
        return {"campaign_id": args.campaign, "from": previous, "to": args.to}

    return run_in_tenant(settings, work, args.tenant)


def list_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> list[dict[str, Any]]:
        return await list_campaigns(conn, tenant_id)

    return run_in_tenant(settings, work, args.tenant)


def _scope_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tax-type", action="append", choices=["resident", "light_vehicle"])
    parser.add_argument("--fiscal-year", action="append", type=int)
    parser.add_argument("--category", action="append", help="滞納区分, e.g. 現年")
    parser.add_argument("--min-owed", type=int, default=1)
    parser.add_argument("--max-owed", type=int)
    parser.add_argument("--min-days-past-due", type=int, default=1)
    parser.add_argument("--contacted-within-days", type=int, default=7)


def add_commands(sub: SubParsers) -> None:
    campaign = sub.add_parser("campaign", help="plan and run campaigns").add_subparsers(
        dest="campaign_command", required=True
    )
    for name, run, helptext in (
        ("create", create_command, "create a draft campaign"),
        ("preview", preview_command, "counts per segment, exclusion reason and letters"),
        ("plan", plan_command, "write the targets of a draft campaign"),
        ("transition", transition_command, "ready / running / paused / completed / stopped"),
        ("list", list_command, "the tenant's campaigns"),
    ):
        parser = campaign.add_parser(name, help=helptext)
        parser.add_argument("--tenant", default="tax")
        parser.set_defaults(run=run)
        if name in ("create", "preview", "plan"):
            _scope_arguments(parser)
        if name == "create":
            parser.add_argument("name")
            parser.add_argument("--by", required=True, help="the supervisor's login id")
        if name in ("plan", "transition"):
            parser.add_argument("campaign", help="campaign id")
        if name == "plan":
            parser.add_argument("--priority", help="order of the targets, e.g. age,owed,contacts")
        if name == "transition":
            parser.add_argument(
                "to", choices=["draft", "ready", "running", "paused", "completed", "stopped"]
            )
            parser.add_argument("--by", required=True, help="the supervisor's login id")
            parser.add_argument("--reason")
