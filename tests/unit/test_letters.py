"""Reminder letters: wording, line breaking, and the page itself (no database; who gets one
is decided in SQL: tests/db/test_letter_recipients.py)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date

import pytest
from pypdf import PdfReader

from campaigns.letters import wording
from campaigns.letters.batch import pay_by
from campaigns.letters.content import Due, Letter, Sender
from campaigns.letters.fonts import MINCHO, register_fonts, width
from campaigns.letters.page import MAX_ROWS, Issue, table_rows
from campaigns.letters.pdf import render
from campaigns.letters.textfit import wrap

ISSUE = Issue(
    "0a1b2c3d",
    date(2026, 11, 26),
    date(2026, 12, 10),
    Sender("さいこく区役所", "税務課 納税係", "03-0000-0000", "平日 8:30〜17:15"),
)


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2026, 11, 26), "令和8年11月26日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_era_dates(day: date, written: str) -> None:
    assert wording.era_date(day) == written


def test_fiscal_years_installments_yen_and_postal_codes() -> None:
    assert wording.fiscal_year(2026) == "令和8年度"
    assert wording.fiscal_year(2019) == "令和元年度"  # began under 平成, named 令和 by custom
    assert wording.fiscal_year(2018) == "平成30年度"
    assert wording.both_dates(date(2026, 12, 10)) == "令和8年12月10日（2026年12月10日）"
    assert (wording.installment(0), wording.installment(3)) == ("随時", "第3期")
    assert wording.yen(1234567) == "1,234,567円"
    assert wording.postal_code("1900012") == "〒190-0012"


@pytest.mark.parametrize(
    ("issued", "due"),
    [
        (date(2026, 11, 26), date(2026, 12, 10)),  # Thursday + 14 days: a Thursday
        (date(2026, 11, 28), date(2026, 12, 14)),  # lands on a Saturday: the Monday after
        (date(2026, 12, 17), date(2027, 1, 4)),  # lands in the year-end closure
        (date(2027, 4, 21), date(2027, 5, 6)),  # lands in Golden Week
    ],
)
def test_pay_by_is_two_weeks_on_to_an_open_day(issued: date, due: date) -> None:
    assert pay_by(issued) == due


def test_lines_break_between_characters_but_not_inside_numbers_or_before_punctuation() -> None:
    register_fonts()
    text = "お手元の納付書で、令和8年12月10日までに納付してください。電話 03-1234-5678 へ。" * 3
    lines = wrap(text, MINCHO, 10, 120)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert all(not line.startswith(("、", "。")) for line in lines)
    assert all("03-1234-5678" in line or "5678" not in line for line in lines)
    assert all(width(line, MINCHO, 10) <= 120 + width("。", MINCHO, 10) for line in lines)
    assert wrap("東京都さいこく区本町一丁目2番3号 グリーンハイツ101号", MINCHO, 10, 200) == [
        "東京都さいこく区本町一丁目2番3号",
        "グリーンハイツ101号",
    ]


def dues(n: int) -> tuple[Due, ...]:
    return tuple(
        Due(
            uuid.UUID(int=i),
            "resident",
            2020 + i // 4,
            i % 4 + 1,
            date(2020 + i // 4, 6, 30),
            1000 * (i + 1),
        )
        for i in range(n)
    )


def test_the_table_keeps_the_oldest_rows_and_sums_the_rest() -> None:
    assert table_rows(dues(MAX_ROWS)).shown == dues(MAX_ROWS)
    rows = table_rows(dues(25))
    assert rows.shown == dues(MAX_ROWS - 1)
    assert rows.hidden == 25 - (MAX_ROWS - 1)
    assert sum(d.owed for d in rows.shown) + rows.hidden_owed == sum(d.owed for d in dues(25))


def letter(n_dues: int, number: str = "1001") -> Letter:
    return Letter(
        uuid.uuid4(),
        number,
        "佐藤 花子",
        "佐藤 花子",
        "1900012",
        "東京都さいこく区朝日が丘一丁目9番地7 グリーンハイツ908号",
        dues(n_dues),
    )


def test_every_letter_is_one_page_even_with_many_installments() -> None:
    letters = [letter(1, "1001"), letter(25, "1002"), letter(MAX_ROWS, "1003")]
    pdf, placed = render(letters, ISSUE)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 3
    assert [(p.sequence, p.page_from, p.page_to) for p in placed] == [
        (1, 1, 1),
        (2, 2, 2),
        (3, 3, 3),
    ]
    long = pages[1].extract_text()
    assert f"他 {25 - MAX_ROWS + 1} 件" in long and wording.yen(letters[1].total) in long
    assert "0a1b2c3d-00002" in long and "1002" in long
    assert not re.search(r"他 \d+ 件", pages[2].extract_text())


def test_the_same_letters_give_the_same_bytes() -> None:
    letters = [letter(3), letter(12, "1002")]
    assert render(letters, ISSUE)[0] == render(letters, ISSUE)[0]
    assert render(letters, ISSUE)[0] != render(letters[:1], ISSUE)[0]
