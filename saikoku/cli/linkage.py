"""`saikoku import` and `saikoku export`: the data linkage with the delinquency system."""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import asyncpg

from campaigns.linkage.export import export_history
from campaigns.linkage.files import RowError
from campaigns.linkage.importer import ImportResult, Progress, import_files
from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings
from saikoku.core.private_file import private_text_file
from saikoku.core.tokyo import TOKYO
from store import tenant_files
from store.accounts import tenant_id_for
from store.db import batch_pool


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


def write_error_report(errors: list[RowError], path: Path) -> None:
    """Every bad cell with its value, for the ward's staff who fix the export: the only place
    the values appear, so the file is its owner's alone (mode 0600)."""
    with private_text_file(path, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "column", "value", "reason"])
        for e in errors:
            writer.writerow([e.file, e.line, e.column, e.value, e.reason])


async def run_import(
    settings: Settings,
    tenant: str,
    paths: list[Path],
    report: Path,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the files; on bad cells write the error report to `report`, registered for
    the tenant's erasure at contract end."""
    pool = await batch_pool(settings.database_url)
    try:
        tenant_id = await tenant_id_for(pool, tenant)
        result = await import_files(
            pool, tenant_id, paths, imported_by=getpass.getuser(), progress=progress
        )
        if not result.ok:
            write_error_report(result.errors, report)
            await tenant_files.register(pool, tenant_id, "import_errors", report)
        return result
    finally:
        await pool.close()


def import_command(settings: Settings, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.is_file():
            print(f"saikoku import: no such file: {path}", file=sys.stderr)
            return 2
    report = (
        Path(args.errors)
        if args.errors
        else paths[0].parent / (f"import-errors-{datetime.now(TOKYO):%Y%m%d-%H%M%S}.csv")
    )
    progress = TerminalProgress() if sys.stderr.isatty() else None
    result = asyncio.run(run_import(settings, args.tenant, paths, report, progress))
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
    if result.ok:
        print(
            json.dumps(
                {
                    "import_id": str(result.import_id),
                    "seconds": round(result.seconds, 2),
                    "counts": result.counts,
                    "withdrawn_targets": result.withdrawn,
                },
                ensure_ascii=False,
            )
        )
        return 0
    # Where and why only: a bad cell's value is a person's data and goes to the report file.
    for e in result.errors:
        print(f"{e.file}:{e.line}: [{e.column}] {e.reason}", file=sys.stderr)
    print(
        f"saikoku import: {len(result.errors)} problems, nothing was imported; report: {report}",
        file=sys.stderr,
    )
    return 1


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    since = datetime.fromisoformat(args.since)
    if since.tzinfo is None:
        since = since.replace(tzinfo=TOKYO)

    async def run(pool: asyncpg.Pool) -> int:
        tenant_id = await tenant_id_for(pool, args.tenant)
        async with pool.acquire() as conn:
            return await export_history(
                conn, tenant_id, args.by, since, Path(args.out), encoding=args.encoding
            )

    count = with_pool(settings, run)
    print(f"wrote {count} history rows to {args.out}")
    return 0


def add_commands(sub: SubParsers) -> None:
    imp = sub.add_parser("import", help="import export files (all or nothing)")
    imp.add_argument("paths", nargs="+", help="CSV files: 宛名.csv 電話番号.csv 課税.csv …")
    imp.add_argument("--tenant", default="tax", help="tenant code (default: %(default)s)")
    imp.add_argument("--errors", help="where to write the error report CSV")
    imp.set_defaults(run=import_command)

    export = sub.add_parser("export", help="write data back for the delinquency system")
    what = export.add_subparsers(dest="export_what", required=True)
    history = what.add_parser("history", help="call-center records as 経過記録")
    history.add_argument("--since", required=True, help="ISO date/time, Asia/Tokyo if naive")
    history.add_argument("--out", required=True, help="written mode 0600")
    history.add_argument(
        "--by", required=True, help="login of who exports (staff or admin); access-logged"
    )
    history.add_argument("--tenant", default="tax")
    history.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp932"])
    history.set_defaults(run=export_command)
