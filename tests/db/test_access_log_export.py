"""`saikoku audit export` in-process against the test database: an auditor takes out who read
which person as CSV (its owner's alone), the export is itself logged, and no other role may."""

from __future__ import annotations

import asyncio
import csv
import os
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from saikoku.cli.main import main
from saikoku.core.tokyo import TOKYO
from store import audit


async def _users(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> str:
    for login, role in (("kansa", "auditor"), ("sv", "supervisor")):
        await pool.execute(
            "insert into users (tenant_id, login_id, display_name, role, password_hash)"
            " values ($1, $2, $2, $3, 'x')",
            tenant_id,
            login,
            role,
        )
    code: str = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    return code


async def test_an_auditor_exports_the_reads_of_a_day(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    migrated_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code = await _users(pool, tenant_id)
    person = uuid.uuid4()
    await audit.record(
        pool,
        audit.Actor(tenant_id, None, "op7", "127.0.0.1"),
        "person_viewed",
        person_id=person,
        reason="screen-pop on connect",
    )
    today = str(datetime.now(TOKYO).date())
    out = tmp_path / "reads.csv"
    previous = os.umask(0)
    try:
        status = await asyncio.to_thread(
            main,
            [
                "audit",
                "export",
                "--from",
                today,
                "--to",
                today,
                "--by",
                "kansa",
                "--out",
                str(out),
                "--tenant",
                code,
            ],
        )
    finally:
        os.umask(previous)
    assert status == 0
    assert out.stat().st_mode & 0o777 == 0o600
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["user_login"], r["person_id"], r["reason"]) for r in rows] == [
        ("op7", str(person), "screen-pop on connect")
    ]
    logged = await pool.fetchrow(
        "select reason, detail from audit_log where tenant_id = $1 and action = 'access_log_read'",
        tenant_id,
    )
    assert logged is not None and logged["reason"] == "export"


async def test_a_supervisor_may_not_export_the_access_log(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    migrated_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code = await _users(pool, tenant_id)
    out = tmp_path / "reads.csv"
    status = await asyncio.to_thread(
        main,
        [
            "audit",
            "export",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-07",
            "--by",
            "sv",
            "--out",
            str(out),
            "--tenant",
            code,
        ],
    )
    assert status == 2 and not out.exists()
    assert (
        await pool.fetchval(
            "select count(*) from audit_log where tenant_id = $1 and action = 'access_log_refused'",
            tenant_id,
        )
        == 1
    )
