"""`saikoku users`: add a login account (with a generated or given password), disable one.
The password is read from SAIKOKU_NEW_PASSWORD or generated and printed once."""

from __future__ import annotations

import argparse
import json
import os
import secrets

import asyncpg

from saikoku.cli.common import SubParsers, with_pool
from saikoku.config.settings import Settings
from store.accounts import ROLES, add_user, disable_user, tenant_id_for
from store.passwords import hash_password


def add_user_command(settings: Settings, args: argparse.Namespace) -> int:
    given = os.environ.get("SAIKOKU_NEW_PASSWORD")
    password = given or secrets.token_urlsafe(12)
    password_hash = hash_password(password)

    async def go(pool: asyncpg.Pool) -> str:
        tenant_id = await tenant_id_for(pool, args.tenant)
        user_id = await add_user(
            pool,
            tenant_id,
            args.login,
            name=args.name,
            role=args.role,
            password_hash=password_hash,
            phone_endpoint=args.phone,
        )
        return str(user_id)

    out = {"user_id": with_pool(settings, go), "login": args.login, "role": args.role}
    if not given:
        out["password"] = password
    print(json.dumps(out, ensure_ascii=False))
    return 0


def disable_user_command(settings: Settings, args: argparse.Namespace) -> int:
    async def go(pool: asyncpg.Pool) -> None:
        tenant_id = await tenant_id_for(pool, args.tenant)
        async with pool.acquire() as conn:
            await disable_user(conn, tenant_id, args.login)

    with_pool(settings, go)
    return 0


def add_commands(sub: SubParsers) -> None:
    user = sub.add_parser("users", aliases=["user"], help="login accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser(
        "add", help="add an account; prints a new password unless SAIKOKU_NEW_PASSWORD is set"
    )
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
