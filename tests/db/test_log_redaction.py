"""The log redaction on PostgreSQL's own error texts, produced for real: asyncpg puts the row
that failed ("Failing row contains (…)") and the key values ("Key (…)=(…)") into the
exception's text, and from there into `str(exc)` and every logged traceback."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import asyncpg
import pytest
import structlog

from saikoku.config.logs import redact_row_details

NAME = "CANARY花子"
RESIDENT = "CANARY-1001"
PHONE = "09012345678"


async def real_errors(pool: asyncpg.Pool, tenant_id: uuid.UUID) -> list[asyncpg.PostgresError]:
    """A check violation, a unique violation and a not-null violation, each carrying a
    person's data in its detail."""
    insert = (
        "insert into persons (tenant_id, resident_number, name_raw, name) values ($1, $2, $3, $4)"
    )
    await pool.execute(insert, tenant_id, RESIDENT, NAME, NAME)
    errors: list[asyncpg.PostgresError] = []
    for args in (
        (RESIDENT + "-2", f"{NAME}\n{PHONE}", " "),  # name must not be blank: failing row
        (RESIDENT, NAME, NAME),  # the same resident number: Key (…)=(…)
        (RESIDENT + "-3", f"{NAME}\n\n{PHONE}", None),  # not null: failing row over lines
    ):
        try:
            await pool.execute(insert, tenant_id, *args)
        except asyncpg.PostgresError as exc:
            errors.append(exc)
    assert [type(e) for e in errors] == [
        asyncpg.CheckViolationError,
        asyncpg.UniqueViolationError,
        asyncpg.NotNullViolationError,
    ]
    return errors


def assert_clean(text: str) -> None:
    for secret in (NAME, RESIDENT, PHONE):
        assert secret not in text


async def test_row_details_are_taken_out_of_exception_texts(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    errors = await real_errors(pool, tenant_id)
    check, unique, not_null = (str(e) for e in errors)
    assert "Failing row contains" in check and NAME in check  # the genuine text
    assert f"Key (tenant_id, resident_number)=({tenant_id}, {RESIDENT})" in unique
    for text in (check, unique, not_null):
        assert_clean(redact_row_details(None, "error", {"event": "x", "error": text})["error"])
    kept = redact_row_details(None, "error", {"event": "x", "error": unique})["error"]
    assert 'violates unique constraint "persons_tenant_id_resident_number_key"' in kept
    assert "Key (tenant_id, resident_number)=(<redacted>) already exists." in kept


async def test_logged_tracebacks_carry_no_row_details(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    json_logging: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for error in await real_errors(pool, tenant_id):
        try:
            raise RuntimeError("merge failed") from error
        except RuntimeError:
            structlog.get_logger("t").exception("import_crashed", error=str(error))
            logging.getLogger("asyncio").error("Task exception was never retrieved", exc_info=True)
    err = capsys.readouterr().err
    lines: list[dict[str, Any]] = [json.loads(line) for line in err.splitlines() if line]
    assert len(lines) == 6
    assert all("asyncpg.exceptions" in line["exception"] for line in lines)
    assert_clean(err)
