"""Token buckets and the login throttle on a hand-moved clock."""

from __future__ import annotations

import pytest

from saikoku.web.rate_limits import LoginThrottle, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_capacity_through_then_refills_at_its_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(3, 60.0, clock=clock)
    for _ in range(3):
        assert buckets.retry_after("a") == 0
        buckets.take("a")
    assert buckets.retry_after("a") == pytest.approx(20.0)  # one token every 20 s
    assert buckets.retry_after("b") == 0  # keys are apart
    clock.now += 15
    assert buckets.retry_after("a") == pytest.approx(5.0)
    clock.now += 5
    assert buckets.retry_after("a") == 0
    buckets.take("a")
    clock.now += 3600  # never more than the capacity, however long it waits
    for _ in range(3):
        buckets.take("a")
    assert buckets.retry_after("a") > 0


def test_given_back_tokens_never_exceed_the_capacity() -> None:
    clock = Clock()
    buckets = TokenBuckets(2, 60.0, clock=clock)
    buckets.give_back("a")
    buckets.take("a")
    buckets.give_back("a")
    buckets.take("a")
    buckets.take("a")
    assert buckets.retry_after("a") > 0


def test_only_the_first_refusal_in_a_row_is_news() -> None:
    clock = Clock()
    buckets = TokenBuckets(1, 60.0, clock=clock)
    buckets.take("a")
    assert buckets.refused("a") is True
    assert buckets.refused("a") is False
    clock.now += 60
    buckets.take("a")
    assert buckets.refused("a") is True


def test_the_key_table_stays_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(2, 60.0, clock=clock, max_keys=100)
    for n in range(1000):
        buckets.take(f"addr{n}")
        clock.now += 0.01
    assert len(buckets) <= 100
    # The newest keys are still limited.
    buckets.take("addr999")
    assert buckets.retry_after("addr999") > 0


def test_the_login_throttle_counts_failures_per_address_and_per_account() -> None:
    clock = Clock()
    throttle = LoginThrottle(TokenBuckets(3, 60.0, clock=clock), TokenBuckets(2, 60.0, clock=clock))
    ours = ("tax", "op1")
    # A successful login gives its attempt back: an office behind one address is not limited.
    for _ in range(10):
        assert throttle.admit("10.0.0.1", ours) == 0
        throttle.succeeded("10.0.0.1", ours)
    # Two failures on one account from anywhere, then that account waits…
    assert throttle.admit("10.0.0.1", ours) == 0
    assert throttle.admit("10.0.0.2", ours) == 0
    assert throttle.admit("10.0.0.3", ours) == pytest.approx(30.0)
    # …while another account from a fresh address does not; a refused attempt takes nothing.
    assert throttle.admit("10.0.0.3", ("tax", "op2")) == 0
    # Three failures from one address, then that address waits whatever it tries.
    assert throttle.admit("10.0.0.3", ("tax", "op3")) == 0
    assert throttle.admit("10.0.0.3", ("tax", "op4")) == 0
    assert throttle.admit("10.0.0.3", ("tax", "op5")) == pytest.approx(20.0)
