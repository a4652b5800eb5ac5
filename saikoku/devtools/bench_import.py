"""`saikoku bench import`: synthesise N people, import them into a scratch tenant, and report
rows, seconds and the peak memory of the process."""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from campaigns.linkage.importer import ImportResult, import_files
from saikoku.config.settings import Settings
from saikoku.devtools.synth import write_synthetic_ward
from store.accounts import put_tenant
from store.db import batch_pool


def run(settings: Settings, people: int, seed: int, keep: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="saikoku-bench-") as folder:
        out = Path(folder)
        write_synthetic_ward(people, seed, out)
        result = asyncio.run(_import(settings, sorted(out.glob("*.csv")), people, keep))
    rows = sum(c["rows"] for c in result.counts.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "people": people,
        "ok": result.ok,
        "rows": rows,
        "seconds": round(result.seconds, 2),
        "rows_per_s": round(rows / result.seconds) if result.seconds else None,
        "peak_rss_mib": round(peak_mib, 1),
    }


async def _import(settings: Settings, paths: list[Path], people: int, keep: bool) -> ImportResult:
    tenant = f"bench_{people}_{int(time.time())}"
    pool = await batch_pool(settings.database_url)
    try:
        tenant_id = await put_tenant(pool, tenant, tenant)
        started = time.perf_counter()
        result = await import_files(pool, tenant_id, paths, imported_by="bench")
        result.seconds = time.perf_counter() - started
        if not keep:
            await pool.execute("delete from tenants where id = $1", tenant_id)
        return result
    finally:
        await pool.close()
