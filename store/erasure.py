"""Erasure of a tenant at contract end (データ消去) and its certificate (データ消去証明書).

One transaction counts the tenant's rows table by table, fingerprints its files (SHA-256 and
size, before anything goes), deletes the tenant row — every tenant table cascades from it —
checks that no row is left, writes the `tenant_erased` access-log row and removes the files;
then the tables are vacuumed. The access log survives by design: it holds ids, never
personal data. The certificate lists all of it, signed with the ward's key
(saikoku/core/signing.py); `verify_erasure` checks a certificate against the database and
the file system as they are now."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saikoku.core import signing
from saikoku.core.errors import BadRequest, Forbidden, NotFound, SaikokuError
from saikoku.core.sql import ident
from saikoku.core.tokyo import TOKYO
from store import audit
from store.db import Executor
from store.tenant_files import letter_manifests

KIND = "saikoku.tenant_erasure_certificate"
VERSION = 1

# Who may erase a tenant: its admin, who answers for the system at the ward.
ERASE_ROLE = "admin"

OUTSIDE_REACH = {
    "ja": (
        "本証明書は、本システムが管理するデータベースの当該部署の全行と、本システムが書き出し"
        "記録したファイル(通話録音、催告書PDFと封入用マニフェスト、書き出しファイル、取込エラー"
        "報告、アクセスログ書き出し)の消去を証明する。次のものは本システムの管理外であり、"
        "本証明書の対象外である:データベースのバックアップおよびWALアーカイブ、本システムの"
        "録音保存先以外にあるAsterisk自身のログ・CDR・スプール、本システムの外で作られた複製"
        "(印刷物、転送・複写されたファイルを含む)、およびVACUUM後に再利用されるまでの"
        "PostgreSQLの空き領域。アクセスログは識別子のみを保持し個人情報を含まないため、監査の"
        "ために保存される。"
    ),
    "en": (
        "This certificate attests the erasure of every row of this department in the database"
        " the product manages, and of the files the product wrote and recorded (call"
        " recordings, reminder-letter PDFs and their enclosing manifests, exports, import error"
        " reports, access-log exports). Outside the product's reach, and so outside this"
        " certificate: database backups and WAL archives; Asterisk's own logs, CDR and spool"
        " outside the recordings store; copies made outside the product (print-outs, files"
        " moved or copied elsewhere); PostgreSQL's free space until the pages the vacuum freed"
        " are reused. The access log is kept for audits: it holds ids only, no personal data."
    ),
}

TENANT_TABLES_SQL = """
select c.table_name
  from information_schema.columns c
  join information_schema.tables t using (table_schema, table_name)
 where c.table_schema = 'saikoku' and c.column_name = 'tenant_id'
   and t.table_type = 'BASE TABLE' and c.table_name <> 'audit_log'
 order by c.table_name
"""

# Files that rows name; a recording already purged had its file removed then.
FILES_SQL = """
select 'recording' as kind, path, null::uuid as batch_id
  from recordings where tenant_id = $1 and purged_at is null
union all
select 'letter_pdf', file_path, id
  from letter_batches where tenant_id = $1 and file_path is not null
union all
select kind, path, null from tenant_files where tenant_id = $1
"""


class ErasureRefused(Forbidden):
    """The named login may not erase the tenant."""

    code = "erasure_refused"


class ErasureIncomplete(SaikokuError):
    """Rows of the tenant were left after the delete: a table that does not cascade."""

    code = "erasure_incomplete"


async def tenant_tables(conn: Executor) -> list[str]:
    """Every table with a tenant_id column but the access log."""
    return [r["table_name"] for r in await conn.fetch(TENANT_TABLES_SQL)]


async def row_counts(conn: Executor, tables: list[str], tenant_id: UUID) -> dict[str, int]:
    return {
        table: await conn.fetchval(
            f"select count(*) from saikoku.{ident(table)} where tenant_id = $1", tenant_id
        )
        for table in tables
    }


async def tenant_file_paths(conn: Executor, tenant_id: UUID) -> list[tuple[str, str]]:
    """(kind, path) of every file the product wrote for the tenant, once each."""
    found: dict[str, str] = {}
    for row in await conn.fetch(FILES_SQL, tenant_id):
        found.setdefault(row["path"], row["kind"])
        if row["batch_id"] is not None:
            json_path, csv_path = letter_manifests(Path(row["path"]), row["batch_id"])
            found.setdefault(str(json_path), "letter_manifest_json")
            found.setdefault(str(csv_path), "letter_manifest_csv")
    return [(kind, path) for path, kind in found.items()]


def fingerprint(kind: str, path: str) -> dict[str, Any]:
    """SHA-256 and size of the file as it is; a file already gone is listed as missing."""
    try:
        with Path(path).open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            size = os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        return {"kind": kind, "path": path, "missing": True}
    return {"kind": kind, "path": path, "sha256": digest, "bytes": size}


def existing(paths: list[str]) -> list[str]:
    """The paths at which something (a file, a link) is still there."""
    return [p for p in paths if os.path.lexists(p)]


async def _eraser(conn: asyncpg.Connection, tenant_id: UUID, login: str) -> asyncpg.Record:
    """The active admin of the tenant with this login; a refusal is access-logged."""
    user = await conn.fetchrow(
        "select id, login_id, display_name, role from users"
        " where tenant_id = $1 and login_id = $2 and disabled_at is null",
        tenant_id,
        login,
    )
    if user is None or user["role"] != ERASE_ROLE:
        actor = audit.Actor(tenant_id, user["id"] if user else None, login)
        await audit.record(
            conn,
            actor,
            "tenant_erase_refused",
            object_type="tenant",
            object_id=tenant_id,
            reason="role" if user else "no_active_login",
        )
        raise ErasureRefused(f"{login!r} may not erase this tenant: only an active admin of it may")
    return user


async def erase_tenant(
    pool: asyncpg.Pool, code: str, by_login: str, key: Ed25519PrivateKey
) -> dict[str, Any]:
    """Erase the tenant with this code for `by_login`, an active admin of it; return the
    signed certificate."""
    async with pool.acquire() as conn:
        tenant = await conn.fetchrow("select id, code, name from tenants where code = $1", code)
        if tenant is None:
            raise NotFound(f"no tenant {code!r}")
        tenant_id: UUID = tenant["id"]
        eraser = await _eraser(conn, tenant_id, by_login)
        tables = await tenant_tables(conn)
        async with conn.transaction():
            # New rows that reference the tenant row wait until it is gone (and then fail).
            await conn.execute("select 1 from tenants where id = $1 for update", tenant_id)
            counts = await row_counts(conn, tables, tenant_id)
            paths = await tenant_file_paths(conn, tenant_id)
            files = [await asyncio.to_thread(fingerprint, kind, path) for kind, path in paths]
            await conn.execute("delete from tenants where id = $1", tenant_id)
            left = {t: n for t, n in (await row_counts(conn, tables, tenant_id)).items() if n}
            if left:
                raise ErasureIncomplete(f"rows left after the delete (rolled back): {left}")
            erased_at: datetime = await conn.fetchval("select transaction_timestamp()")
            await audit.record(
                conn,
                audit.Actor(tenant_id, eraser["id"], eraser["login_id"]),
                "tenant_erased",
                object_type="tenant",
                object_id=tenant_id,
                detail={
                    "rows": counts,
                    "files": len(files),
                    "public_key": signing.public_key_hex(key),
                },
            )
            # Last before the commit: a file that cannot be removed rolls the rows back (a
            # second run lists the files removed by the first as missing).
            for entry in files:
                if not entry.get("missing"):
                    await asyncio.to_thread(Path(entry["path"]).unlink, missing_ok=True)
        vacuumed = ["tenants", *(t for t, n in counts.items() if n)]
        # Outside a transaction (VACUUM cannot run in one): the pages the rows held are freed.
        await conn.execute("vacuum " + ", ".join(f"saikoku.{ident(t)}" for t in vacuumed))
    document = {
        "kind": KIND,
        "version": VERSION,
        "tenant": {"id": str(tenant_id), "code": tenant["code"], "name": tenant["name"]},
        "erased_at": erased_at.astimezone(TOKYO).isoformat(),
        "erased_by": {"login": eraser["login_id"], "display_name": eraser["display_name"]},
        "rows": counts,
        "files": files,
        "vacuumed": vacuumed,
        "outside_reach": OUTSIDE_REACH,
    }
    return signing.sign(document, key)


async def verify_erasure(
    conn: Executor, certificate: dict[str, Any], expected_key: str | None = None
) -> dict[str, Any]:
    """The verdict on a certificate: its signature (and key, when one is expected), and that
    nothing of its tenant is left in the database or at the listed paths."""
    try:
        if certificate["kind"] != KIND:
            raise ValueError(certificate["kind"])
        tenant_id = UUID(certificate["tenant"]["id"])
        paths = [str(f["path"]) for f in certificate["files"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest("not a Saikoku erasure certificate") from exc
    tables = await tenant_tables(conn)
    rows_left = {t: n for t, n in (await row_counts(conn, tables, tenant_id)).items() if n}
    tenant_left = await conn.fetchval("select count(*) from tenants where id = $1", tenant_id)
    files_left = await asyncio.to_thread(existing, paths)
    verdict: dict[str, Any] = {
        "tenant": certificate["tenant"].get("code"),
        "signature_valid": signing.verify(certificate),
        "public_key": certificate.get(signing.PUBLIC_KEY),
        "tenant_row_gone": tenant_left == 0,
        "rows_left": rows_left,
        "files_left": files_left,
    }
    checks = [verdict["signature_valid"], tenant_left == 0, not rows_left, not files_left]
    if expected_key is not None:
        verdict["expected_key"] = (
            str(certificate.get(signing.PUBLIC_KEY, "")).lower() == expected_key.strip().lower()
        )
        checks.append(verdict["expected_key"])
    verdict["ok"] = all(checks)
    return verdict
