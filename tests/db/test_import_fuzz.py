"""Property: whatever bytes arrive, the importer answers with a result — never a traceback —
and a rejected import leaves every table exactly as it was."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.linkage.importer import import_files
from tests.db.linkage_files import PERSONS_HEADER, PHONES_HEADER
from tests.db.test_import import table_counts

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "1001",
            "令和8年2月30日",
            "S60.4.12",
            "ｻﾄｳ",
            "０９０－１２３４－５６７８",
            '"',
            "a,b",
            "x\ny",
            "死亡",
            "男",
            "-1",
            "１２０,０００",
        ]
    ),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=10), max_size=6)


def render(header: list[str], body: list[list[str]], encoding: str, cut: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    data = buffer.getvalue().encode(encoding, errors="ignore")
    return data[: len(data) - cut] if cut else data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    persons=rows,
    phones=rows,
    encoding=st.sampled_from(["utf-8", "cp932"]),
    cut=st.integers(min_value=0, max_value=5),
    garbage=st.binary(max_size=8),
)
async def test_malformed_input_never_crashes_and_never_half_imports(
    pool: asyncpg.Pool,
    tenant_id: uuid.UUID,
    persons: list[list[str]],
    phones: list[list[str]],
    encoding: str,
    cut: int,
    garbage: bytes,
) -> None:
    with TemporaryDirectory() as folder:
        person_file = Path(folder) / "宛名.csv"
        phone_file = Path(folder) / "電話番号.csv"
        person_file.write_bytes(render(PERSONS_HEADER, persons, encoding, cut) + garbage)
        phone_file.write_bytes(render(PHONES_HEADER, phones, encoding, 0))
        before = await table_counts(pool, tenant_id)
        result = await import_files(pool, tenant_id, [person_file, phone_file], imported_by="fuzz")
        after = await table_counts(pool, tenant_id)
    if not result.ok:
        assert after == before
        assert all(e.reason for e in result.errors)
