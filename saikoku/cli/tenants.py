"""`saikoku tenant`: the departments sharing the server, and erasing one at contract end."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import asyncpg

from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings
from saikoku.core import signing
from saikoku.core.errors import ConfigurationError
from saikoku.core.private_file import private_text_file
from store.accounts import put_tenant
from store.erasure import erase_tenant, verify_erasure


def tenant_add(settings: Settings, args: argparse.Namespace) -> int:
    async def run(pool: asyncpg.Pool) -> None:
        await put_tenant(pool, args.code, args.name)

    with_pool(settings, run)
    print(f"tenant {args.code}: {args.name}")
    return 0


def _new_file(path: Path, what: str) -> Path:
    """A path to write once: an existing key or certificate is never replaced."""
    if path.exists():
        raise ConfigurationError(f"{path} exists already: name a new file for the {what}")
    return path


def tenant_keygen(_settings: Settings | None, args: argparse.Namespace) -> int:
    out = _new_file(Path(args.out), "key")
    pem = signing.new_private_key_pem()
    with private_text_file(out, encoding="ascii") as handle:
        handle.write(pem.decode("ascii"))
    public = signing.public_key_hex(signing.load_private_key(pem))
    print(json.dumps({"key_file": str(out), "public_key": public}))
    return 0


def tenant_erase(settings: Settings, args: argparse.Namespace) -> int:
    key = signing.load_private_key(Path(args.key).read_bytes())
    out = _new_file(Path(args.certificate), "certificate")

    async def run(pool: asyncpg.Pool) -> dict[str, Any]:
        return await erase_tenant(pool, args.code, args.by, key)

    # Opened first: a certificate that cannot be written stops the erasure before it starts.
    with private_text_file(out, encoding="utf-8") as handle:
        certificate = with_pool(settings, run, as_owner=True)
        json.dump(certificate, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    summary = {
        "tenant": args.code,
        "rows": sum(certificate["rows"].values()),
        "files": len(certificate["files"]),
        "certificate": str(out),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def tenant_verify_erasure(settings: Settings, args: argparse.Namespace) -> int:
    certificate = json.loads(Path(args.certificate).read_text(encoding="utf-8"))

    async def run(pool: asyncpg.Pool) -> dict[str, Any]:
        return await verify_erasure(pool, certificate, args.public_key)

    verdict = with_pool(settings, run, as_owner=True)
    print(json.dumps(verdict, ensure_ascii=False))
    if not verdict["ok"]:
        print("saikoku tenant verify-erasure: the certificate does not hold", file=sys.stderr)
        return 1
    return 0


def add_commands(sub: SubParsers) -> None:
    tenant = sub.add_parser("tenant", help="departments sharing the server").add_subparsers(
        dest="tenant_command", required=True
    )
    add = tenant.add_parser("add", help="create or rename a tenant")
    add.add_argument("code", help="short code, e.g. tax")
    add.add_argument("name", help="e.g. 税務課 納税係")
    add.set_defaults(run=tenant_add)

    keygen = tenant.add_parser("keygen", help="a new Ed25519 key for erasure certificates")
    keygen.add_argument("--out", required=True, help="the private key (PEM), written mode 0600")
    keygen.set_defaults(run=tenant_keygen, no_settings=True)

    erase = tenant.add_parser("erase", help="erase a tenant at contract end, with a certificate")
    erase.add_argument("code", help="the tenant's code")
    erase.add_argument("--by", required=True, help="login of an active admin of the tenant")
    erase.add_argument("--key", required=True, help="the ward's private key (from keygen)")
    erase.add_argument("--certificate", required=True, help="where to write it (mode 0600)")
    erase.set_defaults(run=tenant_erase)

    verify = tenant.add_parser("verify-erasure", help="check a certificate and the erasure")
    verify.add_argument("certificate", help="the certificate's JSON file")
    verify.add_argument("--public-key", help="the ward's public key (hex) it must be signed with")
    verify.set_defaults(run=tenant_verify_erasure)
