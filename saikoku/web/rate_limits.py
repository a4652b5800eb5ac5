"""In-process rate limits: token buckets by key, pure logic on an injected clock, and the
login throttle built on them. One process serves the ward, so its memory is the right place;
a restart forgets the counts, which only ever gives attempts back."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float  # when `tokens` was last brought up to date
    refused: bool = False  # refused since the key last got through


class TokenBuckets:
    """Per key, `capacity` attempts at once, then one more each `period_s / capacity`
    seconds. At most `max_keys` keys are kept: full buckets go first, then the oldest."""

    def __init__(
        self,
        capacity: int,
        period_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self._capacity = float(capacity)
        self._rate = capacity / period_s
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def retry_after(self, key: Hashable) -> float:
        """Seconds until an attempt may go ahead; 0 now."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = self._refilled(bucket)
        return 0.0 if tokens >= 1 else (1 - tokens) / self._rate

    def take(self, key: Hashable) -> None:
        bucket = self._bucket(key)
        bucket.tokens = self._refilled(bucket) - 1
        bucket.at = self._clock()
        bucket.refused = False

    def give_back(self, key: Hashable) -> None:
        bucket = self._bucket(key)
        bucket.tokens = min(self._capacity, self._refilled(bucket) + 1)
        bucket.at = self._clock()

    def refused(self, key: Hashable) -> bool:
        """Note an attempt refused; True for the first one since the key last got through."""
        bucket = self._bucket(key)
        first, bucket.refused = not bucket.refused, True
        return first

    def _refilled(self, bucket: _Bucket) -> float:
        return min(self._capacity, bucket.tokens + (self._clock() - bucket.at) * self._rate)

    def _bucket(self, key: Hashable) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._make_room()
            bucket = self._buckets[key] = _Bucket(self._capacity, self._clock())
        return bucket

    def _make_room(self) -> None:
        # A full bucket is the same as none. If too few are full, the oldest tenth goes, so
        # the table is scanned once per many new keys, not for each.
        for key in [k for k, b in self._buckets.items() if self._refilled(b) >= self._capacity]:
            del self._buckets[key]
        while len(self._buckets) >= self._max_keys * 0.9:
            del self._buckets[next(iter(self._buckets))]


class LoginThrottle:
    """Login attempts limited per client address and per account (tenant code, login id).
    Each attempt takes one from both; a successful login gives them back, so only failures
    add up and an office behind one address logs in freely. A refused attempt takes nothing,
    so waiting is enough to get through again."""

    def __init__(self, per_address: TokenBuckets, per_account: TokenBuckets) -> None:
        self._per_address = per_address
        self._per_account = per_account

    def admit(self, address: str, account: tuple[str, str]) -> float:
        """0 when the attempt may go ahead (and is counted); else seconds to wait."""
        wait = max(self._per_address.retry_after(address), self._per_account.retry_after(account))
        if wait == 0:
            self._per_address.take(address)
            self._per_account.take(account)
        return wait

    def succeeded(self, address: str, account: tuple[str, str]) -> None:
        self._per_address.give_back(address)
        self._per_account.give_back(account)

    def first_refusal(self, account: tuple[str, str]) -> bool:
        """Note a refused attempt on the account; True for the first since it last got through
        (one access-log row for a run of refusals, not one per request)."""
        return self._per_account.refused(account)
