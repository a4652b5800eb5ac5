"""Prime a new pacer with the last 24 hours of its campaigns' calls, replayed from the attempt
rows as the events the pacer would have seen. A restarted dialer (or one that adopts new
knobs) thus keeps the rolling 24-h abandon rate the calling rules are judged by, and its
answer-rate and ring/talk-time estimates, instead of starting blind."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import asyncpg

from dialer.pacing.events import (
    CallAbandoned,
    CallConnected,
    CallPlaced,
    CallUnanswered,
    LiveAnswered,
    MachineAnswered,
    PacingEvent,
    TalkEnded,
)
from dialer.pacing.snapshot import Pacer

LAST_DAY_SQL = """
select now() as db_now, created_at, answered_at, stasis_at, connected_at, ended_at, status,
       coalesce(amd_status = 'MACHINE', false) as machine
  from call_attempts
 where campaign_id = any($1::uuid[]) and direction = 'outbound'
   and created_at > now() - interval '24 hours'
"""

_UNANSWERED: dict[str, Literal["busy", "no_answer", "failed"]] = {
    "busy": "busy",
    "no_answer": "no_answer",
}


def events_of(row: asyncpg.Record, to_clock: float) -> list[PacingEvent]:
    """One attempt row as pacing events, times moved onto the driver's clock."""

    def at(moment: datetime) -> float:
        return to_clock - float((row["db_now"] - moment).total_seconds())

    placed = at(row["created_at"])
    events: list[PacingEvent] = [CallPlaced(placed)]
    answered = row["answered_at"]
    if answered is None:
        if row["ended_at"] is not None:
            events.append(
                CallUnanswered(
                    at(row["ended_at"]),
                    _UNANSWERED.get(row["status"], "failed"),
                    at(row["ended_at"]) - placed,
                )
            )
        return events
    ring = at(answered) - placed
    if row["machine"]:
        return [*events, MachineAnswered(at(answered), ring)]
    events.append(LiveAnswered(at(answered), ring))
    entered = row["stasis_at"] or answered
    if row["status"] == "abandoned":
        events.append(CallAbandoned(at(entered)))
    elif row["connected_at"] is not None:
        events.append(CallConnected(at(row["connected_at"]), at(row["connected_at"]) - at(entered)))
        if row["ended_at"] is not None:
            events.append(
                TalkEnded(at(row["ended_at"]), at(row["ended_at"]) - at(row["connected_at"]))
            )
    return events


async def prime(
    conn: asyncpg.Connection, campaign_ids: list[UUID], pacer: Pacer, now: float
) -> int:
    """Feed the pacer the last day's events in time order; returns how many attempts."""
    rows = await conn.fetch(LAST_DAY_SQL, campaign_ids)
    events = [e for row in rows for e in events_of(row, now)]
    for event in sorted(events, key=lambda e: e.at):
        pacer.observe(event)
    return len(rows)
