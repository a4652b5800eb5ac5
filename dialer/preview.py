"""Preview mode: the operator asks for the next person of their tenant's running preview
campaign, reads the record, then dials it; the call is theirs when answered. Asking again
shows the same person (logged again) until they are dialed or skipped with a reason: one
person at a time, so "next" cannot page through the tenant's people.

The desk that reserves the operator for the call is the call center's (ari_bridge); it is
passed in as a `Desk`, since the call center sits above the dialer."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from campaigns import dialing
from campaigns.person_card import open_card
from campaigns.phones import best_phones
from campaigns.policy import ContactPolicy
from dialer.calls import CallPlacer
from dialer.campaign_call import CampaignCall, place_campaign_call
from dialer.operators import OperatorDesk, OperatorState
from dialer.pacing.settings import PacingSettings, pacing_settings
from saikoku.core.errors import Conflict
from saikoku.core.tokyo import TOKYO
from store import audit

PREVIEW_CAMPAIGNS_SQL = """
select id from campaigns where tenant_id = $1 and status = 'running'
   and pacing->>'mode' = 'preview' order by created_at
"""

# A skipped person is offered again (to anyone) after this long.
SKIP_RETRY_AFTER = timedelta(hours=1)

CLAIMED_TARGET_SQL = """
select t.id, t.campaign_id, t.person_id, c.pacing from campaign_targets t
  join campaigns c on c.id = t.campaign_id
 where t.id = $1 and t.tenant_id = $2 and t.state = 'claimed' and t.claimed_by = $3
"""


class Desk(Protocol):
    @property
    def desk(self) -> OperatorDesk: ...

    async def reserve(self, user_id: UUID, attempt_id: UUID) -> None: ...

    async def unanswered(self, attempt_id: UUID) -> None: ...


def worker_of(user_id: UUID) -> str:
    """Whose claim a preview target is: the operator's, not a dialer process's."""
    return f"user:{user_id}"


class PreviewDialer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        placer: CallPlacer,
        desk: Desk,
        *,
        policy: ContactPolicy,
        wall: Callable[[], datetime] = lambda: datetime.now(TOKYO),
    ) -> None:
        self._pool = pool
        self._placer = placer
        self._desk = desk
        self._policy = policy
        self._wall = wall
        self._calls: set[asyncio.Task[None]] = set()

    async def next_record(self, actor: audit.Actor) -> dict[str, Any] | None:
        """The person this ready operator holds, or the next one claimed for them, with
        their card (each showing logged); None when no preview campaign has anyone to call
        now."""
        assert actor.user_id is not None
        operator = self._desk.desk.get(actor.user_id)
        if operator is None or operator.state is not OperatorState.READY:
            raise Conflict("待機中のときだけ次の案件を表示できます。", code="not_ready")
        async with self._pool.acquire() as conn:
            campaigns = [r["id"] for r in await conn.fetch(PREVIEW_CAMPAIGNS_SQL, actor.tenant_id)]
            target = await dialing.claim_for_operator(
                conn, campaigns, self._wall(), worker=worker_of(actor.user_id), policy=self._policy
            )
            if target is None:
                return None
            card = await open_card(
                conn, actor, target.person_id, reason="preview before dialing", attempt_id=None
            )
        return {"target_id": target.target_id, "card": card}

    async def skip(self, actor: audit.Actor, target_id: UUID, reason: dialing.SkipReason) -> None:
        """Put the operator's claimed person back without calling (logged with the reason)."""
        assert actor.user_id is not None
        async with self._pool.acquire() as conn:
            await dialing.release_claim(
                conn,
                actor,
                target_id,
                worker=worker_of(actor.user_id),
                reason=reason,
                retry_at=self._wall() + SKIP_RETRY_AFTER,
            )

    async def dial(self, tenant_id: UUID, user_id: UUID, target_id: UUID) -> UUID:
        """Dial the operator's claimed target; returns the attempt id at once, the call goes
        on in the background."""
        async with self._pool.acquire() as conn:
            target = await conn.fetchrow(
                CLAIMED_TARGET_SQL, target_id, tenant_id, worker_of(user_id)
            )
            if target is None:
                raise Conflict("この案件は表示期限が切れました。", code="not_claimed")
            phone = (await best_phones(conn, [target["person_id"]])).get(target["person_id"])
            if phone is None:
                raise Conflict("発信できる番号がありません。", code="no_number")
            attempt_id = uuid.uuid4()
            await self._desk.reserve(user_id, attempt_id)
            await dialing.mark_in_call(conn, target["id"])
        dial = dialing.Dial(target["id"], target["person_id"], phone.phone_id, phone.national)
        knobs = pacing_settings(**json.loads(target["pacing"]))
        task = asyncio.create_task(
            self._place(CampaignCall(tenant_id, target["campaign_id"], attempt_id, dial), knobs)
        )
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)
        return attempt_id

    async def _place(self, call: CampaignCall, knobs: PacingSettings) -> None:
        result = await place_campaign_call(self._placer, call, knobs, operator_on_line=True)
        if str(result.outcome) != "answered":
            await self._desk.unanswered(call.attempt_id)

    async def close(self) -> None:
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
