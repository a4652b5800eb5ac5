"""How values are written on a letter: Japanese-era and Gregorian dates, yen, tax names,
installment labels, postal codes. Pure functions, no I/O."""

from __future__ import annotations

from datetime import date

from campaigns.linkage.values import era_of

TAX_NAMES = {
    "resident": "特別区民税・都民税",
    "light_vehicle": "軽自動車税（種別割）",
}


def _era_year(day: date) -> str:
    era, year = era_of(day)
    return f"{era}{'元' if year == 1 else year}年"


def era_date(day: date) -> str:
    """令和8年11月26日 (令和元年5月1日 for the first year)."""
    return f"{_era_year(day)}{day.month}月{day.day}日"


def both_dates(day: date) -> str:
    """令和8年11月26日（2026年11月26日）: the era for the reader, the Gregorian date beside."""
    return f"{era_date(day)}（{day.year}年{day.month}月{day.day}日）"


def fiscal_year(year: int) -> str:
    """令和8年度. A fiscal year is named by the era of its April–December part, so FY2019,
    which began under 平成, is 令和元年度 by custom."""
    return f"{_era_year(date(year, 12, 31))}度"


def installment(number: int) -> str:
    return "随時" if number == 0 else f"第{number}期"


def yen(amount: int) -> str:
    return f"{amount:,}円"


def postal_code(code: str) -> str:
    return f"〒{code[:3]}-{code[3:]}"
