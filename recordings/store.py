"""Call recordings: Asterisk records each bridged call into its spool; when the call ends the
file is moved into the recordings store, checksummed, and its row completed. Rows are made
when recording starts, so a crash leaves a visible unfinished row, not a silent gap.

A purge removes the file first and then marks the row, so no row ever points at nothing
unmarked and no file outlives its row."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import wave
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import structlog

from store.db import Executor

log = structlog.get_logger(__name__)


def recording_name(attempt_id: UUID) -> str:
    return f"call-{attempt_id}"


async def started(conn: Executor, tenant_id: UUID, attempt_id: UUID) -> None:
    await conn.execute(
        "insert into recordings (tenant_id, attempt_id, path, started_at)"
        " values ($1, $2, $3, now()) on conflict (tenant_id, path) do nothing",
        tenant_id,
        attempt_id,
        f"{recording_name(attempt_id)}.wav",
    )


def _store_file(spooled: Path, store_dir: Path) -> tuple[Path, str, int, int] | None:
    """Move the file into the store (owner-only) and read its checksum, size and length;
    None while Asterisk is still finishing it (no complete WAV header yet)."""
    try:
        with wave.open(str(spooled)) as audio:
            duration_ms = int(1000 * audio.getnframes() / audio.getframerate())
    except (wave.Error, EOFError):
        return None
    store_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = store_dir / spooled.name
    shutil.move(spooled, target)
    target.chmod(0o600)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return target, digest, target.stat().st_size, duration_ms


async def finished(
    pool: asyncpg.Pool,
    attempt_id: UUID,
    spool_dir: Path,
    store_dir: Path,
    retention: timedelta,
) -> bool:
    """Move the finished recording into the store and complete its row."""
    spooled = spool_dir / f"{recording_name(attempt_id)}.wav"
    if not await asyncio.to_thread(spooled.exists):
        return False
    stored = await asyncio.to_thread(_store_file, spooled, store_dir)
    if stored is None:
        return False
    target, digest, size, duration_ms = stored
    await pool.execute(
        "update recordings set path = $2, sha256 = $3, bytes = $4, duration_ms = $5,"
        " stored_at = now(), purge_after = now() + $6 where attempt_id = $1 and stored_at is null",
        attempt_id,
        str(target),
        digest,
        size,
        duration_ms,
        retention,
    )
    return True


async def purge_due(pool: asyncpg.Pool) -> int:
    """Remove every recording past its retention: file first, then the row is marked."""
    rows = await pool.fetch(
        "select id, path from recordings where purged_at is null and purge_after < now()"
    )
    for row in rows:
        await asyncio.to_thread(Path(row["path"]).unlink, missing_ok=True)
        await pool.execute("update recordings set purged_at = now() where id = $1", row["id"])
    return len(rows)
