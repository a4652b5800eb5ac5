"""Logging in and out. The password is checked first, off the event loop and with no
connection or row lock held; then one short transaction writes the outcome — failed-login
counting and lock-out, or the session — with its access-log row. Answers never say which part
of a failed login was wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import asyncpg

from store import audit, sessions
from store.db import Executor
from store.passwords import PasswordChecker


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
    pool: asyncpg.Pool,
    passwords: PasswordChecker,
    tenant_code: str,
    login: str,
    password: str,
    client_addr: str | None,
    rules: LoginRules,
) -> NewSession | None:
    """A new session, or None for an unknown login, a wrong password or a locked account."""
    user = await _find(pool, tenant_code, login)
    # Checked even for an unknown login, so the answer takes as long either way.
    good = await passwords.verify(user["password_hash"] if user else None, password)
    if user is None:
        return None
    actor = audit.Actor(user["tenant_id"], user["id"], login, client_addr)
    async with pool.acquire() as conn, conn.transaction():
        # Read again under the row lock: another attempt may have locked the account, or the
        # password may have changed, while this one was being checked.
        row = await conn.fetchrow(
            "select role, display_name, password_hash = $2 as same_password,"
            " coalesce(locked_until > now(), false) as locked"
            " from users where id = $1 and disabled_at is null for update",
            user["id"],
            user["password_hash"],
        )
        if row is None or not row["same_password"]:
            await audit.record(conn, actor, "login_failed", reason="account_changed")
            return None
        if row["locked"]:
            # Not counted: failures during a lock must not extend it.
            await audit.record(conn, actor, "login_failed", reason="locked")
            return None
        if not good:
            await _count_failure(conn, user["id"], rules)
            await audit.record(conn, actor, "login_failed", reason="bad_password")
            return None
        await conn.execute(
            "update users set failed_logins = 0, locked_until = null where id = $1", user["id"]
        )
        token, csrf = await sessions.open_session(
            conn, user["tenant_id"], user["id"], client_addr, rules.session_max_age
        )
        await audit.record(conn, actor, "login")
    return NewSession(token, csrf, row["role"], row["display_name"])


async def note_throttled(
    pool: asyncpg.Pool, tenant_code: str, login: str, client_addr: str | None
) -> None:
    """Access-log that attempts on this account are being refused for a while (when there is
    such an account; the answer is the same either way)."""
    async with pool.acquire() as conn, conn.transaction():
        user = await _find(conn, tenant_code, login)
        if user is not None:
            actor = audit.Actor(user["tenant_id"], user["id"], login, client_addr)
            await audit.record(conn, actor, "login_throttled")


async def _find(db: Executor, tenant_code: str, login: str) -> asyncpg.Record | None:
    user: asyncpg.Record | None = await db.fetchrow(
        "select u.id, u.tenant_id, u.password_hash"
        " from users u join tenants t on t.id = u.tenant_id"
        " where t.code = $1 and u.login_id = $2 and u.disabled_at is null",
        tenant_code,
        login,
    )
    return user


async def log_out(conn: asyncpg.Connection, token: str | None, actor: audit.Actor) -> None:
    async with conn.transaction():
        if token:
            await sessions.end(conn, token)
        await audit.record(conn, actor, "logout")


async def _count_failure(conn: asyncpg.Connection, user_id: UUID, rules: LoginRules) -> None:
    """One more failure in a row; enough of them lock the account. Only called when it is not
    locked: a lock that has ended starts the count again."""
    await conn.execute(
        "update users set failed_logins = n,"
        " locked_until = case when n >= $2 then now() + make_interval(mins => $3) end"
        " from (select case when locked_until is null then failed_logins + 1 else 1 end as n"
        "       from users where id = $1) counted"
        " where id = $1",
        user_id,
        rules.lock_after,
        rules.lock_minutes,
    )
