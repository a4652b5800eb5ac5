"""`saikoku import`: a whole export in, all or nothing.

One import = one PostgreSQL transaction over every file. A single bad cell anywhere rolls
everything back, and the report names every bad cell (file, line, column, value, reason).
The import itself is recorded (who, when, checksums, counts) whether it succeeds or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from campaigns.linkage import checks, first, merge
from campaigns.linkage.files import (
    RowError,
    SourceFile,
    file_digest,
    plan_file,
    record_lines,
    scan_structure,
)
from campaigns.linkage.settlement import withdraw_settled
from campaigns.linkage.spec import (
    ACCOUNTS,
    AGENTS,
    BILLS,
    CORPORATIONS,
    HISTORY,
    INSTALLMENTS,
    PERSONS,
    PHONES,
    PLANS,
    RECEIPTS,
    Entity,
)
from campaigns.linkage.staging import (
    STAGING_STATISTICS,
    Converted,
    Staged,
    analyze_converted,
    convert,
    converted_table,
    copy_file,
    read_in,
    write_out,
)
from store.ids import IdKey

log = structlog.get_logger(__name__)

# Files whose rows name nothing but a person.
PERSON_ONLY = (PHONES, PLANS, ACCOUNTS, CORPORATIONS, AGENTS, HISTORY)

MERGE_ORDER: tuple[Entity, ...] = (
    PERSONS,
    PHONES,
    BILLS,
    INSTALLMENTS,
    RECEIPTS,
    PLANS,
    ACCOUNTS,
    CORPORATIONS,
    AGENTS,
    HISTORY,
)


@dataclass
class ImportResult:
    import_id: UUID
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    withdrawn: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class Progress:
    """Told what the import is doing; the CLI draws a bar from it on a terminal."""

    def start_file(self, name: str, size: int) -> None:
        """COPY of one file begins."""

    def advance(self, nbytes: int) -> None:
        """nbytes more of the current file went to PostgreSQL."""

    def stage(self, what: str) -> None:
        """A step after loading (checks, merges)."""


class _Rejected(Exception):
    """Raised inside the import transaction to roll it back."""


async def import_files(
    pool: asyncpg.Pool,
    tenant_id: UUID,
    paths: Sequence[Path],
    *,
    imported_by: str,
    progress: Progress | None = None,
) -> ImportResult:
    started = time.perf_counter()
    sources, errors = _plan(paths)
    kind = (
        "receipts"
        if sources and all(s.entity is RECEIPTS for s in sources)
        else "delinquency_export"
    )
    files = [_describe(path, sources) for path in paths]
    import_id: UUID = await pool.fetchval(
        "insert into imports (tenant_id, kind, files, imported_by_name) values ($1, $2, $3::jsonb,"
        " $4) returning id",
        tenant_id,
        kind,
        _json(files),
        imported_by,
    )
    result = ImportResult(import_id, errors)
    if not errors:
        async with contextlib.AsyncExitStack() as stack:
            conn = await stack.enter_async_context(pool.acquire())
            # A second session reads the files while the first merges (see _load); a pool
            # of one connection gets the same work done one step after the other.
            reader = (
                await stack.enter_async_context(pool.acquire()) if pool.get_max_size() > 1 else conn
            )
            for session in {conn, reader}:
                await _tune_session(session)
            try:
                async with conn.transaction():
                    await conn.execute(IMPORT_SETTINGS)
                    # One import per tenant at a time: the merges decide "new" or "changed"
                    # from what the tenant has, so two at once would race.
                    await conn.execute(
                        "select pg_advisory_xact_lock(hashtextextended('saikoku.import:'"
                        " || $1::uuid, 0))",
                        tenant_id,
                    )
                    async with contextlib.AsyncExitStack() as reading:
                        if reader is not conn:
                            await reading.enter_async_context(reader.transaction())
                            await reader.execute(IMPORT_SETTINGS)
                        await _load(
                            conn,
                            reader,
                            tenant_id,
                            import_id,
                            sources,
                            result,
                            progress or Progress(),
                        )
                    if result.errors:
                        raise _Rejected
            except _Rejected:
                pass
            except asyncpg.IntegrityConstraintViolationError as exc:
                # A rule the checks do not mirror yet: still all or nothing, still no
                # traceback. Only the constraint's name is shown: details may hold data.
                result.errors.append(
                    RowError(
                        "",
                        0,
                        "",
                        getattr(exc, "constraint_name", "") or "",
                        f"データベースの制約に反します (database constraint {type(exc).__name__})",
                    )
                )
    result.seconds = time.perf_counter() - started
    await pool.execute(
        "update imports set finished_at = now(), status = $2, counts = $3::jsonb,"
        " failure_detail = $4 where id = $1",
        import_id,
        "completed" if result.ok else "failed",
        _json(
            {**result.counts, "withdrawn_targets": result.withdrawn, "errors": len(result.errors)}
        ),
        None if result.ok else f"{len(result.errors)} problems; nothing was imported",
    )
    log.info(
        "import_finished",
        import_id=str(import_id),
        ok=result.ok,
        errors=len(result.errors),
        seconds=round(result.seconds, 2),
    )
    return result


# Staging tables are temporary: PostgreSQL keeps them in temp_buffers (8 MB by default) and
# spills the rest to disk, which made a 22,000-person import ten times slower.
IMPORT_TEMP_BUFFERS = "512MB"
IMPORT_WORK_MEM = "256MB"
# For the import transaction only (SET LOCAL):
# * staging is big hash joins, sorts and index builds: memory, not disk;
# * the planner needs only rough statistics of the staging tables;
# * no JIT: the import's statements run once each over estimates that are far too high
#   (joins of unanalysed tables), so the planner JIT-compiled them with optimisation and
#   inlining — 0.5–1.2 s of compiling per statement, more than the statements then saved;
# * no wait for the WAL flush at commit: the import's status row is written afterwards by
#   a normal, synchronous commit, which flushes the WAL up to and past the import itself,
#   so an import recorded as completed is durable.
IMPORT_SETTINGS = f"""
    set local work_mem = '{IMPORT_WORK_MEM}';
    set local maintenance_work_mem = '256MB';
    set local default_statistics_target = {STAGING_STATISTICS};
    set local jit = off;
    set local synchronous_commit = off;
"""


async def _tune_session(conn: asyncpg.Connection) -> None:
    try:
        await conn.execute(f"set temp_buffers = '{IMPORT_TEMP_BUFFERS}'")
    except asyncpg.InvalidParameterValueError:
        # This pooled connection has used temporary tables already; keep its setting.
        log.info("import_temp_buffers_unchanged")


def _plan(paths: Sequence[Path]) -> tuple[list[SourceFile], list[RowError]]:
    sources: list[SourceFile] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for path in paths:
        planned = plan_file(path)
        if isinstance(planned, list):
            errors.extend(planned)
            continue
        if planned.entity.key in seen:
            errors.append(
                RowError(
                    path.name,
                    0,
                    "",
                    path.name,
                    f"{seen[planned.entity.key]} と同じ種類のファイルです "
                    "(two files of the same kind in one import)",
                )
            )
            continue
        seen[planned.entity.key] = path.name
        sources.append(planned)
    return sources, errors


def _describe(path: Path, sources: list[SourceFile]) -> dict[str, Any]:
    sha, size = file_digest(path)
    source = next((s for s in sources if s.path == path), None)
    return {
        "name": path.name,
        "sha256": sha,
        "bytes": size,
        "encoding": source.encoding if source else None,
        "entity": source.entity.key if source else None,
    }


async def _load(
    conn: asyncpg.Connection,
    reader: asyncpg.Connection,
    tenant_id: UUID,
    import_id: UUID,
    sources: list[SourceFile],
    result: ImportResult,
    progress: Progress,
) -> None:
    """Per entity in merge order: COPY, convert and check the file (on `reader`), hand the
    converted rows over to `conn` (spooled through a temporary file, so that `reader`
    never waits) and merge them (on `conn`). While `conn` merges, the reader reads the
    next files: the two sessions run on two cores. A tenant's first import hands over
    the tables' finished rows instead (campaigns.linkage.first), and this session reads
    the files that name nothing but persons itself once the persons are in.

    A file COPY refuses stops the import at once (nothing more is converted or merged,
    every other file is still COPYed) and the report is then the broken lines of every
    file, as before any check. A bad cell stops the merging, but every file is still
    checked, so that the report names every bad row. The caller rolls back either way."""
    present = {s.entity.key for s in sources}
    by_entity = {s.entity.key: s for s in sources}
    ordered = [by_entity[e.key] for e in MERGE_ORDER if e.key in present]
    loop = asyncio.get_running_loop()
    # The tenant's first import (no persons, so nothing at all yet): the reader makes the
    # tables' rows and this session copies them in (campaigns.linkage.first).
    fresh = PERSONS.key in present and not await merge.tenant_has_rows(conn, tenant_id, "persons")
    # Set when an entity's file is read: to its spooled converted rows (None when `reader`
    # is `conn`: they are there already) or, in a first import, the table's rows, and what
    # the checks found; to None when the file could not be read.
    ready: dict[str, asyncio.Future[tuple[_Read, list[checks.CellError]] | None]] = {
        s.entity.key: loop.create_future() for s in ordered
    }
    staged: dict[str, Staged] = {}
    broken: dict[str, list[RowError]] = {}
    clean = True  # no file so far had a bad cell: a first import's rows are worth making
    ids: dict[str, IdKey] = {}  # what made the new rows' ids, by entity
    # In a first import with two sessions, the files that only name persons are read by
    # this session itself, once the persons are in (and only then: their checks look the
    # persons up in the table), while the reader goes on with bills and installments.
    own: set[str] = set()

    async def read(
        source: SourceFile,
        session: asyncpg.Connection | None = None,
    ) -> tuple[_Read, list[checks.CellError]] | None:
        nonlocal clean
        session = session or reader
        progress.start_file(source.name, source.path.stat().st_size)
        try:
            async with session.transaction():  # a savepoint: a refused file leaves the rest usable
                staged[source.entity.key] = await copy_file(session, source, progress.advance)
        except (asyncpg.PostgresError, UnicodeDecodeError):
            broken[source.entity.key] = scan_structure(source) or [
                RowError(source.name, 0, "", "", "ファイルを読み込めません (unreadable file)")
            ]
        if broken:
            return None
        progress.stage(f"read {source.name}")
        unreadable = await convert(session, source, staged[source.entity.key])
        progress.stage(f"check {source.name}")
        # Every check runs here, before any merge, against what the tenant had and the
        # files read so far (those it looks at come earlier in the merge order).
        found = await _check_file(session, source.entity, unreadable)
        await analyze_converted(session, source)
        if session is conn and reader is not conn:  # its persons are in the table now
            found += await _check_references(
                conn, tenant_id, source.entity, present - {PERSONS.key}
            )
            return None, found
        found += await _check_references(session, tenant_id, source.entity, present)
        clean = clean and not found
        if fresh and source.entity is PERSONS and clean and reader is not conn:
            own.update(e.key for e in PERSON_ONLY)
        if fresh:
            if not clean:
                return None, found
            progress.stage(f"build {source.entity.key}")
            return await first.build(
                reader, tenant_id, import_id, source.entity, ids, spool=reader is not conn
            ), found
        if reader is conn:
            return None, found
        return await write_out(reader, converted_table(source.entity)), found

    async def read_all() -> None:
        try:
            for source in ordered:
                if source.entity.key not in own:
                    ready[source.entity.key].set_result(await read(source))
        except Exception as exc:
            for future in ready.values():
                if not future.done():
                    future.set_exception(exc)
            raise

    def in_turn() -> Iterator[SourceFile]:
        """The merge order, except that the files this session reads itself come straight
        after the persons (`own` is known by then): they need nothing but the persons, and
        this session would otherwise wait for the reader's bills and installments first."""
        rest = list(ordered)
        while rest:
            source = rest.pop(0)
            yield source
            if source.entity is PERSONS:
                rest.sort(key=lambda s: s.entity.key not in own)  # stable: merge order kept

    reading: asyncio.Task[None] | None = None
    found: dict[str, list[RowError]] = {}
    unchecked = False  # foreign-key checks off for this session's copies (first.begin)
    try:
        if reader is conn:  # one session: read everything, then check and merge
            await read_all()
        else:
            reading = asyncio.create_task(read_all())
        for source in in_turn():
            if source.entity.key in own:
                done = await read(source, conn)
            else:
                done = await ready[source.entity.key]
            if done is None:
                continue
            spooled, in_file = done
            found[source.entity.key] = _locate(source, in_file)
            if any(found.values()):
                continue
            progress.stage(f"merge {source.entity.key}")
            if source.entity.key in own:  # read here: merged as in any import
                await merge.key_tables(conn, tenant_id)
                counts = await _merge(conn, tenant_id, import_id, source.entity, present)
            elif isinstance(spooled, first.Built):
                if source.entity is PERSONS:
                    unchecked = await first.begin(conn, tenant_id, import_id)
                counts = await first.copy_in(conn, spooled)
            else:
                if spooled is not None:
                    await read_in(conn, spooled)
                    await analyze_converted(conn, source)
                await merge.key_tables(conn, tenant_id)
                counts = await _merge(conn, tenant_id, import_id, source.entity, present)
            await merge.refresh_statistics(conn, source.entity, counts, force=fresh)
            if not fresh and source.entity in (PERSONS, BILLS) and counts.inserted:
                await merge.key_tables(
                    conn, tenant_id, fresh="person_ids" if source.entity is PERSONS else "bill_ids"
                )
            counts.rows = staged[source.entity.key].rows
            result.counts[source.entity.key] = counts.as_dict()
        if reading is not None:
            await reading
    finally:
        if reading is not None and not reading.done():
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reading
        for future in ready.values():  # nothing left open or unawaited
            if (
                future.done()
                and not future.cancelled()
                and future.exception() is None
                and (done := future.result())
            ):
                _close(done[0])  # read in (and closed) already, or never will be
            future.cancel()
    report = broken or found
    for source in sources:  # the report in the order the files were given
        result.errors.extend(report.get(source.entity.key, []))
    if result.errors:
        result.counts.clear()  # merged before a later file failed: rolled back
    else:
        if unchecked:
            await first.end(conn)
        result.withdrawn = await withdraw_settled(conn, tenant_id)


# What reading a file hands the importing session: the converted rows spooled, the rows of
# a first import's table, or nothing (one session: the converted table is there already).
_Read = Converted | first.Built | None


def _close(read: _Read) -> None:
    if isinstance(read, Converted):
        read.rows.close()
    elif isinstance(read, first.Built) and read.spooled is not None:
        read.spooled.rows.close()


async def _check_file(
    conn: asyncpg.Connection, entity: Entity, unreadable: set[str]
) -> list[checks.CellError]:
    """The checks that need nothing but the file itself."""
    found = await checks.cell_errors(conn, entity, unreadable)
    found += await checks.duplicate_keys(conn, entity)
    if entity is BILLS:
        found += await checks.vehicle_columns_on_resident_bills(conn)
    if entity is PLANS:
        found += await checks.end_before_start(conn, entity)
    return found


async def _check_references(
    conn: asyncpg.Connection, tenant_id: UUID, entity: Entity, present: set[str]
) -> list[checks.CellError]:
    """The checks that look at other files and at what the tenant has."""
    found: list[checks.CellError] = []
    if entity.references_person:
        found += await checks.unknown_persons(conn, entity, tenant_id, PERSONS.key in present)
    if entity in (INSTALLMENTS, RECEIPTS):
        found += await checks.unknown_bills(conn, entity, tenant_id, BILLS.key in present)
    if entity is RECEIPTS:
        found += await checks.unknown_installments(
            conn, entity, tenant_id, INSTALLMENTS.key in present
        )
    return found


def _locate(source: SourceFile, found: list[checks.CellError]) -> list[RowError]:
    if not found:
        return []
    lines = record_lines(source, {e.rec for e in found})
    headers = {c.key: h for c, h in zip(source.columns, source.headers, strict=True)}
    return [
        RowError(
            source.name,
            lines.get(e.rec, 0),
            checks.column_header(source.entity, e.column, headers),
            e.value,
            e.reason,
        )
        for e in sorted(found, key=lambda e: (e.rec, e.column))
    ]


async def _merge(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    import_id: UUID,
    entity: Entity,
    present: set[str],
) -> merge.Counts:
    if entity is RECEIPTS:
        return await merge.merge_receipts(
            conn, tenant_id, import_id, apply_to_installments=INSTALLMENTS.key not in present
        )
    if entity is HISTORY:
        return await merge.merge_history(conn, tenant_id, import_id)
    mergers = {
        PERSONS.key: merge.merge_persons,
        PHONES.key: merge.merge_phones,
        BILLS.key: merge.merge_bills,
        INSTALLMENTS.key: merge.merge_installments,
        PLANS.key: merge.merge_plans,
        ACCOUNTS.key: merge.merge_accounts,
        CORPORATIONS.key: merge.merge_corporations,
        AGENTS.key: merge.merge_agents,
    }
    return await mergers[entity.key](conn, tenant_id)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
