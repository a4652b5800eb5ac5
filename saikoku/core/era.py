"""The Japanese eras (元号) from 明治 on: the one table behind reading era dates (Python and
SQL import paths), writing them (letters, the synthetic ward) and naming fiscal years.

Each era's first day is the day its emperor's reign began; 明治, 大正 and 昭和 ended on the day
the next began (the emperor died that day), 平成 the day before 令和. 令和 has no end yet:
dates are accepted up to LAST_DAY."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

LAST_DAY = date(2200, 12, 31)


class Era(NamedTuple):
    name: str  # 令和
    letter: str  # R, as in R8.6.30
    first: date  # first day
    last: date  # last day, inclusive

    @property
    def year_before(self) -> int:
        """The Gregorian year before the era's first: era year n is year_before + n."""
        return self.first.year - 1


MEIJI = Era("明治", "M", date(1868, 1, 25), date(1912, 7, 30))
TAISHO = Era("大正", "T", date(1912, 7, 30), date(1926, 12, 25))
SHOWA = Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7))
HEISEI = Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30))
REIWA = Era("令和", "R", date(2019, 5, 1), LAST_DAY)

ERAS = (MEIJI, TAISHO, SHOWA, HEISEI, REIWA)  # oldest first


def era_of(day: date) -> tuple[Era, int] | None:
    """The era a date is written in and its year there: 2026-11-26 → (令和, 8). On the day an
    era began, the new one. None before 明治."""
    for era in reversed(ERAS):
        if era.first <= day:
            return era, day.year - era.year_before
    return None
