"""CLI commands of the data linkage: tenants, import, export, synthetic ward, benchmark."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from uuid import UUID

import asyncpg

from campaigns.linkage.export import TOKYO, export_history
from campaigns.linkage.files import RowError
from campaigns.linkage.importer import ImportResult, Progress, import_files
from saikoku.errors import ConfigurationError
from saikoku.settings import Settings
from store.db import create_pool

# Statements of a large import run for minutes, not the service's 30 s.
BATCH_STATEMENT_TIMEOUT_S = 1800.0


async def batch_pool(settings: Settings) -> asyncpg.Pool:
    return await create_pool(settings.database_url, min_size=1, max_size=2,
                             command_timeout=BATCH_STATEMENT_TIMEOUT_S)


class TerminalProgress(Progress):
    """A one-line bar on stderr, redrawn in place (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self._name, self._size, self._done, self._drawn = "", 1, 0, 0.0

    def start_file(self, name: str, size: int) -> None:
        self._name, self._size, self._done = name, max(size, 1), 0
        self._draw(force=True)

    def advance(self, nbytes: int) -> None:
        self._done += nbytes
        self._draw()

    def stage(self, what: str) -> None:
        sys.stderr.write(f"\r\x1b[K{what} …")
        sys.stderr.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        share = min(self._done / self._size, 1.0)
        bar = "#" * int(share * 30)
        sys.stderr.write(f"\r\x1b[K{self._name} [{bar:<30}] {share:5.1%}")
        sys.stderr.flush()


async def tenant_id_for(pool: asyncpg.Pool, code: str) -> UUID:
    tenant: UUID | None = await pool.fetchval("select id from tenants where code = $1", code)
    if tenant is None:
        raise ConfigurationError(
            f"no tenant {code!r}: create it with `saikoku tenant add {code} NAME`"
        )
    return tenant


def tenant_add(settings: Settings, args: argparse.Namespace) -> int:
    async def run() -> None:
        pool = await batch_pool(settings)
        try:
            await pool.execute(
                "insert into tenants (code, name) values ($1, $2)"
                " on conflict (code) do update set name = excluded.name",
                args.code, args.name,
            )
        finally:
            await pool.close()

    asyncio.run(run())
    print(f"tenant {args.code}: {args.name}")
    return 0


def write_error_report(errors: list[RowError], path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "column", "value", "reason"])
        for e in errors:
            writer.writerow([e.file, e.line, e.column, e.value, e.reason])


async def run_import(
    settings: Settings, tenant: str, paths: list[Path], progress: Progress | None = None
) -> ImportResult:
    pool = await batch_pool(settings)
    try:
        tenant_id = await tenant_id_for(pool, tenant)
        return await import_files(pool, tenant_id, paths, imported_by=getpass.getuser(),
                                  progress=progress)
    finally:
        await pool.close()


def import_command(settings: Settings, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.is_file():
            print(f"saikoku import: no such file: {path}", file=sys.stderr)
            return 2
    progress = TerminalProgress() if sys.stderr.isatty() else None
    result = asyncio.run(run_import(settings, args.tenant, paths, progress))
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if result.ok:
        print(json.dumps({"import_id": str(result.import_id), "seconds": round(result.seconds, 2),
                          "counts": result.counts, "withdrawn_targets": result.withdrawn},
                         ensure_ascii=False))
        return 0
    report = Path(args.errors) if args.errors else paths[0].parent / (
        f"import-errors-{datetime.now(TOKYO):%Y%m%d-%H%M%S}.csv")
    write_error_report(result.errors, report)
    for e in result.errors:
        print(f"{e.file}:{e.line}: [{e.column}] {e.value!r}: {e.reason}", file=sys.stderr)
    print(f"saikoku import: {len(result.errors)} problems, nothing was imported;"
          f" report: {report}", file=sys.stderr)
    return 1


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    since = datetime.fromisoformat(args.since)
    if since.tzinfo is None:
        since = since.replace(tzinfo=TOKYO)

    async def run() -> int:
        pool = await batch_pool(settings)
        try:
            tenant_id = await tenant_id_for(pool, args.tenant)
            return await export_history(pool, tenant_id, since, Path(args.out),
                                        encoding=args.encoding)
        finally:
            await pool.close()

    count = asyncio.run(run())
    print(f"wrote {count} history rows to {args.out}")
    return 0


def synth_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from campaigns.linkage.synth import write_synthetic_ward

    counts = write_synthetic_ward(args.people, args.seed, Path(args.out), encoding=args.encoding)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


def bench_import_command(settings: Settings, args: argparse.Namespace) -> int:
    """Synthesise N people, import them into a scratch tenant, print one JSON line."""
    from campaigns.linkage.synth import write_synthetic_ward

    with tempfile.TemporaryDirectory(prefix="saikoku-bench-") as folder:
        out = Path(folder)
        write_synthetic_ward(args.people, args.seed, out)
        paths = sorted(out.glob("*.csv"))
        tenant = f"bench_{args.people}_{int(time.time())}"

        async def run() -> ImportResult:
            pool = await batch_pool(settings)
            try:
                await pool.execute("insert into tenants (code, name) values ($1, $1)", tenant)
                started = time.perf_counter()
                result = await import_files(pool, await tenant_id_for(pool, tenant), paths,
                                            imported_by="bench")
                result.seconds = time.perf_counter() - started
                if not args.keep:
                    await pool.execute("delete from tenants where code = $1", tenant)
                return result
            finally:
                await pool.close()

        result = asyncio.run(run())
    rows = sum(c["rows"] for c in result.counts.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "people": args.people, "ok": result.ok, "rows": rows,
        "seconds": round(result.seconds, 2),
        "rows_per_s": round(rows / result.seconds) if result.seconds else None,
        "peak_rss_mib": round(peak_mib, 1),
    }))
    return 0 if result.ok else 1


def docs_command(_settings: Settings | None, args: argparse.Namespace) -> int:
    from campaigns.linkage.docs import write_docs
    from campaigns.linkage.synth import write_synthetic_ward

    with tempfile.TemporaryDirectory(prefix="saikoku-docs-") as folder:
        write_synthetic_ward(DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED, Path(folder))
        written = write_docs(Path(args.out), Path(folder))
    print(f"wrote {len(written)} pages to {args.out}")
    return 0


# The synthetic people the format pages show as examples (fixed, so the pages are stable).
DOC_EXAMPLE_PEOPLE, DOC_EXAMPLE_SEED = 40, 7


def add_commands(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                 bench: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tenant = sub.add_parser("tenant", help="departments sharing the server").add_subparsers(
        dest="tenant_command", required=True
    )
    add = tenant.add_parser("add", help="create or rename a tenant")
    add.add_argument("code", help="short code, e.g. tax")
    add.add_argument("name", help="e.g. 税務課 納税係")
    add.set_defaults(run=tenant_add)

    imp = sub.add_parser("import", help="import export files (all or nothing)")
    imp.add_argument("paths", nargs="+", help="CSV files: 宛名.csv 電話番号.csv 課税.csv …")
    imp.add_argument("--tenant", default="tax", help="tenant code (default: %(default)s)")
    imp.add_argument("--errors", help="where to write the error report CSV")
    imp.set_defaults(run=import_command)

    export = sub.add_parser("export", help="write data back for the delinquency system")
    what = export.add_subparsers(dest="export_what", required=True)
    history = what.add_parser("history", help="call-center records as 経過記録")
    history.add_argument("--since", required=True, help="ISO date/time, Asia/Tokyo if naive")
    history.add_argument("--out", required=True)
    history.add_argument("--tenant", default="tax")
    history.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
    history.set_defaults(run=export_command)

    synth = sub.add_parser("synth", help="write a synthetic ward in the interchange format")
    synth.add_argument("--people", type=int, required=True)
    synth.add_argument("--seed", type=int, default=1)
    synth.add_argument("--out", required=True)
    synth.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
    synth.set_defaults(run=synth_command, no_settings=True)

    linkage = sub.add_parser("linkage", help="the interchange format").add_subparsers(
        dest="linkage", required=True
    )
    docs = linkage.add_parser("docs", help="write the format pages (Markdown)")
    docs.add_argument("--out", default="docs/interchange")
    docs.set_defaults(run=docs_command, no_settings=True)

    bench_import = bench.add_parser("import", help="import N synthetic people, print JSON")
    bench_import.add_argument("--people", type=int, default=22_000)
    bench_import.add_argument("--seed", type=int, default=1)
    bench_import.add_argument("--keep", action="store_true", help="keep the bench tenant")
    bench_import.set_defaults(run=bench_import_command)
