"""CLI for campaigns: create, preview, plan, move through the lifecycle, list. JSON out, so
the same answers serve a script and the supervisor console to come."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from campaigns.lifecycle import transition
from campaigns.planning import PRIORITY_KEYS, Scope, plan, preview
from campaigns.policy import TOKYO
from saikoku.errors import ConfigurationError
from saikoku.linkage_cli import batch_pool, tenant_id_for
from saikoku.settings import Settings


def _scope(args: argparse.Namespace) -> Scope:
    return Scope(
        tax_types=tuple(args.tax_type) if args.tax_type else ("resident", "light_vehicle"),
        fiscal_years=tuple(args.fiscal_year) if args.fiscal_year else None,
        delinquency_categories=tuple(args.category) if args.category else None,
        min_owed=args.min_owed, max_owed=args.max_owed,
        min_days_past_due=args.min_days_past_due,
        contacted_within_days=args.contacted_within_days,
    )


def _run(
    settings: Settings, work: Callable[[asyncpg.Connection, UUID], Awaitable[Any]], tenant: str
) -> int:
    async def go() -> Any:
        pool = await batch_pool(settings)
        try:
            tenant_id = await tenant_id_for(pool, tenant)
            async with pool.acquire() as conn:
                return await work(conn, tenant_id)
        finally:
            await pool.close()

    print(json.dumps(asyncio.run(go()), ensure_ascii=False, default=str))
    return 0


async def _user_id(conn: asyncpg.Connection, tenant_id: UUID, login: str) -> UUID:
    user: UUID | None = await conn.fetchval(
        "select id from users where tenant_id = $1 and login_id = $2 and disabled_at is null",
        tenant_id, login,
    )
    if user is None:
        raise ConfigurationError(f"no active user {login!r} in this tenant")
    return user


def create_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, Any]:
        by = await _user_id(conn, tenant_id, args.by)
        campaign_id = await conn.fetchval(
            "insert into campaigns (tenant_id, name, tax_scope, created_by)"
            " values ($1, $2, $3, $4) returning id",
            tenant_id, args.name, list(_scope(args).tax_types), by,
        )
        return {"campaign_id": campaign_id, "status": "draft"}

    return _run(settings, work, args.tenant)


def preview_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, object]:
        return (await preview(conn, tenant_id, _scope(args), datetime.now(TOKYO))).as_dict()

    return _run(settings, work, args.tenant)


def plan_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, object]:
        order = args.priority.split(",") if args.priority else None
        if order and (len(set(order)) != len(order) or not set(order) <= set(PRIORITY_KEYS)):
            raise ConfigurationError(f"--priority: each of {', '.join(PRIORITY_KEYS)} at most once")
        summary = await plan(conn, tenant_id, UUID(args.campaign), _scope(args),
                             datetime.now(TOKYO), order)
        return summary.as_dict()

    return _run(settings, work, args.tenant)


def transition_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> dict[str, str]:
        by = await _user_id(conn, tenant_id, args.by)
        previous = await transition(conn, tenant_id, UUID(args.campaign), args.to, changed_by=by,
                                    reason=args.reason)
        return {"campaign_id": args.campaign, "from": previous, "to": args.to}

    return _run(settings, work, args.tenant)


def list_command(settings: Settings, args: argparse.Namespace) -> int:
    async def work(conn: asyncpg.Connection, tenant_id: UUID) -> list[dict[str, Any]]:
        rows = await conn.fetch(
            "select c.id, c.name, c.status, c.created_at,"
            " count(t.id) filter (where t.state in ('pending', 'callback')) as waiting,"
            " count(t.id) as targets"
            " from campaigns c left join campaign_targets t on t.campaign_id = c.id"
            " where c.tenant_id = $1 group by c.id order by c.created_at", tenant_id,
        )
        return [dict(r) for r in rows]

    return _run(settings, work, args.tenant)


def _scope_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tax-type", action="append", choices=["resident", "light_vehicle"])
    parser.add_argument("--fiscal-year", action="append", type=int)
    parser.add_argument("--category", action="append", help="滞納区分, e.g. 現年")
    parser.add_argument("--min-owed", type=int, default=1)
    parser.add_argument("--max-owed", type=int)
    parser.add_argument("--min-days-past-due", type=int, default=1)
    parser.add_argument("--contacted-within-days", type=int, default=7)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
            parser.add_argument("to", choices=["draft", "ready", "running", "paused",
                                               "completed", "stopped"])
            parser.add_argument("--by", required=True, help="the supervisor's login id")
            parser.add_argument("--reason")
