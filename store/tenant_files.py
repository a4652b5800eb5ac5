"""The register of files written for a tenant outside the database to a path the user chose
(exports, import error reports): erasure at contract end (store/erasure.py) removes them,
with the files that rows name (recordings, letter batches and their manifests)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Literal
from uuid import UUID

from store.db import Executor

FileKind = Literal["history_export", "import_errors", "access_log_export"]


def letter_manifests(pdf: Path, batch_id: UUID) -> tuple[Path, Path]:
    """The JSON and CSV manifests written beside a letter batch's PDF."""
    return (
        pdf.with_name(f"letters-{batch_id}-manifest.json"),
        pdf.with_name(f"letters-{batch_id}-manifest.csv"),
    )


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


async def register(conn: Executor, tenant_id: UUID, kind: FileKind, path: Path) -> None:
    """Note the file just written at `path` (absolute in the register)."""
    located, digest = await asyncio.to_thread(lambda: (str(path.resolve()), sha256_of(path)))
    await conn.execute(
        "insert into tenant_files (tenant_id, kind, path, sha256) values ($1, $2, $3, $4)"
        " on conflict (tenant_id, path) do update"
        " set kind = excluded.kind, sha256 = excluded.sha256, created_at = now()",
        tenant_id,
        kind,
        located,
        digest,
    )
