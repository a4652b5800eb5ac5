"""Erasure at contract end through `saikoku tenant erase` / `verify-erasure`, in-process against
the test database with real files: one tenant goes, rows and files, with a signed certificate;
the other tenant's rows and files stay exactly as they were."""

from __future__ import annotations

import asyncio
import json
import uuid
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from campaigns.linkage.importer import import_files
from recordings import store as recording_store
from saikoku.cli.main import main
from saikoku.core.tokyo import TOKYO
from store.erasure import fingerprint, row_counts, tenant_file_paths, tenant_tables
from tests.db.linkage_files import PERSONS_HEADER, small_export, write_csv
from tests.db.test_letters import batch, ready_campaign

SINCE = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()


@pytest.fixture(autouse=True)
def cli_database(migrated_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAIKOKU_DATABASE_URL", migrated_database)


async def cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def new_tenant(pool: asyncpg.Pool, prefix: str) -> tuple[uuid.UUID, str]:
    code = f"{prefix}_{uuid.uuid4().hex[:8]}"
    tenant_id = await pool.fetchval(
        "insert into tenants (code, name) values ($1, '消去テスト課') returning id", code
    )
    for login, role in (("adm", "admin"), ("staff1", "staff")):
        await pool.execute(
            "insert into users (tenant_id, login_id, display_name, role, password_hash)"
            " values ($1, $2, $3, $4, 'x')",
            tenant_id,
            login,
            f"{login} 表示名",
            role,
        )
    return tenant_id, code


async def seeded_tenant(pool: asyncpg.Pool, prefix: str, folder: Path) -> tuple[uuid.UUID, str]:
    """People, bills and phones; a call with its recording and notes; a letter batch; a
    history export and an import error report — each file written by the product's code."""
    tenant_id, code = await new_tenant(pool, prefix)
    assert (await import_files(pool, tenant_id, small_export(folder / "in"), imported_by="t")).ok
    campaign_id, user_id = await ready_campaign(pool, tenant_id)
    person_id, phone_id = await pool.fetchrow(
        "select p.id, ph.id from persons p join phones ph on ph.person_id = p.id"
        " where p.tenant_id = $1 order by p.resident_number limit 1",
        tenant_id,
    )
    attempt = await pool.fetchval(
        "insert into call_attempts (tenant_id, campaign_id, person_id, phone_id, dial_string)"
        " values ($1, $2, $3, $4, 'PJSIP/x@trunk') returning id",
        tenant_id,
        campaign_id,
        person_id,
        phone_id,
    )
    await pool.execute(
        "insert into conversation_logs (tenant_id, attempt_id, person_id, author_id, body)"
        " values ($1, $2, $3, $4, '納付を約束')",
        tenant_id,
        attempt,
        person_id,
        user_id,
    )
    await pool.execute(
        "insert into history (tenant_id, person_id, source, contact_kind, contacted_at, content)"
        " values ($1, $2, 'call_center', '電話', now(), '納付を約束')",
        tenant_id,
        person_id,
    )
    await recording_store.started(pool, tenant_id, attempt)
    spool = folder / "spool"
    spool.mkdir()
    with wave.open(str(spool / f"{recording_store.recording_name(attempt)}.wav"), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(uuid.uuid4().bytes * 1000)
    assert await recording_store.finished(
        pool, attempt, spool, folder / "recordings", timedelta(days=30)
    )
    assert (await batch(pool, tenant_id, campaign_id, user_id, folder / "letters")).letters
    history = folder / "history.csv"
    assert await cli("export", "history", "--since", SINCE, "--out", str(history),
                     "--tenant", code, "--by", "staff1") == 0  # fmt: skip
    today = str(datetime.now(TOKYO).date())
    reads = folder / "reads.csv"
    assert await cli("audit", "export", "--from", today, "--to", today, "--by", "adm",
                     "--out", str(reads), "--tenant", code) == 0  # fmt: skip
    bad = folder / "bad"
    bad.mkdir()
    write_csv(bad, "宛名.csv", PERSONS_HEADER, [["1001", "佐藤", "ｻﾄｳ", "女", "?", "", "", ""]])
    report = folder / "import-errors.csv"
    assert (
        await cli("import", "--tenant", code, "--errors", str(report), str(bad / "宛名.csv")) == 1
    )
    return tenant_id, code


async def snapshot(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> dict[str, Any]:
    """Rows per tenant table and every file with its SHA-256."""
    rows = await row_counts(pool, await tenant_tables(pool), tenant_id)
    files = [fingerprint(kind, path) for kind, path in await tenant_file_paths(pool, tenant_id)]
    return {"rows": rows, "files": sorted(files, key=lambda f: f["path"])}


async def test_erasing_one_tenant_removes_its_rows_and_files_and_leaves_the_other_identical(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    erased, code = await seeded_tenant(pool, "gone", tmp_path / "gone")
    kept, _ = await seeded_tenant(pool, "kept", tmp_path / "kept")
    before, others_before = await snapshot(pool, erased), await snapshot(pool, kept)
    assert {f["kind"] for f in before["files"]} == {
        "recording",
        "letter_pdf",
        "letter_manifest_json",
        "letter_manifest_csv",
        "history_export",
        "import_errors",
        "access_log_export",
    }
    assert not any(f.get("missing") for f in before["files"])
    key, certificate = tmp_path / "ward.pem", tmp_path / "certificate.json"
    assert await cli("tenant", "keygen", "--out", str(key)) == 0
    assert key.stat().st_mode & 0o777 == 0o600

    status = await cli("tenant", "erase", code, "--by", "adm", "--key", str(key),
                       "--certificate", str(certificate))  # fmt: skip

    assert status == 0
    assert certificate.stat().st_mode & 0o777 == 0o600
    doc = json.loads(certificate.read_text(encoding="utf-8"))
    assert doc["tenant"] == {"id": str(erased), "code": code, "name": "消去テスト課"}
    assert doc["erased_by"] == {"login": "adm", "display_name": "adm 表示名"}
    assert doc["rows"] == before["rows"] and doc["rows"]["persons"] == 3
    assert sorted(doc["files"], key=lambda f: f["path"]) == before["files"]
    assert "WAL" in doc["outside_reach"]["en"] and "バックアップ" in doc["outside_reach"]["ja"]
    assert not any(Path(f["path"]).exists() for f in doc["files"])
    after = await snapshot(pool, erased)
    assert set(after["rows"].values()) == {0} and after["files"] == []
    assert await pool.fetchval("select count(*) from tenants where id = $1", erased) == 0
    assert await snapshot(pool, kept) == others_before
    # The access log survives, the erasure written in it.
    actions = [
        r["action"]
        for r in await pool.fetch("select action from audit_log where tenant_id = $1", erased)
    ]
    assert "export_history" in actions and actions[-1] == "tenant_erased"

    public = doc["public_key"]
    assert await cli("tenant", "verify-erasure", str(certificate), "--public-key", public) == 0
    # A listed file that is there again (a copy put back) fails the verification.
    Path(doc["files"][0]["path"]).write_bytes(b"restored")
    assert await cli("tenant", "verify-erasure", str(certificate), "--public-key", public) == 1


async def test_a_changed_certificate_or_another_key_fails_verification(
    pool: asyncpg.Pool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, code = await new_tenant(pool, "tamper")
    key, other_key = tmp_path / "ward.pem", tmp_path / "other.pem"
    assert await cli("tenant", "keygen", "--out", str(key)) == 0
    assert await cli("tenant", "keygen", "--out", str(other_key)) == 0
    other_public = json.loads(capsys.readouterr().out.splitlines()[-1])["public_key"]
    certificate = tmp_path / "certificate.json"
    assert await cli("tenant", "erase", code, "--by", "adm", "--key", str(key),
                     "--certificate", str(certificate)) == 0  # fmt: skip
    assert await cli("tenant", "verify-erasure", str(certificate)) == 0

    assert (
        await cli("tenant", "verify-erasure", str(certificate), "--public-key", other_public) == 1
    )
    doc = json.loads(certificate.read_text(encoding="utf-8"))
    doc["rows"]["users"] -= 1
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert await cli("tenant", "verify-erasure", str(tampered)) == 1
    assert json.loads(capsys.readouterr().out)["signature_valid"] is False


async def test_only_an_admin_of_the_tenant_may_erase_it(pool: asyncpg.Pool, tmp_path: Path) -> None:
    tenant_id, code = await new_tenant(pool, "refuse")
    assert (await import_files(pool, tenant_id, small_export(tmp_path), imported_by="t")).ok
    before = await snapshot(pool, tenant_id)
    key, certificate = tmp_path / "ward.pem", tmp_path / "certificate.json"
    assert await cli("tenant", "keygen", "--out", str(key)) == 0

    status = await cli("tenant", "erase", code, "--by", "staff1", "--key", str(key),
                       "--certificate", str(certificate))  # fmt: skip

    assert status == 2
    assert not certificate.exists() and not list(tmp_path.glob(".certificate.json*"))
    assert await snapshot(pool, tenant_id) == before
    assert (
        await pool.fetchval(
            "select reason from audit_log where tenant_id = $1 and action = 'tenant_erase_refused'",
            tenant_id,
        )
        == "role"
    )
