"""The campaign commands end to end, in-process, against the test database."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from campaigns.linkage.importer import import_files
from saikoku.cli.main import main
from tests.db.linkage_files import small_export


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Any:  # the JSON it printed
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


async def test_create_preview_plan_and_run_a_campaign(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    tmp_path: Path,
    migrated_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    code = await pool.fetchval("select code from tenants where id = $1", tenant_id)
    await pool.execute(
        "insert into users (tenant_id, login_id, display_name, role, password_hash)"
        " values ($1, 'suzuki', '鈴木', 'supervisor', 'x')",
        tenant_id,
    )

    # The commands run their own event loop: call them off this one.
    async def cli(*args: str) -> Any:
        return await asyncio.to_thread(run_cli, capsys, *args)

    created = await cli("campaign", "create", "R8 現年度", "--tenant", code, "--by", "suzuki")
    campaign = created["campaign_id"]
    counts = await cli("campaign", "preview", "--tenant", code, "--min-days-past-due", "0")
    assert counts["to_call"] == 1 and counts["letters"] == 1
    planned = await cli("campaign", "plan", campaign, "--tenant", code, "--min-days-past-due", "0")
    assert planned["to_call"] == 1
    moved = await cli(
        "campaign", "transition", campaign, "ready", "--tenant", code, "--by", "suzuki"
    )
    assert moved == {"campaign_id": campaign, "from": "draft", "to": "ready"}
    listed = await cli("campaign", "list", "--tenant", code)
    assert [(c["status"], c["targets"]) for c in listed] == [("ready", 1)]
    refused = await asyncio.to_thread(
        main, ["campaign", "transition", campaign, "completed", "--tenant", code, "--by", "suzuki"]
    )
    assert refused == 2
    assert "can move to" in capsys.readouterr().err
