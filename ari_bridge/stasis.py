"""What the Stasis application does with each call that enters it.

Outbound calls enter as Stasis(saikoku,outbound,<attempt>,<AMDSTATUS>,<AMDCAUSE>) once answered
(asterisk-conf/extensions.conf). Until operator bridging exists, an answered outbound call is
recorded and released; inbound calls are released with a log line.
"""

from __future__ import annotations

import uuid

import asyncpg
import structlog
from structlog.contextvars import bound_contextvars

from ari_bridge.client import AriClient
from ari_bridge.events import AriEvent, StasisStart
from dialer import attempts
from store.db import with_retry

log = structlog.get_logger(__name__)


class StasisApp:
    def __init__(self, pool: asyncpg.Pool, ari: AriClient) -> None:
        self._pool = pool
        self._ari = ari

    async def handle(self, event: AriEvent) -> None:
        if isinstance(event, StasisStart):
            await self._on_start(event)

    async def _on_start(self, event: StasisStart) -> None:
        kind = event.args[0] if event.args else ""
        if kind == "outbound" and len(event.args) >= 2:
            await self._on_outbound(event)
        else:
            log.warning("stasis_call_not_routed", kind=kind, channel_id=event.channel.id)
            await self._ari.hangup(event.channel.id)

    async def _on_outbound(self, event: StasisStart) -> None:
        _, attempt_text, *amd = event.args
        try:
            attempt_id = uuid.UUID(attempt_text)
        except ValueError:
            log.error("stasis_bad_attempt_id", channel_id=event.channel.id)
            await self._ari.hangup(event.channel.id)
            return
        amd_status = amd[0] if amd else None
        amd_cause = amd[1] if len(amd) > 1 else None
        with bound_contextvars(attempt_id=str(attempt_id)):
            known = await with_retry(
                lambda: attempts.record_stasis_entry(self._pool, attempt_id, amd_status, amd_cause),
                what="stasis_entry",
            )
            log.info("stasis_outbound", amd_status=amd_status, known=known)
            # No operator bridging yet: release the call politely.
            await self._ari.hangup(event.channel.id)
