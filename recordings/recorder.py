"""Records every bridged call: recording starts on the operator's bridge when the caller joins
and stops when the caller leaves; the file then goes into the store (recordings/store.py)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import structlog

from ari_bridge.client import AriClient
from recordings import store
from saikoku.core.errors import NotReadyError, PbxError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RecordingPlaces:
    spool_dir: Path
    store_dir: Path
    retention: timedelta


class Recorder:
    def __init__(self, pool: asyncpg.Pool, ari: AriClient, places: RecordingPlaces) -> None:
        self._pool = pool
        self._ari = ari
        self._places = places
        self._live: set[UUID] = set()

    async def start(self, tenant_id: UUID, attempt_id: UUID, bridge_id: str) -> None:
        await store.started(self._pool, tenant_id, attempt_id)
        try:
            await self._ari.request(
                "POST",
                f"/bridges/{bridge_id}/record",
                params={
                    "name": store.recording_name(attempt_id),
                    "format": "wav",
                    "ifExists": "overwrite",
                },
            )
            self._live.add(attempt_id)
        except (PbxError, NotReadyError) as exc:
            # The call goes on unrecorded rather than being dropped; the row stays unfinished.
            log.error("recording_not_started", attempt_id=str(attempt_id), error=str(exc))

    async def stop(self, attempt_id: UUID) -> None:
        if attempt_id not in self._live:
            return
        self._live.discard(attempt_id)
        with contextlib.suppress(PbxError, NotReadyError):
            await self._ari.request(
                "POST", f"/recordings/live/{store.recording_name(attempt_id)}/stop", missing_ok=True
            )
        places = self._places
        for _ in range(20):  # Asterisk closes the file just after answering the stop
            if await store.finished(
                self._pool, attempt_id, places.spool_dir, places.store_dir, places.retention
            ):
                return
            await asyncio.sleep(0.1)
