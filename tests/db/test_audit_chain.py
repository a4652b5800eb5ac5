"""The access log's hash chain (migration 0011) and `saikoku audit verify`, on real PostgreSQL:
every row written is chained, also with triggers off for the session; an edited, a removed
and an inserted row are each found; a rewritten chain fails against a head noted before."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from saikoku.cli.main import main
from store import audit, migrate
from store.audit_chain import Anchor, verify_chain
from store.db import ensure_database


async def _write(pool: asyncpg.Pool, tenant_id: uuid.UUID, n: int) -> None:
    actor = audit.Actor(tenant_id, None, "chain-test", "127.0.0.1")
    for i in range(n):
        await audit.record(pool, actor, "chain_test", object_id=i, detail={"i": i})


class Tampered(Exception):
    """Raised to roll the tampering back once it has been seen."""


async def _verify_tampered(pool: asyncpg.Pool, tamper: str) -> tuple[int | None, str | None]:
    """Apply `tamper` with the append-only triggers off, verify, and roll it all back (the
    triggers too)."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                await conn.execute("alter table audit_log disable trigger user")
                await conn.execute(tamper)
                report = await verify_chain(conn)
                raise Tampered(report.broken_at, report.problem)
        except Tampered as seen:
            return seen.args[0], seen.args[1]


async def test_every_row_is_chained_and_verifies(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> None:
    await _write(pool, tenant_id, 5)
    async with pool.acquire() as conn:
        report = await verify_chain(conn)
    assert report.ok and report.rows >= 5 and report.head_seq == report.rows


async def test_rows_written_concurrently_form_one_chain(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    await asyncio.gather(*(_write(pool, tenant_id, 10) for _ in range(5)))
    async with pool.acquire() as conn:
        assert (await verify_chain(conn)).ok


async def test_rows_are_chained_with_triggers_off_for_the_session(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    # The import and the planning turn triggers off to skip foreign-key checks.
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("set local session_replication_role = replica")
        await audit.record(conn, audit.Actor(tenant_id, None, None), "while_replica")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await conn.execute(
                    "update audit_log set reason = 'x' where action = 'while_replica'"
                )
    async with pool.acquire() as conn:
        assert (await verify_chain(conn)).ok


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("update audit_log set reason = 'edited' where seq = 2", "content"),
        ("delete from audit_log where seq = 2", "missing"),
        (
            # A forged row, consistent in itself, slipped in as the second.
            "update audit_log set seq = seq + 1000000 where seq >= 2;"
            " insert into audit_log (seq, action, prev_hash, row_hash)"
            " select 2, 'forged', row_hash, '\\x00' from audit_log where seq = 1;"
            " update audit_log a set row_hash = audit_row_hash(prev_hash, a) where seq = 2;"
            " update audit_log set seq = seq - 1000000 + 1 where seq > 1000000",
            "follow",
        ),
    ],
)
async def test_an_edited_removed_or_inserted_row_breaks_the_chain(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, tamper: str, problem: str
) -> None:
    await _write(pool, tenant_id, 3)
    broken_at, said = await _verify_tampered(pool, tamper)
    assert broken_at is not None and broken_at <= 3 and problem in (said or "")
    async with pool.acquire() as conn:
        assert (await verify_chain(conn)).ok  # rolled back


async def test_a_rewritten_chain_fails_against_a_head_noted_before(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    await _write(pool, tenant_id, 3)
    async with pool.acquire() as conn:
        noted = await verify_chain(conn)
        assert noted.head_seq is not None and noted.head_hash is not None
        anchor = Anchor(noted.head_seq, bytes.fromhex(noted.head_hash))
        try:
            async with conn.transaction():
                # Rewrite the whole chain consistently, as someone with the owner's rights could.
                await conn.execute("alter table audit_log disable trigger user")
                await conn.execute("update audit_log set reason = 'rewritten' where seq = 1")
                prev: bytes | None = None
                for seq in range(1, noted.head_seq + 1):
                    prev = await conn.fetchval(
                        "update audit_log a set prev_hash = $2,"
                        " row_hash = audit_row_hash($2, a) where seq = $1 returning row_hash",
                        seq,
                        prev,
                    )
                assert (await verify_chain(conn)).ok  # consistent on its own…
                report = await verify_chain(conn, anchor)  # …but not with the noted head
                raise Tampered(report.broken_at, report.problem)
        except Tampered as seen:
            assert seen.args[0] == noted.head_seq and "rewritten" in seen.args[1]


def test_the_cli_prints_the_head_and_fails_on_a_bad_one(
    migrated_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    assert main(["audit", "verify"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["head"]
    seq, _, digest = report["head"].partition(":")
    assert main(["audit", "verify", "--head", f"{seq}:{'0' * len(digest)}"]) == 1


@pytest.fixture
async def scratch_database(migrated_database: str) -> AsyncIterator[str]:
    parts = urlsplit(migrated_database)
    name = f"saikoku_chain_{uuid.uuid4().hex[:8]}"
    dsn = urlunsplit(parts._replace(path=f"/{name}"))
    await ensure_database(dsn)
    yield dsn
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'drop database "{name}" with (force)')
    finally:
        await admin.close()


async def test_the_migration_chains_the_rows_written_before_it(scratch_database: str) -> None:
    before = [m for m in migrate.bundled_migrations() if m.version < "0011"]
    conn = await asyncpg.connect(scratch_database)
    try:
        await migrate.upgrade(conn, before)
        await conn.execute(
            "insert into saikoku.audit_log (action, detail)"
            " select 'old_' || n, jsonb_build_object('n', n) from generate_series(1, 20) n"
        )
        await migrate.upgrade(conn)
        await conn.execute("set search_path = saikoku, public")
        report = await verify_chain(conn)
        assert report.ok and report.rows == 20
        assert await conn.fetchval("select count(*) from audit_log where seq is null") == 0
    finally:
        await conn.close()
