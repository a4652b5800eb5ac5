"""Passwords are checked in worker threads of their own, never more than the bound at once."""

from __future__ import annotations

import asyncio
import threading

from store.passwords import PasswordChecker, hash_password


async def test_checks_run_in_threads_at_most_the_bound_at_once() -> None:
    loop_thread = threading.get_ident()
    running, peak = 0, 0
    count = threading.Lock()
    # Two checks must be inside at the same time to pass this (a bound of one would break it).
    pair = threading.Barrier(2, timeout=10)

    def check(_stored: str | None, password: str) -> bool:
        nonlocal running, peak
        assert threading.get_ident() != loop_thread
        with count:
            running += 1
            peak = max(peak, running)
        pair.wait()
        with count:
            running -= 1
        return password == "right"

    checker = PasswordChecker(2, verify=check)
    try:
        results = await asyncio.gather(*(checker.verify("h", p) for p in ["right", "wrong"] * 3))
    finally:
        checker.close()
    assert results == [True, False] * 3
    assert peak == 2


async def test_the_real_check() -> None:
    checker = PasswordChecker(1)
    stored = hash_password("correct-horse-battery")
    try:
        assert await checker.verify(stored, "correct-horse-battery")
        assert not await checker.verify(stored, "wrong-horse-battery")
        assert not await checker.verify(None, "correct-horse-battery")
    finally:
        checker.close()
