"""Tenants (the departments sharing the server) and their login accounts: lookup, creation and
disabling. Passwords are stored as Argon2 hashes only (store/passwords.py); logging in and out
is store/logins.py."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from saikoku.core.errors import ConfigurationError
from store.db import Executor

ROLES = ("operator", "supervisor", "staff", "admin", "auditor", "pbx_admin")


async def tenant_id_for(conn: Executor, code: str) -> UUID:
    tenant: UUID | None = await conn.fetchval("select id from tenants where code = $1", code)
    if tenant is None:
        raise ConfigurationError(
            f"no tenant {code!r}: create it with `saikoku tenant add {code} NAME`"
        )
    return tenant


async def tenant_name(conn: Executor, tenant_id: UUID) -> str:
    name: str = await conn.fetchval("select name from tenants where id = $1", tenant_id)
    return name


async def put_tenant(conn: Executor, code: str, name: str) -> UUID:
    """Create the tenant, or rename it when the code exists."""
    tenant: UUID = await conn.fetchval(
        "insert into tenants (code, name) values ($1, $2)"
        " on conflict (code) do update set name = excluded.name returning id",
        code,
        name,
    )
    return tenant


@dataclass(frozen=True)
class ActiveUser:
    id: UUID
    login: str
    role: str


async def active_user(conn: Executor, tenant_id: UUID, login: str) -> ActiveUser:
    """The login, enabled, in this tenant; ConfigurationError otherwise."""
    row = await conn.fetchrow(
        "select id, role from users where tenant_id = $1 and login_id = $2 and disabled_at is null",
        tenant_id,
        login,
    )
    if row is None:
        raise ConfigurationError(f"no active user {login!r} in this tenant")
    return ActiveUser(row["id"], login, row["role"])


async def active_user_id(conn: Executor, tenant_id: UUID, login: str) -> UUID:
    return (await active_user(conn, tenant_id, login)).id


async def add_user(
    conn: Executor,
    tenant_id: UUID,
    login: str,
    *,
    name: str,
    role: str,
    password_hash: str,
    phone_endpoint: str | None = None,
) -> UUID:
    user_id: UUID | None = await conn.fetchval(
        "insert into users (tenant_id, login_id, display_name, role, password_hash,"
        " phone_endpoint) values ($1, $2, $3, $4, $5, $6)"
        " on conflict (tenant_id, login_id) do nothing returning id",
        tenant_id,
        login,
        name,
        role,
        password_hash,
        phone_endpoint,
    )
    if user_id is None:
        raise ConfigurationError(f"login id {login!r} exists already in this tenant")
    return user_id


async def disable_user(conn: asyncpg.Connection, tenant_id: UUID, login: str) -> UUID:
    """Disable the account, free its phone, and end every open session of it at once."""
    async with conn.transaction():
        user_id: UUID | None = await conn.fetchval(
            "update users set disabled_at = now(), phone_endpoint = null"
            " where tenant_id = $1 and login_id = $2 and disabled_at is null returning id",
            tenant_id,
            login,
        )
        if user_id is None:
            raise ConfigurationError(f"no active login id {login!r} in this tenant")
        await conn.execute(
            "update web_sessions set ended_at = now() where user_id = $1 and ended_at is null",
            user_id,
        )
    return user_id
