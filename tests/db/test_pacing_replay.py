"""A new pacer is primed with the last 24 hours of attempt rows (real PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from dialer import replay
from dialer.pacing.events import PacingEvent
from dialer.pacing.measures import AbandonRate
from dialer.pacing.snapshot import PacingSnapshot


class Recorder:
    """A pacer that only measures: the rolling abandon rate, and every event in order."""

    def __init__(self) -> None:
        self.abandons = AbandonRate()
        self.events: list[PacingEvent] = []

    def observe(self, event: PacingEvent) -> None:
        self.abandons.observe(event)
        self.events.append(event)

    def calls_to_place(self, snapshot: PacingSnapshot) -> int:
        return 0


async def test_replay_restores_the_rolling_abandon_rate(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    owner = await pool.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'sv', 'sv', 'supervisor', 'x') returning id",
        tenant_id,
    )
    campaign = await pool.fetchval(
        "insert into campaigns (tenant_id, name, created_by) values ($1, 'c', $2) returning id",
        tenant_id,
        owner,
    )
    now: datetime = await pool.fetchval("select now()")

    async def attempt(age_h: float, status: str, *, machine: bool = False) -> None:
        placed = now - timedelta(hours=age_h)
        answered = None if status in ("busy", "no_answer") else placed + timedelta(seconds=8)
        connected = (
            answered + timedelta(seconds=0.3)
            if answered is not None and status == "connected"
            else None
        )
        await pool.execute(
            "insert into call_attempts (tenant_id, campaign_id, dial_string, status, created_at,"
            " answered_at, stasis_at, connected_at, ended_at, amd_status)"
            " values ($1, $2, 'x', $3, $4::timestamptz, $5, $5, $6,"
            " $4::timestamptz + interval '3 minutes', $7)",
            tenant_id,
            campaign,
            status,
            placed,
            answered,
            connected,
            "MACHINE" if machine else None,
        )

    for n in range(48):
        await attempt((n + 1) / 2, "connected")
    await attempt(1, "abandoned")
    await attempt(2, "abandoned")
    await attempt(3, "answered", machine=True)
    await attempt(4, "busy")
    await attempt(30, "abandoned")  # older than a day: outside the rule's window
    recorder = Recorder()
    async with pool.acquire() as conn:
        # 51: the connected call placed exactly 24 h ago is out of the window too
        assert await replay.prime(conn, [campaign], recorder, now=10_000.0) == 51
    assert recorder.abandons.counts(10_000.0) == (2, 49)
    times = [e.at for e in recorder.events]
    assert times == sorted(times) and max(times) <= 10_000.0
    kinds = {type(e).__name__ for e in recorder.events}
    assert kinds == {
        "CallPlaced",
        "LiveAnswered",
        "CallConnected",
        "TalkEnded",
        "CallAbandoned",
        "MachineAnswered",
        "CallUnanswered",
    }
