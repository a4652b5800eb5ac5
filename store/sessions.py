"""Browser sessions kept in PostgreSQL. The cookie carries a random token; the table holds only
its SHA-256, so reading the table opens no session. Sessions end on logout, after an idle
period, at a maximum age, or when the user is disabled."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from store.db import Executor

COOKIE = "saikoku_session"

# A session is live while it is not ended (logout), not past its maximum age, used within the
# idle limit ($1) and its user is not disabled: `s` a web_sessions row, `u` its user.
LIVE = """
    s.ended_at is null and s.expires_at > now() and s.last_seen_at > now() - $1::interval
    and u.tenant_id = s.tenant_id and u.id = s.user_id and u.disabled_at is null
"""


@dataclass(frozen=True)
class SessionUser:
    tenant_id: UUID
    user_id: UUID
    login: str
    display_name: str
    role: str
    csrf_token: str
    phone_endpoint: str | None
    # The session's key in web_sessions (the token's hash): what a desktop socket is tied to.
    session_key: bytes


@dataclass(frozen=True)
class Live:
    """Of the sessions and users asked about: the sessions still live, and the users who
    still have a live session (any of theirs)."""

    sessions: frozenset[bytes]
    users: frozenset[UUID]


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(
    conn: Executor, tenant_id: UUID, user_id: UUID, client_addr: str | None, max_age: timedelta
) -> tuple[str, str]:
    """A new session for a user whose password was just checked: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await conn.execute(
        "insert into web_sessions (token_hash, tenant_id, user_id, csrf_token, expires_at,"
        " client_addr) values ($1, $2, $3, $4, now() + $5, $6::inet)",
        _hash(token),
        tenant_id,
        user_id,
        csrf,
        max_age,
        client_addr,
    )
    return token, csrf


async def resume(conn: Executor, token: str, idle: timedelta) -> SessionUser | None:
    """The session's user if the session is still good, touching its last-seen time."""
    row = await conn.fetchrow(
        f"""
        update web_sessions s set last_seen_at = now()
        from users u
        where s.token_hash = $2 and {LIVE}
        returning s.tenant_id, s.user_id, u.login_id, u.display_name, u.role, s.csrf_token,
                  u.phone_endpoint, s.token_hash
        """,
        idle,
        _hash(token),
    )
    if row is None:
        return None
    return SessionUser(
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        login=row["login_id"],
        display_name=row["display_name"],
        role=row["role"],
        csrf_token=row["csrf_token"],
        phone_endpoint=row["phone_endpoint"],
        session_key=row["token_hash"],
    )


async def still_live(
    conn: Executor, session_keys: Collection[bytes], user_ids: Collection[UUID], idle: timedelta
) -> Live:
    """Which of these sessions are still live and which of these users still have a live
    session, in one query: how the service finds the desktops whose session ended elsewhere
    (logout, idle, maximum age, `saikoku users disable` in another process)."""
    rows = await conn.fetch(
        f"""
        select s.token_hash, s.user_id from web_sessions s, users u
         where (s.token_hash = any($2::bytea[]) or s.user_id = any($3::uuid[])) and {LIVE}
        """,
        idle,
        list(session_keys),
        list(user_ids),
    )
    return Live(
        sessions=frozenset(r["token_hash"] for r in rows) & frozenset(session_keys),
        users=frozenset(r["user_id"] for r in rows) & frozenset(user_ids),
    )


async def keep_alive(conn: Executor, session_keys: Collection[bytes]) -> None:
    """Count these sessions as in use now (an operator on a call makes no requests, yet is
    not idle). Only the idle clock: an ended, disabled or too old session stays over."""
    if session_keys:
        await conn.execute(
            "update web_sessions set last_seen_at = now()"
            " where token_hash = any($1::bytea[]) and ended_at is null",
            list(session_keys),
        )


async def end(conn: Executor, token: str) -> None:
    await conn.execute(
        "update web_sessions set ended_at = now() where token_hash = $1 and ended_at is null",
        _hash(token),
    )
