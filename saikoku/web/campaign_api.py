"""The supervisor's JSON API for campaigns: list, preview, create, plan and move through the
lifecycle. Everything is scoped to the caller's tenant; counts only, no personal data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns.lifecycle import TransitionError, transition
from campaigns.planning import Scope, plan, preview
from campaigns.policy import TOKYO
from dialer.pacing.settings import pacing_settings
from saikoku import audit
from saikoku.errors import ConfigurationError
from saikoku.web.auth import actor_of, require_role
from saikoku.web.keys import POOL, USER
from saikoku.web.responses import json_error, json_ok, parse_body, path_uuid

SUPERVISORS = ("supervisor", "admin")
READERS = ("supervisor", "admin", "pbx_admin", "staff", "auditor")


class ScopeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tax_types: list[Literal["resident", "light_vehicle"]] = ["resident", "light_vehicle"]
    fiscal_years: list[int] | None = None
    delinquency_categories: list[str] | None = None
    min_owed: int = Field(default=1, ge=0)
    max_owed: int | None = Field(default=None, ge=0)
    min_days_past_due: int = Field(default=1, ge=0)
    auto_debit: bool | None = None
    contacted_within_days: int = Field(default=7, ge=0, le=365)
    # Plan only: the targets' order, e.g. ["age", "owed"] (see campaigns/planning.py).
    priority: list[Literal["owed", "age", "contacts"]] | None = Field(
        default=None, min_length=1, max_length=3)

    def scope(self) -> Scope:
        return Scope(
            tax_types=tuple(self.tax_types),
            fiscal_years=tuple(self.fiscal_years) if self.fiscal_years else None,
            delinquency_categories=(tuple(self.delinquency_categories)
                                    if self.delinquency_categories else None),
            min_owed=self.min_owed, max_owed=self.max_owed,
            min_days_past_due=self.min_days_past_due, auto_debit=self.auto_debit,
            contacted_within_days=self.contacted_within_days,
        )


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scope: ScopeBody = ScopeBody()


class TransitionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["draft", "ready", "running", "paused", "completed", "stopped"]
    reason: str | None = Field(default=None, max_length=500)


@require_role(*READERS)
async def list_campaigns(request: web.Request) -> web.Response:
    rows = await request.app[POOL].fetch(
        "select c.id, c.name, c.status, c.tax_scope, c.pacing, c.priority_order, c.created_at,"
        " count(t.id) filter (where t.state in ('pending', 'callback', 'claimed')) as waiting,"
        " count(t.id) filter (where t.state = 'in_call') as in_call,"
        " count(t.id) filter (where t.state in ('completed', 'exhausted')) as done,"
        " count(t.id) as targets"
        " from campaigns c left join campaign_targets t on t.campaign_id = c.id"
        " where c.tenant_id = $1 group by c.id order by c.created_at",
        request[USER].tenant_id,
    )
    return json_ok([dict(r) for r in rows])


@require_role(*SUPERVISORS)
async def preview_scope(request: web.Request) -> web.Response:
    body = await parse_body(request, ScopeBody)
    async with request.app[POOL].acquire() as conn:
        counts = await preview(conn, request[USER].tenant_id, body.scope(), datetime.now(TOKYO))
    return json_ok(counts.as_dict())


@require_role(*SUPERVISORS)
async def create_campaign(request: web.Request) -> web.Response:
    body = await parse_body(request, CreateBody)
    user = request[USER]
    async with request.app[POOL].acquire() as conn, conn.transaction():
        exists = await conn.fetchval(
            "select 1 from campaigns where tenant_id = $1 and name = $2", user.tenant_id, body.name
        )
        if exists:
            return json_error(409, "duplicate_name", "同じ名前のキャンペーンがあります。")
        campaign_id = await conn.fetchval(
            "insert into campaigns (tenant_id, name, tax_scope, created_by)"
            " values ($1, $2, $3, $4) returning id",
            user.tenant_id, body.name, list(body.scope.tax_types), user.user_id,
        )
        await audit.record(conn, actor_of(request), "campaign_created",
                           object_type="campaign", object_id=campaign_id)
    return json_ok({"id": campaign_id, "status": "draft"}, status=201)


@require_role(*SUPERVISORS)
async def plan_campaign(request: web.Request) -> web.Response:
    body = await parse_body(request, ScopeBody)
    campaign_id = path_uuid(request, "campaign_id")
    async with request.app[POOL].acquire() as conn:
        try:
            if body.priority is not None and len(set(body.priority)) != len(body.priority):
                return json_error(400, "bad_priority", "priority lists each key once")
            counts = await plan(conn, request[USER].tenant_id, campaign_id, body.scope(),
                                datetime.now(TOKYO), body.priority)
        except TransitionError as exc:
            return json_error(409, "wrong_state", str(exc))
        await audit.record(conn, actor_of(request), "campaign_planned",
                           object_type="campaign", object_id=campaign_id,
                           detail={"to_call": counts.to_call, "letters": counts.letters})
    return json_ok(counts.as_dict())


@require_role(*SUPERVISORS)
async def change_status(request: web.Request) -> web.Response:
    body = await parse_body(request, TransitionBody)
    campaign_id = path_uuid(request, "campaign_id")
    user = request[USER]
    async with request.app[POOL].acquire() as conn:
        try:
            previous = await transition(conn, user.tenant_id, campaign_id, body.to,
                                        changed_by=user.user_id, reason=body.reason)
        except TransitionError as exc:
            return json_error(409, "wrong_state", str(exc))
    return json_ok({"id": campaign_id, "from": previous, "to": body.to})


@require_role(*READERS)
async def status_history(request: web.Request) -> web.Response:
    rows = await request.app[POOL].fetch(
        "select h.changed_at, h.from_status, h.to_status, h.reason, u.login_id as changed_by"
        " from campaign_status_changes h left join users u on u.id = h.changed_by"
        " where h.tenant_id = $1 and h.campaign_id = $2 order by h.changed_at, h.id",
        request[USER].tenant_id, path_uuid(request, "campaign_id"),
    )
    return json_ok([dict(r) for r in rows])


PACING_ADMINS = ("pbx_admin", "admin")


@require_role(*PACING_ADMINS, "supervisor")
async def get_pacing(request: web.Request) -> web.Response:
    raw = await request.app[POOL].fetchval(
        "select pacing from campaigns where tenant_id = $1 and id = $2",
        request[USER].tenant_id, path_uuid(request, "campaign_id"),
    )
    if raw is None:
        return json_error(404, "not_found", "キャンペーンが見つかりません。")
    return json_ok(pacing_settings(**json.loads(raw)).model_dump())


@require_role(*PACING_ADMINS)
async def set_pacing(request: web.Request) -> web.Response:
    """Replace the knobs (validated); the running dialer adopts them within a second."""
    user = request[USER]
    campaign_id = path_uuid(request, "campaign_id")
    try:
        knobs = pacing_settings(**(await request.json()))
    except ConfigurationError as exc:
        return json_error(400, "bad_pacing", str(exc))
    except (ValueError, TypeError):
        return json_error(400, "bad_request", "the body must be a JSON object of knobs")
    after = knobs.model_dump_json()
    async with request.app[POOL].acquire() as conn, conn.transaction():
        before = await conn.fetchval(
            "select pacing from campaigns where tenant_id = $1 and id = $2 for update",
            user.tenant_id, campaign_id,
        )
        if before is None:
            return json_error(404, "not_found", "キャンペーンが見つかりません。")
        await conn.execute(
            "update campaigns set pacing = $2::jsonb where id = $1",
            campaign_id, after,
        )
        await conn.execute(
            "insert into campaign_pacing_changes (tenant_id, campaign_id, changed_by, before,"
            " after) values ($1, $2, $3, $4::jsonb, $5::jsonb)",
            user.tenant_id, campaign_id, user.user_id, before, after,
        )
    return json_ok(knobs.model_dump())


@require_role(*PACING_ADMINS, "supervisor", "auditor")
async def pacing_history(request: web.Request) -> web.Response:
    rows = await request.app[POOL].fetch(
        "select h.changed_at, u.login_id as changed_by, h.before, h.after"
        " from campaign_pacing_changes h join users u on u.id = h.changed_by"
        " where h.tenant_id = $1 and h.campaign_id = $2 order by h.id",
        request[USER].tenant_id, path_uuid(request, "campaign_id"),
    )
    return json_ok([{**dict(r), "before": json.loads(r["before"]), "after": json.loads(r["after"])}
                    for r in rows])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/campaigns", list_campaigns)
    app.router.add_post("/api/campaigns", create_campaign)
    app.router.add_post("/api/campaigns/preview", preview_scope)
    app.router.add_post("/api/campaigns/{campaign_id}/plan", plan_campaign)
    app.router.add_post("/api/campaigns/{campaign_id}/status", change_status)
    app.router.add_get("/api/campaigns/{campaign_id}/status", status_history)
    app.router.add_get("/api/campaigns/{campaign_id}/pacing", get_pacing)
    app.router.add_put("/api/campaigns/{campaign_id}/pacing", set_pacing)
    app.router.add_get("/api/campaigns/{campaign_id}/pacing/changes", pacing_history)
