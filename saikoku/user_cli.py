"""CLI for login accounts: add one (with a generated or given password), disable one.
The password is read from SAIKOKU_NEW_PASSWORD or generated and printed once."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets

from saikoku.errors import ConfigurationError
from saikoku.linkage_cli import batch_pool, tenant_id_for
from saikoku.passwords import hash_password
from saikoku.settings import Settings

ROLES = ("operator", "supervisor", "staff", "admin", "auditor", "pbx_admin")


def add_user_command(settings: Settings, args: argparse.Namespace) -> int:
    given = os.environ.get("SAIKOKU_NEW_PASSWORD")
    password = given or secrets.token_urlsafe(12)
    password_hash = hash_password(password)

    async def go() -> str:
        pool = await batch_pool(settings)
        try:
            tenant_id = await tenant_id_for(pool, args.tenant)
            user_id = await pool.fetchval(
                "insert into users (tenant_id, login_id, display_name, role, password_hash,"
                " phone_endpoint) values ($1, $2, $3, $4, $5, $6)"
                " on conflict (tenant_id, login_id) do nothing returning id",
                tenant_id, args.login, args.name, args.role, password_hash, args.phone,
            )
            if user_id is None:
                raise ConfigurationError(f"login id {args.login!r} exists already in this tenant")
            return str(user_id)
        finally:
            await pool.close()

    user_id = asyncio.run(go())
    out = {"user_id": user_id, "login": args.login, "role": args.role}
    if not given:
        out["password"] = password
    print(json.dumps(out, ensure_ascii=False))
    return 0


def disable_user_command(settings: Settings, args: argparse.Namespace) -> int:
    async def go() -> int:
        pool = await batch_pool(settings)
        try:
            tenant_id = await tenant_id_for(pool, args.tenant)
            # Disabling also ends every open session of the account at once.
            async with pool.acquire() as conn, conn.transaction():
                user_id = await conn.fetchval(
                    "update users set disabled_at = now(), phone_endpoint = null"
                    " where tenant_id = $1 and login_id = $2 and disabled_at is null"
                    " returning id", tenant_id, args.login,
                )
                if user_id is None:
                    raise ConfigurationError(f"no active login id {args.login!r} in this tenant")
                await conn.execute(
                    "update web_sessions set ended_at = now()"
                    " where user_id = $1 and ended_at is null", user_id,
                )
            return 0
        finally:
            await pool.close()

    return asyncio.run(go())


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = sub.add_parser("users", aliases=["user"], help="login accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add an account; prints a new password unless "
                                      "SAIKOKU_NEW_PASSWORD is set")
    add.add_argument("login")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--phone", help="operator's PJSIP endpoint, e.g. op001")
    add.add_argument("--tenant", default="tax")
    add.set_defaults(run=add_user_command)
    disable = user.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("login")
    disable.add_argument("--tenant", default="tax")
    disable.set_defaults(run=disable_user_command)
