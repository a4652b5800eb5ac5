"""The operator state machine (dialer/operators.py): whose card an operator may see. Only the
person of the call they are on or wrapping up — nothing of a call outlives its wrap-up."""

from __future__ import annotations

import uuid

import pytest

from dialer.operators import OperatorDesk, OperatorState

TENANT = uuid.uuid4()


def desk_with_ready_operator() -> tuple[OperatorDesk, uuid.UUID]:
    desk = OperatorDesk()
    user = uuid.uuid4()
    desk.sign_in(user, TENANT, "op001", now=0.0)
    desk.line_up(user, "opline-1", "opbridge-1", now=1.0)
    return desk, user


def operator_on_call() -> tuple[OperatorDesk, uuid.UUID, uuid.UUID]:
    """An operator who took a call and is wrapping it up."""
    desk, user = desk_with_ready_operator()
    call = uuid.uuid4()
    assert desk.take_longest_ready(TENANT, call, now=2.0) is not None
    desk.call_ended(call, now=3.0)
    return desk, user, call


def card_of(desk: OperatorDesk, user: uuid.UUID) -> uuid.UUID | None:
    operator = desk.get(user)
    assert operator is not None
    return operator.card_attempt_id


def test_no_card_before_any_call() -> None:
    desk, user = desk_with_ready_operator()
    assert card_of(desk, user) is None


def test_the_card_is_the_call_while_talking_and_in_its_wrap_up() -> None:
    desk, user = desk_with_ready_operator()
    call = uuid.uuid4()
    desk.take_longest_ready(TENANT, call, now=2.0)
    assert card_of(desk, user) == call
    desk.call_ended(call, now=3.0)
    operator = desk.get(user)
    assert operator is not None and operator.state is OperatorState.WRAP_UP
    assert card_of(desk, user) == call


@pytest.mark.parametrize("ready", [True, False], ids=["ready", "paused"])
def test_ending_the_wrap_up_ends_the_card(ready: bool) -> None:
    desk, user, _ = operator_on_call()
    desk.set_ready(user, ready, now=4.0)
    assert card_of(desk, user) is None


def test_the_line_going_down_ends_the_card() -> None:
    desk, user, _ = operator_on_call()
    desk.line_down(user, now=4.0, reason="signed out")
    assert card_of(desk, user) is None
    # Signed in again, still nothing of the old call.
    desk.sign_in(user, TENANT, "op001", now=5.0)
    desk.line_up(user, "opline-2", "opbridge-1", now=6.0)
    assert card_of(desk, user) is None


def test_the_next_call_replaces_the_card() -> None:
    desk, user, first = operator_on_call()
    desk.set_ready(user, True, now=4.0)
    second = uuid.uuid4()
    desk.take_longest_ready(TENANT, second, now=5.0)
    assert card_of(desk, user) == second != first


def test_a_preview_call_nobody_answered_leaves_no_card() -> None:
    desk, user = desk_with_ready_operator()
    call = uuid.uuid4()
    desk.reserve(user, call, now=2.0)
    assert card_of(desk, user) == call
    desk.unanswered(call, now=3.0)
    assert card_of(desk, user) is None


def test_the_wrap_up_limit_moving_the_operator_on_ends_the_card() -> None:
    desk, user, _ = operator_on_call()
    desk.set_ready(user, True, now=200.0, reason="wrap-up time ran out")
    assert card_of(desk, user) is None
