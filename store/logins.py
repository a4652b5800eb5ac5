"""Logging in and out: the password check, failed-login counting and lock-out, the session,
and the access-log row of each, all in one transaction. Answers never say which part of a
failed login was wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import asyncpg

from store import audit, sessions
from store.passwords import verify_password


@dataclass(frozen=True)
class LoginRules:
    lock_after: int  # failed logins in a row that lock the account
    lock_minutes: int
    session_max_age: timedelta


@dataclass(frozen=True)
class NewSession:
    token: str  # the cookie's value
    csrf_token: str
    role: str
    display_name: str


async def log_in(
    conn: asyncpg.Connection,
    tenant_code: str,
    login: str,
    password: str,
    client_addr: str | None,
    rules: LoginRules,
) -> NewSession | None:
    """A new session, or None for an unknown login, a wrong password or a locked account."""
    async with conn.transaction():
        row = await conn.fetchrow(
            "select u.id, u.tenant_id, u.password_hash, u.role, u.display_name,"
            " coalesce(u.locked_until > now(), false) as locked"
            " from users u join tenants t on t.id = u.tenant_id"
            " where t.code = $1 and u.login_id = $2 and u.disabled_at is null for update of u",
            tenant_code,
            login,
        )
        # Verified even for an unknown login, so the answer takes as long either way.
        good = verify_password(row["password_hash"] if row else None, password)
        if row is None:
            return None
        actor = audit.Actor(row["tenant_id"], row["id"], login, client_addr)
        if row["locked"] or not good:
            await _count_failure(conn, row["id"], rules)
            await audit.record(
                conn, actor, "login_failed", reason="locked" if row["locked"] else "bad_password"
            )
            return None
        await conn.execute(
            "update users set failed_logins = 0, locked_until = null where id = $1", row["id"]
        )
        token, csrf = await sessions.open_session(
            conn, row["tenant_id"], row["id"], client_addr, rules.session_max_age
        )
        await audit.record(conn, actor, "login")
    return NewSession(token, csrf, row["role"], row["display_name"])


async def log_out(conn: asyncpg.Connection, token: str | None, actor: audit.Actor) -> None:
    async with conn.transaction():
        if token:
            await sessions.end(conn, token)
        await audit.record(conn, actor, "logout")


async def _count_failure(conn: asyncpg.Connection, user_id: UUID, rules: LoginRules) -> None:
    await conn.execute(
        "update users set failed_logins = failed_logins + 1,"
        " locked_until = case when failed_logins + 1 >= $2"
        "   then now() + make_interval(mins => $3) else locked_until end"
        " where id = $1",
        user_id,
        rules.lock_after,
        rules.lock_minutes,
    )
