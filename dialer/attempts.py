"""Call-attempt rows: the dialer's own queries. The row exists before the call does.

Every writer touches only its own columns and guards on state, so the AMI and ARI event
streams may arrive in any order and be replayed without harm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from dialer.ami_messages import OriginateOutcome, OriginateResult
from store.db import Executor

# What an OriginateResponse outcome means for the attempt row when no hangup cause says more
# (the cause, when known, decides: see attempt_status_for_cause in store/migrations/0002).
STATUS_BY_OUTCOME: dict[OriginateOutcome, str] = {
    OriginateOutcome.ANSWERED: "answered",
    OriginateOutcome.BUSY: "busy",
    OriginateOutcome.NO_ANSWER: "no_answer",
    OriginateOutcome.CONGESTION: "failed",
    OriginateOutcome.FAILED: "failed",
    OriginateOutcome.REJECTED: "failed",
}


@dataclass(frozen=True)
class Attempt:
    id: UUID
    status: str
    originate_reason: int | None
    hangup_cause: int | None
    hangup_cause_text: str | None
    amd_status: str | None
    amd_cause: str | None
    failure_detail: str | None
    answered_at: datetime | None
    stasis_at: datetime | None
    ended_at: datetime | None


async def _update_and_log(
    conn: Executor, update_sql: str, args: tuple[Any, ...], kind: str, detail: dict[str, Any]
) -> asyncpg.Record | None:
    """Run one UPDATE of call_attempts and append the transition to call_attempt_events, in
    one statement. Returns the row's status and tenant after the update, None when no row
    matched."""
    n = len(args)
    sql = f"""
        with changed as ({update_sql} returning tenant_id, id, status),
        logged as (
            insert into call_attempt_events (tenant_id, attempt_id, kind, detail)
            select tenant_id, id, ${n + 1}, ${n + 2}::text::jsonb from changed
        )
        select status, tenant_id from changed
    """
    row: asyncpg.Record | None = await conn.fetchrow(sql, *args, kind, json.dumps(detail))
    return row


async def create(
    conn: Executor,
    *,
    attempt_id: UUID,
    tenant_id: UUID,
    dial_string: str,
    campaign_id: UUID | None = None,
    target_id: UUID | None = None,
    person_id: UUID | None = None,
    phone_id: UUID | None = None,
) -> UUID:
    row_id: UUID = await conn.fetchval(
        """
        insert into call_attempts
            (id, tenant_id, campaign_id, target_id, person_id, phone_id, dial_string)
        values ($1, $2, $3, $4, $5, $6, $7)
        returning id
        """,
        attempt_id,
        tenant_id,
        campaign_id,
        target_id,
        person_id,
        phone_id,
        dial_string,
    )
    return row_id


async def mark_originated(conn: Executor, attempt_id: UUID) -> None:
    await conn.execute(
        "update call_attempts set originated_at = now() where id = $1 and originated_at is null",
        attempt_id,
    )


async def record_originate_result(
    conn: Executor, result: OriginateResult, *, hangup_due: bool = False
) -> None:
    """Apply an OriginateResponse. UNKNOWN leaves the row dialing for reconciliation.

    For a call nobody answered, the hangup cause is more precise than the reason (Asterisk
    reports a PJSIP 486 as reason 0 with cause 17). `hangup_due` says the channel exists and
    its Hangup is still to come: the row then stays open until that Hangup closes it.
    """
    status = STATUS_BY_OUTCOME.get(result.outcome)
    if status is None:
        await _update_and_log(
            conn,
            "update call_attempts set failure_detail = $2 where id = $1 and status = 'dialing'",
            (result.attempt_id, f"outcome unknown: {result.detail}"),
            "originate_unknown",
            {"detail": result.detail},
        )
        return
    answered = status == "answered"
    # The reason is always kept; the status only moves on from "dialing" (a replay or a
    # reconciliation that got there first wins).
    await _update_and_log(
        conn,
        """
        update call_attempts
           set originate_reason = $3,
               status = case when status <> 'dialing' then status
                             when $4 then $2
                             else coalesce(attempt_status_for_cause(hangup_cause), $2) end,
               failure_detail = case when $4 then failure_detail
                                     else coalesce($5, failure_detail) end,
               answered_at = case when $4 then coalesce(answered_at, now()) else answered_at end,
               ended_at = case when $4 or $6 then ended_at else coalesce(ended_at, now()) end
         where id = $1
        """,
        (
            result.attempt_id,
            status,
            result.reason,
            answered,
            None if answered else result.detail,
            hangup_due,
        ),
        "originate_result",
        {"outcome": str(result.outcome), "reason": result.reason},
    )


async def record_hangup(
    conn: Executor, attempt_id: UUID, cause: int | None, cause_text: str
) -> None:
    await _update_and_log(
        conn,
        """
        update call_attempts
           set hangup_cause = coalesce(hangup_cause, $2),
               hangup_cause_text = coalesce(hangup_cause_text, $3),
               -- A call already settled from its OriginateResponse reason is refined by the
               -- cause; one still dialing waits for that response (or for reconciliation).
               status = case
                   when hangup_cause is null and answered_at is null
                        and originate_reason is not null and status <> 'dialing'
                   then coalesce(attempt_status_for_cause($2), status)
                   else status end,
               ended_at = coalesce(ended_at, now())
         where id = $1
        """,
        (attempt_id, cause, cause_text),
        "hangup",
        {"cause": cause, "cause_text": cause_text},
    )


async def record_stasis_entry(
    conn: Executor,
    attempt_id: UUID,
    amd_status: str | None,
    amd_cause: str | None,
    pbx_at: str | None = None,
) -> UUID | None:
    """The answered call reached our Stasis app. Returns its tenant, None for an unknown
    attempt."""
    row = await _update_and_log(
        conn,
        """
        update call_attempts
           set stasis_at = coalesce(stasis_at, now()),
               answered_at = coalesce(answered_at, now()),
               amd_status = $2,
               amd_cause = $3,
               status = case when status = 'dialing' then 'answered' else status end
         where id = $1
        """,
        (attempt_id, amd_status or None, amd_cause or None),
        "stasis_start",
        {"amd_status": amd_status, "amd_cause": amd_cause, "pbx_at": pbx_at},
    )
    return None if row is None else UUID(str(row["tenant_id"]))


async def record_connected(conn: Executor, attempt_id: UUID, operator_id: UUID) -> None:
    """The answered call was bridged to this operator."""
    await _update_and_log(
        conn,
        """
        update call_attempts
           set status = case when status in ('dialing', 'answered') then 'connected'
                             else status end,
               operator_id = coalesce(operator_id, $2),
               connected_at = coalesce(connected_at, now())
         where id = $1
        """,
        (attempt_id, operator_id),
        "connected",
        {"operator_id": str(operator_id)},
    )


async def record_abandoned(conn: Executor, attempt_id: UUID, waited_s: float) -> None:
    """A live answer that no operator took in time: it hears the courtesy message."""
    await _update_and_log(
        conn,
        """
        update call_attempts
           set status = case when status in ('dialing', 'answered') then 'abandoned'
                             else status end
         where id = $1
        """,
        (attempt_id,),
        "abandoned",
        {"waited_s": round(waited_s, 3)},
    )


async def record_stasis_end(conn: Executor, attempt_id: UUID, pbx_at: str) -> None:
    """The call left the Stasis app (bridged call over, or sent to the courtesy message);
    `pbx_at` is Asterisk's own time of it, so timing checks need not trust ours."""
    await conn.execute(
        "insert into call_attempt_events (tenant_id, attempt_id, kind, detail)"
        " select tenant_id, id, 'stasis_end', jsonb_build_object('pbx_at', $2::text)"
        " from call_attempts where id = $1",
        attempt_id,
        pbx_at,
    )


async def record_machine_message(conn: Executor, attempt_id: UUID) -> None:
    """An answering machine was sent to the office's message (the campaign's policy)."""
    await conn.execute(
        "insert into call_attempt_events (tenant_id, attempt_id, kind, detail)"
        " select tenant_id, id, 'machine_message', '{}'::jsonb from call_attempts where id = $1",
        attempt_id,
    )


async def record_wrap_up_overrun(conn: Executor, attempt_id: UUID, limit_s: float) -> None:
    """The operator's wrap-up of this call ran past the limit (a flag for the supervisor)."""
    await conn.execute(
        "insert into call_attempt_events (tenant_id, attempt_id, kind, detail)"
        " select tenant_id, id, 'wrap_up_overrun', jsonb_build_object('limit_s', $2::float8)"
        " from call_attempts where id = $1",
        attempt_id,
        limit_s,
    )


async def unresolved_attempt_ids(conn: Executor) -> list[UUID]:
    """Attempts Asterisk may still hold a channel for, or whose outcome we never learnt."""
    rows = await conn.fetch(
        "select id from call_attempts where ended_at is null or status = 'dialing'"
    )
    return [r["id"] for r in rows]


async def close_lost(conn: Executor, attempt_id: UUID, detail: str) -> str:
    """The channel is gone and we missed how it ended: settle the row from the facts we saw
    (answer, hangup cause). Returns the status it ends with; `unknown` rows are never
    redialed blindly."""
    row = await _update_and_log(
        conn,
        """
        update call_attempts
           set status = case when status <> 'dialing' then status
                             when answered_at is not null then 'answered'
                             else coalesce(attempt_status_for_cause(hangup_cause), 'unknown') end,
               failure_detail = case when status = 'dialing' and answered_at is null
                                          and attempt_status_for_cause(hangup_cause) is null
                                     then coalesce(failure_detail, $2) else failure_detail end,
               ended_at = coalesce(ended_at, now())
         where id = $1
        """,
        (attempt_id, detail),
        "reconciled",
        {"detail": detail},
    )
    return "unknown" if row is None else str(row["status"])


async def fetch(conn: Executor, attempt_id: UUID) -> Attempt | None:
    row = await conn.fetchrow(
        """
        select id, status, originate_reason, hangup_cause, hangup_cause_text, amd_status,
               amd_cause, failure_detail, answered_at, stasis_at, ended_at
          from call_attempts where id = $1
        """,
        attempt_id,
    )
    return Attempt(**dict(row)) if row else None
