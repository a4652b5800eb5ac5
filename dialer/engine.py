"""The dialer loop: for every tenant with running campaigns, ask the tenant's pacer how many
calls to place now, claim that many people, and place their calls.

A tenant's operators are one floor with one pacer; its running campaigns are dialed in the
order they were created, with the pacing knobs of the first. A floor is active while any of
its operators is signed in or any of its calls is live: nobody signed in, nothing is dialed,
settled or completed. Pausing a campaign stops new
dials at once (claims only come from running campaigns); calls in progress finish. Targets
are settled from the attempt rows, so a restarted dialer picks up where the old one stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from campaigns import dialing
from campaigns.lifecycle import TransitionError, transition
from campaigns.policy import ContactPolicy, closes_in
from dialer import replay
from dialer.calls import CallPlacer
from dialer.campaign_call import CampaignCall, place_campaign_call
from dialer.floor import Floor
from dialer.pacing.policies import pacer_for
from dialer.pacing.settings import PacingSettings, pacing_settings
from dialer.pacing.snapshot import Pacer, within_limits
from saikoku.core.errors import ConfigurationError
from saikoku.core.tokyo import TOKYO
from store.db import TRANSIENT_ERRORS

log = structlog.get_logger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class TenantFloor:
    """What the loop keeps per tenant between ticks."""

    campaigns: list[UUID]
    knobs: PacingSettings
    pacer: Pacer
    tokens: float = 0.0  # calls-per-second bucket
    refilled_at: float = 0.0

    def refill(self, now: float) -> None:
        """The calls-per-second limit as a token bucket holding at most one second's worth."""
        rate = self.knobs.cps_limit
        self.tokens = min(max(rate, 1.0), self.tokens + (now - self.refilled_at) * rate)
        self.refilled_at = now


class Dialer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        placer: CallPlacer,
        floor: Floor,
        *,
        policy: ContactPolicy | None = None,
        tick_s: float = 0.1,
        refresh_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(TOKYO),
        can_dial: Callable[[], bool] = lambda: True,
    ) -> None:
        self._pool = pool
        self._placer = placer
        self._floor = floor
        self._policy = policy or ContactPolicy()
        self._tick = tick_s
        self._refresh = refresh_s
        self._clock = clock
        self._wall = wall
        # False while the PBX connection is down: a call placed then would only fail.
        self._can_dial = can_dial
        self._worker = worker_name()
        self._tenants: dict[UUID, TenantFloor] = {}
        self._calls: set[asyncio.Task[Any]] = set()
        self._refreshed_at = -1e9

    async def run(self) -> None:
        """Forever: refresh campaigns and settle targets each second, pace every tick."""
        try:
            while True:
                try:
                    await self._step()
                except TRANSIENT_ERRORS as exc:
                    # The database is away: a claim rolled back is not lost; retry.
                    log.warning("dialer_step_failed", error=str(exc))
                    await asyncio.sleep(1.0)
                except Exception:
                    # A bug must not silence the floor for good: log it and carry on.
                    log.exception("dialer_step_crashed")
                    await asyncio.sleep(1.0)
                await asyncio.sleep(self._tick)
        finally:
            for task in list(self._calls):
                task.cancel()
            await asyncio.gather(*self._calls, return_exceptions=True)

    async def _step(self) -> None:
        now = self._clock()
        if now - self._refreshed_at >= self._refresh:
            await self._refresh_campaigns()
            self._refreshed_at = now
        for tenant_id in list(self._tenants):
            await self._pace(tenant_id)

    async def _refresh_campaigns(self) -> None:
        active = self._floor.active_tenants()
        rows = await self._pool.fetch(
            "select c.id, c.tenant_id, c.status, c.pacing from campaigns c"
            " where c.status in ('running', 'paused') and c.tenant_id = any($1::uuid[])"
            " order by c.tenant_id, c.created_at, c.id",
            list(active),
        )
        running: dict[UUID, list[asyncpg.Record]] = {}
        async with self._pool.acquire() as conn:
            for row in rows:
                await dialing.settle_finished(conn, row["id"], self._wall(), self._policy)
                if row["status"] == "running":
                    running.setdefault(row["tenant_id"], []).append(row)
                    await self._complete_if_done(conn, row["tenant_id"], row["id"])
        for tenant_id in set(self._tenants) - set(running):
            del self._tenants[tenant_id]
            self._floor.set_pacer(tenant_id, None)
        for tenant_id, campaigns in running.items():
            await self._adopt(tenant_id, campaigns)

    async def _adopt(self, tenant_id: UUID, campaigns: list[asyncpg.Record]) -> None:
        try:
            knobs = pacing_settings(**json.loads(campaigns[0]["pacing"]))
        except ConfigurationError as exc:
            log.error(
                "campaign_pacing_invalid", campaign_id=str(campaigns[0]["id"]), error=str(exc)
            )
            return
        ids = [c["id"] for c in campaigns]
        current = self._tenants.get(tenant_id)
        if current is not None and current.knobs == knobs:
            current.campaigns = ids
            return
        pacer = pacer_for(knobs)
        async with self._pool.acquire() as conn:
            replayed = await replay.prime(conn, ids, pacer, self._clock())
        self._tenants[tenant_id] = TenantFloor(ids, knobs, pacer, refilled_at=self._clock())
        self._floor.set_pacer(tenant_id, pacer)
        log.info(
            "pacing_adopted", tenant_id=str(tenant_id), mode=knobs.mode, replayed_attempts=replayed
        )

    async def _complete_if_done(
        self, conn: asyncpg.Connection, tenant_id: UUID, campaign_id: UUID
    ) -> None:
        left = await conn.fetchval(
            "select count(*) from campaign_targets where campaign_id = $1"
            " and state in ('pending', 'claimed', 'in_call', 'callback')",
            campaign_id,
        )
        if left == 0:
            try:
                await transition(
                    conn,
                    tenant_id,
                    campaign_id,
                    "completed",
                    changed_by=None,
                    reason="every target is finished",
                )
                log.info("campaign_completed", campaign_id=str(campaign_id))
            except TransitionError:
                pass  # paused or stopped meanwhile: the supervisor decides

    async def _pace(self, tenant_id: UUID) -> None:
        if not self._can_dial():
            return
        floor = self._tenants[tenant_id]
        now = self._clock()
        floor.refill(now)
        snapshot = self._floor.snapshot(
            tenant_id,
            now,
            channel_headroom=floor.knobs.trunk_channels - self._floor.live_calls(),
            cps_headroom=int(floor.tokens),
            closes_in_s=closes_in(self._policy, self._wall()),
        )
        wanted = within_limits(snapshot, floor.pacer.calls_to_place(snapshot))
        if wanted <= 0:
            return
        async with self._pool.acquire() as conn:
            dials = await self._claim(conn, floor, wanted)
        for campaign_id, dial in dials:
            floor.tokens -= 1
            attempt_id = uuid.uuid4()
            self._floor.placed(attempt_id, tenant_id, campaign_id, now)
            task = asyncio.create_task(
                self._call(CampaignCall(tenant_id, campaign_id, attempt_id, dial), floor.knobs)
            )
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)

    async def _claim(
        self, conn: asyncpg.Connection, floor: TenantFloor, wanted: int
    ) -> list[tuple[UUID, dialing.Dial]]:
        claimed: list[tuple[UUID, dialing.Dial]] = []
        for campaign_id in floor.campaigns:
            if len(claimed) >= wanted:
                break
            for dial in await dialing.claim_dials(
                conn,
                campaign_id,
                wanted - len(claimed),
                self._wall(),
                worker=self._worker,
                policy=self._policy,
            ):
                await dialing.mark_in_call(conn, dial.target_id)
                claimed.append((campaign_id, dial))
        return claimed

    async def _call(self, call: CampaignCall, knobs: PacingSettings) -> None:
        try:
            await place_campaign_call(self._placer, call, knobs, operator_on_line=False)
        except Exception:
            # The row may not exist: settle_finished frees targets left without an attempt.
            self._floor.ended(call.attempt_id, self._clock())
            log.exception("call_failed", campaign_id=str(call.campaign_id))
