"""The supervisor's JSON API for campaigns: list, preview, create, plan and move through the
lifecycle. Everything is scoped to the caller's tenant; counts only, no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns import catalog
from campaigns.lifecycle import transition
from campaigns.planning import Scope, plan, preview
from dialer.pacing import stored
from dialer.pacing.settings import pacing_settings
from saikoku.core.errors import BadRequest
from saikoku.core.inputs import Text
from saikoku.core.tokyo import TOKYO
from saikoku.web.auth import actor_of, require_role, tenant_db
from saikoku.web.keys import USER
from saikoku.web.responses import json_ok, parse_body, path_uuid, read_json

SUPERVISORS = ("supervisor", "admin")
READERS = ("supervisor", "admin", "pbx_admin", "staff", "auditor")

# Bounds of the columns a scope is compared with: amounts are yen in bigint (a trillion is
# beyond any tax bill), fiscal years a smallint checked 1900–2200, days an int.
Yen = Annotated[int, Field(ge=0, le=10**12)]
FiscalYear = Annotated[int, Field(ge=1900, le=2200)]
Category = Annotated[Text, Field(min_length=1, max_length=50)]


class ScopeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tax_types: list[Literal["resident", "light_vehicle"]] = ["resident", "light_vehicle"]
    fiscal_years: list[FiscalYear] | None = Field(default=None, max_length=50)
    delinquency_categories: list[Category] | None = Field(default=None, max_length=50)
    min_owed: Yen = 1
    max_owed: Yen | None = None
    min_days_past_due: int = Field(default=1, ge=0, le=36_500)
    auto_debit: bool | None = None
    contacted_within_days: int = Field(default=7, ge=0, le=365)
    # Plan only: the targets' order, e.g. ["age", "owed"] (see campaigns/planning.py).
    priority: list[Literal["owed", "age", "contacts"]] | None = Field(
        default=None, min_length=1, max_length=3
    )

    def scope(self) -> Scope:
        return Scope(
            tax_types=tuple(self.tax_types),
            fiscal_years=tuple(self.fiscal_years) if self.fiscal_years else None,
            delinquency_categories=(
                tuple(self.delinquency_categories) if self.delinquency_categories else None
            ),
            min_owed=self.min_owed,
            max_owed=self.max_owed,
            min_days_past_due=self.min_days_past_due,
            auto_debit=self.auto_debit,
            contacted_within_days=self.contacted_within_days,
        )


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)
    scope: ScopeBody = ScopeBody()


class TransitionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["draft", "ready", "running", "paused", "completed", "stopped"]
    reason: Text | None = Field(default=None, max_length=500)


@require_role(*READERS)
async def list_campaigns(request: web.Request) -> web.Response:
    async with tenant_db(request) as conn:
        return json_ok(await catalog.list_campaigns(conn, request[USER].tenant_id))


@require_role(*SUPERVISORS)
async def preview_scope(request: web.Request) -> web.Response:
    body = await parse_body(request, ScopeBody)
    async with tenant_db(request) as conn:
        counts = await preview(conn, request[USER].tenant_id, body.scope(), datetime.now(TOKYO))
    return json_ok(counts.as_dict())


@require_role(*SUPERVISORS)
async def create_campaign(request: web.Request) -> web.Response:
    body = await parse_body(request, CreateBody)
    async with tenant_db(request) as conn:
        campaign_id = await catalog.create_campaign(
            conn, actor_of(request), body.name, list(body.scope.tax_types)
        )
    return json_ok({"id": campaign_id, "status": "draft"}, status=201)


@require_role(*SUPERVISORS)
async def plan_campaign(request: web.Request) -> web.Response:
    body = await parse_body(request, ScopeBody)
    campaign_id = path_uuid(request, "campaign_id")
    async with tenant_db(request) as conn:
        counts = await plan(
            conn,
            request[USER].tenant_id,
            campaign_id,
            body.scope(),
            datetime.now(TOKYO),
            body.priority,
            actor=actor_of(request),
        )
    return json_ok(counts.as_dict())


@require_role(*SUPERVISORS)
async def change_status(request: web.Request) -> web.Response:
    body = await parse_body(request, TransitionBody)
    campaign_id = path_uuid(request, "campaign_id")
    user = request[USER]
    async with tenant_db(request) as conn:
        previous = await transition(
            conn, user.tenant_id, campaign_id, body.to, changed_by=user.user_id, reason=body.reason
        )
    return json_ok({"id": campaign_id, "from": previous, "to": body.to})


@require_role(*READERS)
async def status_history(request: web.Request) -> web.Response:
    campaign_id = path_uuid(request, "campaign_id")
    async with tenant_db(request) as conn:
        return json_ok(await catalog.status_history(conn, request[USER].tenant_id, campaign_id))


PACING_ADMINS = ("pbx_admin", "admin")


@require_role(*PACING_ADMINS, "supervisor")
async def get_pacing(request: web.Request) -> web.Response:
    campaign_id = path_uuid(request, "campaign_id")
    async with tenant_db(request) as conn:
        knobs = await stored.campaign_knobs(conn, request[USER].tenant_id, campaign_id)
    return json_ok(knobs.model_dump())


@require_role(*PACING_ADMINS)
async def set_pacing(request: web.Request) -> web.Response:
    """Replace the knobs (validated); the running dialer adopts them within a second."""
    user = request[USER]
    campaign_id = path_uuid(request, "campaign_id")
    sent = await read_json(request)
    if not isinstance(sent, dict):
        raise BadRequest("the body must be a JSON object of knobs")
    knobs = pacing_settings(**sent)
    async with tenant_db(request) as conn:
        await stored.replace_knobs(
            conn, user.tenant_id, campaign_id, knobs, changed_by=user.user_id
        )
    return json_ok(knobs.model_dump())


@require_role(*PACING_ADMINS, "supervisor", "auditor")
async def pacing_history(request: web.Request) -> web.Response:
    campaign_id = path_uuid(request, "campaign_id")
    async with tenant_db(request) as conn:
        return json_ok(await stored.knob_changes(conn, request[USER].tenant_id, campaign_id))


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
