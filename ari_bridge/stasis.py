"""What the Stasis application does with each call that enters or leaves it.

- `operator,<user id>`: an operator's phone answered its nailed-up line → their bridge.
- `outbound,<attempt>,<AMDSTATUS>,<AMDCAUSE>,<on machine>` (asterisk-conf/extensions.conf): an
  answered outbound call. A machine is released, or given the office's message when the
  campaign's policy says so; a person (or AMD off / not sure) is bridged to an operator or, if
  none is free in time, hears the courtesy message.
- anything else (inbound, until the inbound queue exists) is released with a log line.
Leaving Stasis ends an operator's line or starts the operator's wrap-up.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import structlog
from structlog.contextvars import bound_contextvars

from ari_bridge.call_center import LINE_PREFIX, CallCenter, parse_uuid
from ari_bridge.client import AriClient
from ari_bridge.events import AriEvent, ChannelDestroyed, StasisEnd, StasisStart
from dialer import attempts
from dialer.calls import MACHINE_MESSAGE
from store.db import with_retry

log = structlog.get_logger(__name__)

MACHINE = "MACHINE"
MACHINE_MESSAGE_CONTEXT = "saikoku-machine-message"


class StasisApp:
    def __init__(self, pool: asyncpg.Pool, ari: AriClient, center: CallCenter) -> None:
        self._pool = pool
        self._ari = ari
        self._center = center
        # Connecting a caller may wait up to 2 s for an operator: each runs as its own task
        # so the event stream keeps flowing meanwhile.
        self._connecting: set[asyncio.Task[Any]] = set()

    async def close(self) -> None:
        for task in list(self._connecting):
            task.cancel()
        await asyncio.gather(*self._connecting, return_exceptions=True)

    async def handle(self, event: AriEvent) -> None:
        if isinstance(event, StasisStart):
            await self._on_start(event)
        elif isinstance(event, StasisEnd | ChannelDestroyed):
            await self._on_leave(event.channel.id, event)

    async def _on_start(self, event: StasisStart) -> None:
        kind = event.args[0] if event.args else ""
        user_id = parse_uuid(event.args[1]) if len(event.args) >= 2 else None
        if kind == "operator" and user_id is not None:
            await self._center.on_line_answered(event.channel.id, user_id)
        elif kind == "outbound" and len(event.args) >= 2:
            await self._on_outbound(event)
        else:
            log.warning("stasis_call_not_routed", kind=kind, channel_id=event.channel.id)
            await self._ari.hangup(event.channel.id)

    async def _on_leave(self, channel_id: str, event: AriEvent) -> None:
        if channel_id.startswith(LINE_PREFIX):
            await self._center.on_line_ended(channel_id)
        elif (attempt_id := parse_uuid(channel_id)) is not None:
            if isinstance(event, StasisEnd):
                await with_retry(
                    lambda: attempts.record_stasis_end(self._pool, attempt_id, event.timestamp),
                    what="stasis_end",
                )
            await self._center.caller_left(attempt_id)

    async def _on_outbound(self, event: StasisStart) -> None:
        _, attempt_text, *amd = event.args
        attempt_id = parse_uuid(attempt_text)
        if attempt_id is None:
            log.error("stasis_bad_attempt_id", channel_id=event.channel.id)
            await self._ari.hangup(event.channel.id)
            return
        amd_status = amd[0] if amd else None
        amd_cause = amd[1] if len(amd) > 1 else None
        leave_message = len(amd) > 2 and amd[2] == MACHINE_MESSAGE
        with bound_contextvars(attempt_id=str(attempt_id)):
            tenant_id = await with_retry(
                lambda: attempts.record_stasis_entry(
                    self._pool, attempt_id, amd_status, amd_cause, event.timestamp
                ),
                what="stasis_entry",
            )
            log.info("stasis_outbound", amd_status=amd_status, known=tenant_id is not None)
            self._center.answered(attempt_id, machine=amd_status == MACHINE)
            if tenant_id is not None and amd_status == MACHINE and leave_message:
                await self._ari.continue_in_dialplan(event.channel.id, MACHINE_MESSAGE_CONTEXT)
                await with_retry(
                    lambda: attempts.record_machine_message(self._pool, attempt_id),
                    what="machine_message",
                )
                return
            if tenant_id is None or amd_status == MACHINE:
                await self._ari.hangup(event.channel.id)
                return
            task = asyncio.create_task(self._connect(attempt_id, tenant_id))
            self._connecting.add(task)
            task.add_done_callback(self._connecting.discard)

    async def _connect(self, attempt_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        with bound_contextvars(attempt_id=str(attempt_id)):
            try:
                await self._center.connect(attempt_id, tenant_id)
            except Exception:
                log.exception("connect_failed")
                await self._ari.hangup(str(attempt_id))
