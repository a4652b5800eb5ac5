"""One call attempt from row to outcome: insert, originate, record what Asterisk reports."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import asyncpg
import structlog
from structlog.contextvars import bound_contextvars

from dialer import attempts
from dialer.ami import AmiClient
from dialer.ami_messages import (
    AmiEvent,
    OriginateOutcome,
    OriginateRequest,
    OriginateResult,
    parse_originate_reply,
)
from dialer.floor import Floor
from dialer.operators import OperatorDesk
from store.db import with_retry

log = structlog.get_logger(__name__)

# The dialplan context every outbound call is answered into (asterisk-conf/extensions.conf).
OUTBOUND_CONTEXT = "saikoku-outbound"


_PACING_OUTCOME: dict[OriginateOutcome, Literal["busy", "no_answer", "failed"]] = {
    OriginateOutcome.BUSY: "busy",
    OriginateOutcome.NO_ANSWER: "no_answer",
}


def _outcome_of_cause(cause: int | None) -> Literal["busy", "no_answer", "failed"]:
    """How an unanswered call ended, for pacing (Q.850: 17 busy, 18/19 no answer)."""
    if cause == 17:
        return "busy"
    if cause in (18, 19):
        return "no_answer"
    return "failed"


@dataclass(frozen=True)
class Callee:
    """Whom a call is for: the attempt row links person, number and (campaign calls) target."""

    target_id: UUID | None
    person_id: UUID
    phone_id: UUID


# The dialplan hands this policy to the Stasis app with the AMD verdict (extensions.conf).
MACHINE_MESSAGE = "message"


@dataclass(frozen=True)
class DialOptions:
    ring_timeout_s: float = 30.0
    amd: bool = True
    caller_id: str | None = None
    message_on_machine: bool = False  # the campaign's machine policy: leave a message


def attempt_id_of(event: AmiEvent, header: str = "uniqueid") -> UUID | None:
    """Our channels carry the attempt UUID as their Uniqueid (and our Originate as its
    ActionID); Asterisk's own ids don't parse, so other channels are ignored."""
    try:
        return uuid.UUID(event.get(header) or "")
    except ValueError:
        return None


class CallPlacer:
    """Places calls and keeps their attempt rows true to what Asterisk reports."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        ami: AmiClient,
        *,
        floor: Floor | None = None,
        clock: Callable[[], float] = time.monotonic,
        stasis_app: str | None = None,
    ) -> None:
        self._pool = pool
        self._ami = ami
        # Answered calls go to this process's own Stasis app, so several dialer processes
        # can share one PBX (None: the dialplan's default app).
        self._stasis_app = stasis_app
        # Told when each call ends, so the pacer sees the floor as it is.
        self._floor = floor or Floor(OperatorDesk())
        self._clock = clock
        # From before the row exists until the OriginateResponse is recorded: reconciliation
        # must not close these, since Asterisk may not have their channel yet.
        self._in_flight: set[UUID] = set()
        # Attempts whose channel exists (Newchannel seen, no Hangup yet): a failed
        # OriginateResponse for them is not the end — the Hangup with its cause follows,
        # in either order on the wire.
        self._live_channels: set[UUID] = set()

    async def place(
        self,
        *,
        tenant_id: UUID,
        dial_string: str,
        options: DialOptions,
        campaign_id: UUID | None = None,
        who: Callee | None = None,
        attempt_id: UUID | None = None,
    ) -> OriginateResult:
        """Insert the attempt, originate it, and record the OriginateResponse."""
        attempt_id = attempt_id or uuid.uuid4()
        self._in_flight.add(attempt_id)
        try:
            return await self._place(attempt_id, tenant_id, dial_string, options, campaign_id, who)
        finally:
            self._in_flight.discard(attempt_id)

    async def _place(
        self,
        attempt_id: UUID,
        tenant_id: UUID,
        dial_string: str,
        options: DialOptions,
        campaign_id: UUID | None,
        who: Callee | None,
    ) -> OriginateResult:
        pool = self._pool
        await attempts.create(
            pool,
            attempt_id=attempt_id,
            tenant_id=tenant_id,
            dial_string=dial_string,
            campaign_id=campaign_id,
            target_id=who.target_id if who else None,
            person_id=who.person_id if who else None,
            phone_id=who.phone_id if who else None,
        )
        self._floor.placed(attempt_id, tenant_id, campaign_id, self._clock())
        with bound_contextvars(attempt_id=str(attempt_id), campaign_id=str(campaign_id or "")):
            request = OriginateRequest(
                attempt_id=attempt_id,
                channel=dial_string,
                context=OUTBOUND_CONTEXT,
                ring_timeout_s=options.ring_timeout_s,
                caller_id=options.caller_id,
                variables={
                    "SAIKOKU_AMD": "on" if options.amd else "off",
                    "SAIKOKU_ON_MACHINE": (
                        MACHINE_MESSAGE if options.message_on_machine else "hangup"
                    ),
                    **({"SAIKOKU_APP": self._stasis_app} if self._stasis_app else {}),
                },
            )
            await attempts.mark_originated(pool, attempt_id)
            result = await self._ami.originate(request)
            if result.outcome in (OriginateOutcome.UNKNOWN, OriginateOutcome.REJECTED):
                # No OriginateResponse event will come for these: record them here. The
                # others are recorded by handle_ami_event, in wire order with the Hangup.
                await self._record_result(result)
                self._floor.ended(attempt_id, self._clock())
            return result

    async def _record_result(self, result: OriginateResult, *, hangup_due: bool = False) -> None:
        await with_retry(
            lambda: attempts.record_originate_result(self._pool, result, hangup_due=hangup_due),
            what="originate_result",
        )
        log.info(
            "originate_result",
            outcome=str(result.outcome),
            reason=result.reason,
            detail=None if result.outcome is OriginateOutcome.ANSWERED else result.detail,
        )

    async def handle_ami_event(self, event: AmiEvent) -> None:
        if event.name == "originateresponse":
            attempt_id = attempt_id_of(event, "actionid")
            if attempt_id is not None:
                result = parse_originate_reply(attempt_id, [event])
                channel_exists = attempt_id in self._live_channels
                with bound_contextvars(attempt_id=str(attempt_id)):
                    await self._record_result(result, hangup_due=channel_exists)
                if result.outcome is not OriginateOutcome.ANSWERED and not channel_exists:
                    self._floor.ended(
                        attempt_id, self._clock(), _PACING_OUTCOME.get(result.outcome, "failed")
                    )
            return
        attempt_id = attempt_id_of(event)
        if attempt_id is None:
            return
        if event.name == "newchannel":
            self._live_channels.add(attempt_id)
            return
        if event.name != "hangup":
            return
        self._live_channels.discard(attempt_id)
        cause_text = event.get("cause") or ""
        cause = int(cause_text) if cause_text.isdigit() else None
        with bound_contextvars(attempt_id=str(attempt_id)):
            await with_retry(
                lambda: attempts.record_hangup(
                    self._pool, attempt_id, cause, event.get("cause-txt") or ""
                ),
                what="hangup",
            )
            log.info("hangup", cause=cause)
        self._floor.ended(attempt_id, self._clock(), _outcome_of_cause(cause))

    async def reconcile(self) -> int:
        """Settle attempts whose channel Asterisk no longer has. Returns how many were closed.

        Run after (re)connecting: events sent while we were away are lost for good, so an
        attempt with no channel left ended while we could not see it. The facts we did see
        (hangup cause, answer) decide its status; otherwise it becomes `unknown` — and is
        never redialed blindly.
        """
        live = await self._ami.live_channel_ids()
        closed = 0
        for attempt_id in await attempts.unresolved_attempt_ids(self._pool):
            if attempt_id in self._in_flight or str(attempt_id) in live:
                continue
            status = await attempts.close_lost(
                self._pool, attempt_id, "channel gone while disconnected"
            )
            log.info("attempt_reconciled", attempt_id=str(attempt_id), status=status)
            self._floor.ended(attempt_id, self._clock())
            closed += 1
        return closed
