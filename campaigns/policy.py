"""Contact policy: when a person may be called. Pure code — every function takes `now` and
the person's past attempts as arguments, so planning, the dialer and the simulator all run
it at any speed and tests pin the clock.

Times are judged in Asia/Tokyo. Day types, most specific first: the year-end closure
(12/29–1/3, when the ward office is shut), public holidays (the `holidays` package's Japan
calendar, substitute and citizens' holidays included), Sunday, Saturday, weekday.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from saikoku.core.tokyo import TOKYO


class DayType(StrEnum):
    WEEKDAY = "weekday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"
    YEAR_END = "year_end"


@lru_cache(maxsize=64)
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def day_type(day: date) -> DayType:
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return DayType.YEAR_END
    if day in _japan_holidays(day.year):
        return DayType.HOLIDAY
    if day.weekday() == 6:
        return DayType.SUNDAY
    if day.weekday() == 5:
        return DayType.SATURDAY
    return DayType.WEEKDAY


@dataclass(frozen=True)
class Window:
    """Calls may start at `start` and before `end` (local time)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


def _windows(*spans: tuple[int, int]) -> tuple[Window, ...]:
    return tuple(Window(time(a), time(b)) for a, b in spans)


# Landlines are called in office hours (the household is home in the evening too); mobiles
# a little later into the evening but never early. Nobody on Sundays, holidays or year-end.
DEFAULT_WINDOWS: dict[DayType, dict[str, tuple[Window, ...]]] = {
    DayType.WEEKDAY: {"landline": _windows((9, 20)), "mobile": _windows((9, 20))},
    DayType.SATURDAY: {"landline": _windows((10, 17)), "mobile": _windows((10, 17))},
    DayType.SUNDAY: {},
    DayType.HOLIDAY: {},
    DayType.YEAR_END: {},
}

# How long to wait after each outcome before the next automatic attempt on the same person.
DEFAULT_RETRY_AFTER: dict[str, timedelta] = {
    "busy": timedelta(minutes=10),
    "no_answer": timedelta(hours=3),  # also moves the call to another part of the day
    "rejected": timedelta(days=1),
    "failed": timedelta(minutes=5),  # trunk or network trouble, not the person
    "unknown": timedelta(hours=1),
    "answered": timedelta(days=1),
    "completed": timedelta(days=1),
    "connected": timedelta(days=1),
}

# Outcomes that never allow another automatic call on that number.
NEVER_AGAIN = frozenset({"invalid_number"})


@dataclass(frozen=True)
class PastAttempt:
    at: datetime  # when the call was placed (timezone-aware)
    status: str  # call_attempts.status
    machine: bool = False  # AMD said MACHINE
    human_answered: bool = False


@dataclass(frozen=True)
class ContactPolicy:
    windows: Mapping[DayType, Mapping[str, tuple[Window, ...]]] = field(
        default_factory=lambda: DEFAULT_WINDOWS
    )
    retry_after: Mapping[str, timedelta] = field(default_factory=lambda: DEFAULT_RETRY_AFTER)
    max_attempts_per_day: int = 3
    max_attempts_total: int = 12
    # An answered person nobody was there to talk to is not called back automatically.
    abandoned_quiet: timedelta = timedelta(hours=72)

    def windows_for(self, day: date, phone_kind: str) -> tuple[Window, ...]:
        by_kind = self.windows.get(day_type(day), {})
        # A work or unknown number is called like a landline: office hours only.
        return by_kind.get(phone_kind) or by_kind.get("landline", ())


def closes_in(policy: ContactPolicy, now: datetime) -> float | None:
    """Seconds until the calling window open at `now` closes for every kind of number (the
    latest end among today's windows that contain `now`), or None when none is open."""
    local = now.astimezone(TOKYO)
    ends = [
        w.end
        for kind in ("landline", "mobile")
        for w in policy.windows_for(local.date(), kind)
        if w.contains(local.time())
    ]
    if not ends:
        return None
    end = datetime.combine(local.date(), max(ends), tzinfo=TOKYO)
    return (end - local).total_seconds()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a rule name, never personal data
    final: bool = False  # no later time will ever be allowed by this policy


ALLOWED = Decision(True, "allowed")


def may_call(
    policy: ContactPolicy, phone_kind: str, attempts: Sequence[PastAttempt], now: datetime
) -> Decision:
    """Whether an automatic call to this person on this number may start at `now`."""
    local = now.astimezone(TOKYO)
    if len(attempts) >= policy.max_attempts_total:
        return Decision(False, "attempt_limit", final=True)
    last = max(attempts, key=lambda a: a.at) if attempts else None
    if last is not None and last.status in NEVER_AGAIN:
        return Decision(False, "invalid_number", final=True)
    if not any(w.contains(local.time()) for w in policy.windows_for(local.date(), phone_kind)):
        return Decision(False, "outside_calling_window")
    today = sum(1 for a in attempts if a.at.astimezone(TOKYO).date() == local.date())
    if today >= policy.max_attempts_per_day:
        return Decision(False, "daily_limit")
    if last is None:
        return ALLOWED
    since = now - last.at
    if last.status == "abandoned" and since < policy.abandoned_quiet:
        return Decision(False, "abandoned_72h")
    if last.machine and last.at.astimezone(TOKYO).date() >= local.date():
        return Decision(False, "machine_next_day")
    if since < policy.retry_after.get(last.status, timedelta(0)):
        return Decision(False, f"retry_spacing_{last.status}")
    return ALLOWED


def best_hours(attempts: Sequence[PastAttempt]) -> list[int]:
    """Local hours at which this person answered in person before, most often first."""
    counts = Counter(a.at.astimezone(TOKYO).hour for a in attempts if a.human_answered)
    return [hour for hour, _ in counts.most_common()]


def next_call_time(
    policy: ContactPolicy,
    phone_kind: str,
    attempts: Sequence[PastAttempt],
    now: datetime,
    *,
    step: timedelta = timedelta(minutes=15),
    horizon: timedelta = timedelta(days=21),
) -> datetime | None:
    """The earliest moment from `now` an automatic call may start, preferring, on that
    first possible day, an hour at which the person answered before. None when the policy
    never allows another call (or not within the horizon)."""
    first_day: date | None = None
    first_slot: datetime | None = None
    preferred = set(best_hours(attempts))
    moment = now
    while moment <= now + horizon:
        decision = may_call(policy, phone_kind, attempts, moment)
        if decision.final:
            return None
        local = moment.astimezone(TOKYO)
        if first_day is not None and local.date() != first_day:
            return first_slot
        if decision.allowed:
            if first_slot is None:
                first_day, first_slot = local.date(), moment
                if not preferred:
                    return moment
            if local.hour in preferred:
                return moment
        moment = _next_on_grid(moment, step)
    return first_slot


def _next_on_grid(moment: datetime, step: timedelta) -> datetime:
    """The next instant after `moment` on the step grid (9:00, 9:15, …), so a search that
    starts at 10:07 still finds a window opening at 9:00 the next day."""
    seconds = step.total_seconds()
    elapsed = moment.timestamp() % seconds
    return moment + timedelta(seconds=seconds - elapsed)


def around_the_clock(**overrides: object) -> ContactPolicy:
    """Every day type and phone kind open all day: for the rig's tests and the demo, which
    must place calls whatever the hour (caps and spacing still apply)."""
    whole_day = (Window(time(0), time.max),)
    windows = {d: {"landline": whole_day, "mobile": whole_day} for d in DayType}
    return ContactPolicy(windows=windows, **overrides)  # type: ignore[arg-type]
