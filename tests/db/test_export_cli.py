"""`saikoku export history` in-process against the test database: who exported is named and
access-logged with the read, the file is its owner's alone, and only ward staff and admins
may take records out."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from campaigns.linkage.importer import import_files
from saikoku.cli.main import main
from tests.db.linkage_files import small_export

SINCE = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 0: a file created with default permissions would be world-readable."""
    previous = os.umask(0)
    yield
    os.umask(previous)


async def tenant_with_history(pool: asyncpg.Pool, tenant_id: uuid.UUID, folder: Path) -> str:
    assert (await import_files(pool, tenant_id, small_export(folder), imported_by="t")).ok
    await pool.execute(
        "insert into history (tenant_id, person_id, source, contact_kind, contacted_at, content)"
        " select $1, id, 'call_center', '電話', now(), '納付を約束' from persons"
        " where tenant_id = $1 and resident_number = '1001'",
        tenant_id,
    )
    for login, role in (("staff1", "staff"), ("op1", "operator"), ("gone1", "admin")):
        await pool.execute(
            "insert into users (tenant_id, login_id, display_name, role, password_hash)"
            " values ($1, $2, $2, $3, 'x')",
            tenant_id,
            login,
            role,
        )
    await pool.execute(
        "update users set disabled_at = now() where tenant_id = $1 and login_id = 'gone1'",
        tenant_id,
    )
    code: str = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    return code


async def export(out: Path, code: str, *by: str) -> int:
    argv = ["export", "history", "--since", SINCE, "--out", str(out), "--tenant", code, *by]
    return await asyncio.to_thread(main, argv)


async def audit_rows(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await pool.fetch(
        "select action, user_login, object_type, person_id, detail from audit_log"
        " where tenant_id = $1 and action like 'export%' order by id",
        tenant_id,
    )
    return rows


async def test_an_export_is_logged_with_its_exporter_and_readable_by_its_owner_only(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    migrated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    open_umask: None,
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code = await tenant_with_history(pool, tenant_id, tmp_path / "in")
    out = tmp_path / "経過記録.csv"
    assert await export(out, code, "--by", "staff1") == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert "1001" in out.read_text(encoding="utf-8")
    [row] = await audit_rows(pool, tenant_id)
    assert (row["action"], row["user_login"], row["object_type"]) == (
        "export_history",
        "staff1",
        "export",
    )
    assert row["person_id"] is None
    assert json.loads(row["detail"]) == {"rows": 1, "file": out.name, "since": SINCE}
    assert "wrote 1 history rows" in capsys.readouterr().out

    # A file already there, readable by all, is replaced by a private one.
    again = tmp_path / "again.csv"
    again.write_text("old")
    again.chmod(0o644)
    assert await export(again, code, "--by", "staff1") == 0
    assert again.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


async def test_an_export_needs_an_active_exporter_with_a_role_allowed_to_export(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    migrated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    code = await tenant_with_history(pool, tenant_id, tmp_path / "in")
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as no_by:
        await export(out, code)
    assert no_by.value.code == 2 and "--by" in capsys.readouterr().err
    assert await export(out, code, "--by", "op1") == 2
    assert "staff, admin" in capsys.readouterr().err
    assert await export(out, code, "--by", "gone1") == 2
    assert await export(out, code, "--by", "nobody") == 2
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == []
    refused = await audit_rows(pool, tenant_id)
    assert [(r["action"], r["user_login"]) for r in refused] == [("export_refused", "op1")]
    assert (
        await pool.fetchval(
            "select count(*) from history where tenant_id = $1 and exported_at is not null",
            tenant_id,
        )
        == 0
    )
