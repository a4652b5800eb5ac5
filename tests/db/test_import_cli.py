"""`saikoku import` in-process against the test database: the terminal and the logs name where
a bad cell is and why; its value appears only in the report file, which is its owner's alone."""

from __future__ import annotations

import asyncio
import csv
import uuid
from pathlib import Path

import asyncpg
import pytest

from saikoku.cli.main import main
from tests.db.linkage_files import PERSONS_HEADER, small_export, write_csv

# Stands for a person's data in a bad cell (a birth date no one can read).
MARKER = "CANARY-7f3a-生年月日"


async def test_a_bad_cells_value_reaches_the_report_file_only(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    migrated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    tenant_code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    paths = small_export(tmp_path)
    write_csv(
        tmp_path,
        "宛名.csv",
        PERSONS_HEADER,
        [["1001", "佐藤　花子", "ｻﾄｳ ﾊﾅｺ", "女", MARKER, "190-0012", "東京都さいこく区1-2", ""]],
    )
    report = tmp_path / "report.csv"
    argv = ["import", "--tenant", tenant_code, "--errors", str(report), *map(str, paths)]
    assert await asyncio.to_thread(main, argv) == 1
    out, err = capfd.readouterr()
    assert MARKER not in out + err
    assert "宛名.csv:2: [生年月日]" in err  # file, line, column …
    assert "nothing was imported" in err
    assert report.stat().st_mode & 0o777 == 0o600
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["file", "line", "column", "value", "reason"]
    assert ["宛名.csv", "2", "生年月日", MARKER] in [r[:4] for r in rows[1:]]
