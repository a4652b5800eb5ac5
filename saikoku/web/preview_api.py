"""Preview mode: the operator asks for the next person of their tenant's running preview
campaign, reads the record, then dials it; the call is theirs when answered."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from campaigns import dialing
from campaigns.policy import TOKYO
from dialer.calls import Callee, DialOptions
from dialer.operators import OperatorState, OperatorStateError
from dialer.pacing.settings import pacing_settings
from saikoku.web.auth import actor_of, require_role
from saikoku.web.keys import CONTACT_POLICY, PLACER, POOL, USER
from saikoku.web.operator_api import CALL_CENTER
from saikoku.web.person_card import open_card
from saikoku.web.responses import json_error, json_ok, parse_body

PREVIEW_CAMPAIGNS_SQL = """
select id, pacing from campaigns where tenant_id = $1 and status = 'running'
   and pacing->>'mode' = 'preview' order by created_at
"""


class DialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: UUID


def _worker(request: web.Request) -> str:
    return f"user:{request[USER].user_id}"


@require_role("operator")
async def next_record(request: web.Request) -> web.Response:
    user = request[USER]
    operator = request.app[CALL_CENTER].desk.get(user.user_id)
    if operator is None or operator.state is not OperatorState.READY:
        return json_error(409, "not_ready", "待機中のときだけ次の案件を表示できます。")
    async with request.app[POOL].acquire() as conn:
        for campaign in await conn.fetch(PREVIEW_CAMPAIGNS_SQL, user.tenant_id):
            dials = await dialing.claim_dials(
                conn, campaign["id"], 1, datetime.now(TOKYO), worker=_worker(request),
                policy=request.app[CONTACT_POLICY])
            if dials:
                card = await open_card(conn, actor_of(request), dials[0].person_id,
                                       reason="preview before dialing", attempt_id=None)
                return json_ok({"target_id": dials[0].target_id, "card": card})
    return json_error(404, "none", "発信できる案件はありません。")


@require_role("operator")
async def dial(request: web.Request) -> web.Response:
    body = await parse_body(request, DialBody)
    user, app = request[USER], request.app
    pool = app[POOL]
    target = await pool.fetchrow(
        "select t.id, t.campaign_id, t.person_id, c.pacing from campaign_targets t"
        " join campaigns c on c.id = t.campaign_id where t.id = $1 and t.tenant_id = $2"
        " and t.state = 'claimed' and t.claimed_by = $3",
        body.target_id, user.tenant_id, _worker(request))
    if target is None:
        return json_error(409, "not_claimed", "この案件は表示期限が切れました。")
    phone = await pool.fetchrow(
        "select id, phone_e164 from phones where person_id = $1 and is_valid"
        " and marked_wrong_at is null and missing_since is null"
        " order by (kind = 'mobile') desc, created_at limit 1", target["person_id"])
    if phone is None:
        return json_error(409, "no_number", "発信できる番号がありません。")
    attempt_id = uuid.uuid4()
    try:
        await app[CALL_CENTER].reserve(user.user_id, attempt_id)
    except OperatorStateError as exc:
        return json_error(409, "wrong_state", str(exc))
    async with pool.acquire() as conn:
        await dialing.mark_in_call(conn, target["id"])
    knobs = pacing_settings(**json.loads(target["pacing"]))
    task = asyncio.create_task(_place(app, user.tenant_id, target, phone, knobs, attempt_id))
    app[PREVIEW_CALLS].add(task)
    task.add_done_callback(app[PREVIEW_CALLS].discard)
    return json_ok({"attempt_id": attempt_id})


async def _place(app: web.Application, tenant_id: UUID, target: Any, phone: Any, knobs: Any,
                 attempt_id: UUID) -> None:
    result = await app[PLACER].place(
        tenant_id=tenant_id, campaign_id=target["campaign_id"], attempt_id=attempt_id,
        dial_string=knobs.dial_template.format(
            number=dialing.national_number(phone["phone_e164"])),
        options=DialOptions(ring_timeout_s=knobs.ring_timeout_s, amd=False,
                            caller_id=knobs.caller_id),
        who=Callee(target["id"], target["person_id"], phone["id"]))
    if str(result.outcome) != "answered":
        await app[CALL_CENTER].unanswered(attempt_id)


PREVIEW_CALLS = web.AppKey("preview_calls", set[asyncio.Task[None]])


def add_routes(app: web.Application) -> None:
    app[PREVIEW_CALLS] = set()
    app.router.add_post("/api/operator/preview/next", next_record)
    app.router.add_post("/api/operator/preview/dial", dial)
