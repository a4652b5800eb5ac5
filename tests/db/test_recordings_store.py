"""Recording files into the store with checksum and length, and the retention purge (real
PostgreSQL and files)."""

from __future__ import annotations

import hashlib
import uuid
import wave
from datetime import timedelta
from pathlib import Path

import asyncpg

from recordings import store


async def test_a_recording_is_stored_checksummed_and_purged_with_its_row(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tmp_path: Path
) -> None:
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, dial_string) values ($1, 'x') returning id",
        tenant_id,
    )
    await store.started(pool, tenant_id, attempt)
    spool, kept = tmp_path / "spool", tmp_path / "store"
    spool.mkdir()
    with wave.open(str(spool / f"{store.recording_name(attempt)}.wav"), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\1" * 8000 * 3)  # three seconds
    assert await store.finished(pool, attempt, spool, kept, timedelta(days=30))
    row = await pool.fetchrow("select * from recordings where attempt_id = $1", attempt)
    stored = Path(row["path"])
    assert stored.parent == kept and not (spool / stored.name).exists()
    assert row["sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert row["duration_ms"] == 3000 and stored.stat().st_mode & 0o777 == 0o600
    assert await store.purge_due(pool) == 0  # not due yet
    await pool.execute(
        "update recordings set purge_after = now() - interval '1 s' where attempt_id = $1", attempt
    )
    assert await store.purge_due(pool) >= 1
    assert not stored.exists()
    assert await pool.fetchval(
        "select purged_at is not null from recordings where attempt_id = $1", attempt
    )
