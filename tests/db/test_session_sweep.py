"""The query behind the desktop sweep (store/sessions.py `still_live`), on real PostgreSQL:
which sessions are over — logged out, idle, past their age, the account disabled — and which
users have no live session left."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from store import accounts, audit, logins, sessions

IDLE = timedelta(minutes=30)


async def user_with_sessions(
    pool: asyncpg.Pool, tenant_id: uuid.UUID, login: str, count: int = 1
) -> tuple[uuid.UUID, list[str]]:
    user_id = await accounts.add_user(
        pool, tenant_id, login, name=login, role="operator", password_hash="x"
    )
    tokens = [
        (await sessions.open_session(pool, tenant_id, user_id, None, timedelta(hours=12)))[0]
        for _ in range(count)
    ]
    return user_id, tokens


async def key_of(pool: asyncpg.Pool, token: str) -> bytes:
    user = await sessions.resume(pool, token, IDLE)
    assert user is not None
    return user.session_key


async def test_sessions_over_and_users_left_without_one(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    working, [working_token] = await user_with_sessions(pool, tenant_id, "working")
    logged_out, [out_token] = await user_with_sessions(pool, tenant_id, "logged_out")
    idle, [idle_token] = await user_with_sessions(pool, tenant_id, "idle")
    aged, [aged_token] = await user_with_sessions(pool, tenant_id, "aged")
    disabled, [disabled_token] = await user_with_sessions(pool, tenant_id, "disabled")
    # Logged out in one browser, still working in another.
    two_browsers, [ended_token, other_token] = await user_with_sessions(
        pool, tenant_id, "two_browsers", count=2
    )
    tokens = [working_token, out_token, idle_token, aged_token, disabled_token]
    keys = {token: await key_of(pool, token) for token in [*tokens, ended_token, other_token]}

    async with pool.acquire() as conn:
        for user_id, token in ((logged_out, out_token), (two_browsers, ended_token)):
            await logins.log_out(conn, token, audit.Actor(tenant_id, user_id, "x"))
        await accounts.disable_user(conn, tenant_id, "disabled")
    await pool.execute(
        "update web_sessions set last_seen_at = now() - interval '31 minutes'"
        " where token_hash = $1",
        keys[idle_token],
    )
    await pool.execute(
        "update web_sessions set expires_at = now() - interval '1 second' where token_hash = $1",
        keys[aged_token],
    )

    users = {working, logged_out, idle, aged, disabled, two_browsers}
    live = await sessions.still_live(pool, set(keys.values()), users, IDLE)
    assert live.sessions == {keys[working_token], keys[other_token]}
    assert live.users == {working, two_browsers}


async def test_only_what_was_asked_about_is_answered(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    asked, [asked_token] = await user_with_sessions(pool, tenant_id, "asked")
    other, [other_token] = await user_with_sessions(pool, tenant_id, "other")
    key = await key_of(pool, asked_token)
    await key_of(pool, other_token)
    live = await sessions.still_live(pool, {key}, set(), IDLE)
    assert live == sessions.Live(frozenset({key}), frozenset())
    live = await sessions.still_live(pool, set(), {other}, IDLE)
    assert live == sessions.Live(frozenset(), frozenset({other}))
    assert asked not in live.users
    assert await sessions.still_live(pool, set(), set(), IDLE) == sessions.Live(
        frozenset(), frozenset()
    )


async def test_a_session_on_a_call_is_kept_alive_but_an_ended_one_is_not(
    pool: asyncpg.Pool, tenant_id: uuid.UUID
) -> None:
    # An operator talks for longer than the idle limit without touching the page.
    on_call, [call_token] = await user_with_sessions(pool, tenant_id, "on_call")
    gone, [gone_token] = await user_with_sessions(pool, tenant_id, "gone")
    call_key, gone_key = await key_of(pool, call_token), await key_of(pool, gone_token)
    await pool.execute(
        "update web_sessions set last_seen_at = now() - interval '31 minutes'"
        " where token_hash = any($1::bytea[])",
        [call_key, gone_key],
    )
    async with pool.acquire() as conn:
        await logins.log_out(conn, gone_token, audit.Actor(tenant_id, gone, "x"))
    await sessions.keep_alive(pool, {call_key, gone_key})
    live = await sessions.still_live(pool, {call_key, gone_key}, {on_call, gone}, IDLE)
    assert live.sessions == {call_key} and live.users == {on_call}
