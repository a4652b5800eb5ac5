"""Password hashing (Argon2id). Only hashes are stored; verification is constant-time, and
the service's verifications run in a few worker threads of their own (`PasswordChecker`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verifying against this when the login id is unknown keeps the timing of "no such user"
# the same as "wrong password", so the form does not reveal which login ids exist.
_DUMMY_HASH = _hasher.hash("saikoku-no-such-user")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class PasswordChecker:
    """Verifies passwords in its own `concurrency` worker threads. Argon2 is meant to be slow
    (hundreds of milliseconds of CPU each): on the event loop, a flood of logins would freeze
    screen-pops and the dialer; in unbounded threads, it would take every core."""

    def __init__(
        self,
        concurrency: int,
        verify: Callable[[str | None, str], bool] = verify_password,
    ) -> None:
        self._workers = ThreadPoolExecutor(concurrency, thread_name_prefix="password-check")
        self._verify = verify

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self._verify, stored_hash, password)

    def close(self) -> None:
        self._workers.shutdown(cancel_futures=True)
