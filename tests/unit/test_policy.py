"""Contact policy edge cases, with a pinned clock (Asia/Tokyo)."""

from datetime import date, datetime, timedelta

import pytest

from campaigns.policy import (
    ContactPolicy,
    DayType,
    PastAttempt,
    best_hours,
    closes_in,
    day_type,
    may_call,
    next_call_time,
)
from saikoku.core.tokyo import TOKYO

POLICY = ContactPolicy()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), DayType.WEEKDAY),  # Thursday
        (date(2026, 11, 28), DayType.SATURDAY),
        (date(2026, 11, 29), DayType.SUNDAY),
        (date(2026, 11, 23), DayType.HOLIDAY),  # 勤労感謝の日 (a Monday)
        (date(2026, 9, 22), DayType.HOLIDAY),  # 国民の休日 between two holidays
        (date(2026, 5, 6), DayType.HOLIDAY),  # 振替休日
        (date(2026, 12, 28), DayType.WEEKDAY),  # last working day of the year
        (date(2026, 12, 29), DayType.YEAR_END),
        (date(2027, 1, 3), DayType.YEAR_END),
        (date(2027, 1, 4), DayType.WEEKDAY),
        (date(2027, 1, 1), DayType.YEAR_END),  # also a holiday: the closure wins
    ],
)
def test_day_types(day: date, expected: DayType) -> None:
    assert day_type(day) is expected


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        ("2026-11-26 08:59", False),
        ("2026-11-26 09:00", True),
        ("2026-11-26 19:59", True),
        ("2026-11-26 20:00", False),
        ("2026-11-28 09:30", False),
        ("2026-11-28 10:00", True),
        ("2026-11-28 17:00", False),
        ("2026-11-29 12:00", False),  # Sunday
        ("2026-11-23 12:00", False),  # holiday
        ("2026-12-30 12:00", False),  # year-end closure
    ],
)
def test_calling_window_edges(moment: str, allowed: bool) -> None:
    decision = may_call(POLICY, "mobile", [], at(moment))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason == "outside_calling_window" and not decision.final


def test_window_is_judged_in_tokyo_whatever_the_clock_zone() -> None:
    utc_midnight = datetime.fromisoformat("2026-11-26T00:30:00+00:00")  # 09:30 in Tokyo
    assert may_call(POLICY, "landline", [], utc_midnight).allowed


def test_daily_and_total_attempt_caps() -> None:
    day = [PastAttempt(at(f"2026-11-26 {h:02d}:00"), "no_answer") for h in (9, 12)]
    assert may_call(POLICY, "mobile", day, at("2026-11-26 15:30")).allowed
    three = [*day, PastAttempt(at("2026-11-26 15:30"), "no_answer")]
    assert may_call(POLICY, "mobile", three, at("2026-11-26 19:30")).reason == "daily_limit"
    assert may_call(POLICY, "mobile", three, at("2026-11-27 09:00")).allowed
    many = [
        PastAttempt(at("2026-11-01 10:00") + timedelta(days=i), "no_answer")
        for i in range(POLICY.max_attempts_total)
    ]
    decision = may_call(POLICY, "mobile", many, at("2026-11-26 10:00"))
    assert (decision.reason, decision.final) == ("attempt_limit", True)


def test_abandoned_person_is_not_redialled_for_72_hours() -> None:
    abandoned = [PastAttempt(at("2026-11-24 10:00"), "abandoned", human_answered=True)]
    assert may_call(POLICY, "mobile", abandoned, at("2026-11-27 09:59")).reason == "abandoned_72h"
    assert may_call(POLICY, "mobile", abandoned, at("2026-11-27 10:00")).allowed


def test_retry_spacing_per_outcome() -> None:
    busy = [PastAttempt(at("2026-11-26 10:00"), "busy")]
    assert not may_call(POLICY, "mobile", busy, at("2026-11-26 10:09")).allowed
    assert may_call(POLICY, "mobile", busy, at("2026-11-26 10:10")).allowed
    no_answer = [PastAttempt(at("2026-11-26 10:00"), "no_answer")]
    assert may_call(POLICY, "mobile", no_answer, at("2026-11-26 12:59")).reason == (
        "retry_spacing_no_answer"
    )
    assert may_call(POLICY, "mobile", no_answer, at("2026-11-26 13:00")).allowed
    machine = [PastAttempt(at("2026-11-26 10:00"), "answered", machine=True)]
    assert may_call(POLICY, "mobile", machine, at("2026-11-26 19:00")).reason == (
        "machine_next_day"
    )
    assert may_call(POLICY, "mobile", machine, at("2026-11-27 10:00")).allowed


def test_invalid_number_is_never_called_again() -> None:
    invalid = [PastAttempt(at("2026-11-26 10:00"), "invalid_number")]
    decision = may_call(POLICY, "landline", invalid, at("2026-12-10 10:00"))
    assert (decision.allowed, decision.final) == (False, True)
    assert next_call_time(POLICY, "landline", invalid, at("2026-11-26 10:00")) is None


def test_next_call_time_skips_nights_weekends_holidays_and_year_end() -> None:
    # Friday evening after closing: Saturday opens at 10:00.
    assert next_call_time(POLICY, "mobile", [], at("2026-11-27 20:30")) == at("2026-11-28 10:00")
    # Saturday after 17:00, Sunday closed, Monday 11/30 09:00.
    assert next_call_time(POLICY, "mobile", [], at("2026-11-28 17:05")) == at("2026-11-30 09:00")
    # The year-end closure and New Year: next call on Monday 2027-01-04.
    assert next_call_time(POLICY, "mobile", [], at("2026-12-28 20:00")) == at("2027-01-04 09:00")


def test_next_call_time_prefers_the_hour_the_person_answered_before() -> None:
    history = [
        PastAttempt(at("2026-11-20 18:10"), "answered", human_answered=True),
        PastAttempt(at("2026-11-24 18:40"), "completed", human_answered=True),
        PastAttempt(at("2026-11-25 10:00"), "no_answer"),
    ]
    assert best_hours(history) == [18]
    assert next_call_time(POLICY, "mobile", history, at("2026-11-26 09:00")) == at(
        "2026-11-26 18:00"
    )


def test_work_and_unknown_numbers_follow_landline_hours() -> None:
    assert may_call(POLICY, "work", [], at("2026-11-26 09:00")).allowed
    assert not may_call(POLICY, "unknown", [], at("2026-11-29 12:00")).allowed


@pytest.mark.parametrize(
    ("moment", "seconds"),
    [
        ("2026-11-26 10:00:00", 10 * 3600.0),  # a weekday closes at 20:00
        ("2026-11-28 16:30:00", 1800.0),  # a Saturday at 17:00
        ("2026-11-26 20:00:00", None),  # closed
        ("2026-11-26 08:59:59", None),  # not open yet
        ("2026-11-29 12:00:00", None),  # Sunday: no window at all
    ],
)
def test_closes_in_the_open_window(moment: str, seconds: float | None) -> None:
    assert closes_in(POLICY, at(moment)) == seconds
