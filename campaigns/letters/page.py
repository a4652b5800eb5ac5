"""One reminder letter (催告書 / 納付のお願い) drawn on one A4 page.

Coordinates are millimetres from the sheet's top-left corner. The page never grows: the
table shows at most MAX_ROWS lines, so a letter always fits one sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from campaigns.letters import wording
from campaigns.letters.content import Due, Letter, Sender
from campaigns.letters.fonts import GOTHIC, MINCHO
from campaigns.letters.textfit import fit, wrap

PAGE_HEIGHT_MM = A4[1] / mm
LEFT, RIGHT = 20.0, 190.0  # text margins

# Window envelope 長3 (120 × 235 mm), read lengthways: the window is 90 × 45 mm, 23 mm from
# the left edge and 13 mm from the top. The A4 sheet folded in three (210 × 99 mm, address
# panel outwards) rests against the envelope's top-left corner, so the window shows the sheet
# from 23 to 113 mm across and 13 to 58 mm down. The address keeps 2 mm clear of the window's
# edges and stops at 50 mm: a sheet that slips up to 8 mm down still shows all of it.
ADDRESS_X, ADDRESS_TOP, ADDRESS_WIDTH, ADDRESS_BOTTOM = 25.0, 15.0, 80.0, 50.0

MAX_ROWS = 10  # table lines, including the 他 N 件 line


@dataclass(frozen=True)
class Issue:
    """What every letter of one batch shares."""

    batch_ref: str  # short batch id; a letter's reference adds its sequence
    issued_on: date
    pay_by: date
    sender: Sender

    def reference(self, sequence: int) -> str:
        return f"{self.batch_ref}-{sequence:05d}"


@dataclass(frozen=True)
class Rows:
    shown: tuple[Due, ...]
    hidden: int  # installments summed in the 他 N 件 line
    hidden_owed: int


def table_rows(dues: tuple[Due, ...], max_rows: int = MAX_ROWS) -> Rows:
    """All installments when they fit, else the oldest (most overdue) and one 他 N 件 line
    with the rest, so the total still adds up on the page."""
    if len(dues) <= max_rows:
        return Rows(dues, 0, 0)
    rest = dues[max_rows - 1 :]
    return Rows(dues[: max_rows - 1], len(rest), sum(d.owed for d in rest))


class _Pen:
    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas

    def text(self, x: float, y: float, s: str, font: str, size: float, align: str = "left") -> None:
        self.c.setFont(font, size)
        base = (PAGE_HEIGHT_MM - y) * mm
        if align == "right":
            self.c.drawRightString(x * mm, base, s)
        elif align == "center":
            self.c.drawCentredString(x * mm, base, s)
        else:
            self.c.drawString(x * mm, base, s)

    def line(self, x1: float, y1: float, x2: float, y2: float, weight: float = 0.5) -> None:
        self.c.setLineWidth(weight)
        self.c.line(x1 * mm, (PAGE_HEIGHT_MM - y1) * mm, x2 * mm, (PAGE_HEIGHT_MM - y2) * mm)

    def box(self, x: float, y: float, w: float, h: float, fill: float | None = None) -> None:
        if fill is not None:
            self.c.setFillGray(fill)
        self.c.rect(
            x * mm,
            (PAGE_HEIGHT_MM - y - h) * mm,
            w * mm,
            h * mm,
            stroke=1,
            fill=int(fill is not None),
        )
        self.c.setFillGray(0)

    def paragraph(
        self, x: float, y: float, w: float, s: str, font: str, size: float, leading: float
    ) -> float:
        """Wrapped text whose first baseline is y; returns the next free baseline."""
        for line in wrap(s, font, size, w * mm):
            self.text(x, y, line, font, size)
            y += leading
        return y


def draw_letter(canvas: Canvas, letter: Letter, sequence: int, issue: Issue) -> None:
    pen = _Pen(canvas)
    _address(pen, letter, issue.reference(sequence))
    _date_and_sender(pen, letter, issue)
    y = _title_and_greeting(pen, letter, issue)
    y = _dues(pen, letter, y)
    y = _pay_by(pen, issue, y)
    _how_to_pay(pen, y)
    _contact(pen, letter, issue)


def _address(pen: _Pen, letter: Letter, reference: str) -> None:
    pen.text(ADDRESS_X, ADDRESS_TOP + 4, wording.postal_code(letter.postal_code), GOTHIC, 10.5)
    size, lines = fit(letter.address, MINCHO, 10.5, ADDRESS_WIDTH * mm, 3, 8)
    y = ADDRESS_TOP + 10
    for line in lines:
        pen.text(ADDRESS_X, y, line, MINCHO, size)
        y += size * 0.45
    size, lines = fit(f"{letter.addressee}　様", MINCHO, 14, (ADDRESS_WIDTH - 3) * mm, 1, 9)
    y += 4
    for line in lines:
        pen.text(ADDRESS_X + 3, y, line, MINCHO, size)
        y += size * 0.45
    # Below the name even when a very long address and name push it down.
    pen.text(ADDRESS_X, max(ADDRESS_BOTTOM - 1, y + 2), f"整理番号 {reference}", GOTHIC, 7)


def _date_and_sender(pen: _Pen, letter: Letter, issue: Issue) -> None:
    pen.text(RIGHT, 20, wording.both_dates(issue.issued_on), MINCHO, 10, "right")
    pen.text(RIGHT, 26, f"宛名番号 {letter.resident_number}", GOTHIC, 9, "right")
    pen.text(RIGHT, 38, issue.sender.office, MINCHO, 11, "right")
    pen.text(RIGHT, 44, issue.sender.division, MINCHO, 11, "right")


def _title_and_greeting(pen: _Pen, letter: Letter, issue: Issue) -> float:
    pen.text(105, 68, "催　告　書", GOTHIC, 22, "center")
    pen.text(105, 76, "― 納付のお願い ―", GOTHIC, 12, "center")
    pen.text(LEFT, 88, f"{letter.taxpayer}　様", MINCHO, 12)
    body = (
        "日頃より区政にご理解とご協力をいただき、ありがとうございます。"
        "下記の税金について、納期限を過ぎてもお支払いを確認できておりません。"
        f"お手元の納付書で、{wording.era_date(issue.pay_by)}までに納付してください。"
        "本書と行き違いに納付された場合は、ご容赦ください。"
    )
    return pen.paragraph(LEFT, 96, RIGHT - LEFT, body, MINCHO, 10, 5.6)


# Table columns: left edges, and the right edge of the amount column.
_COLS = (LEFT, 70.0, 100.0, 122.0, 156.0)
_ROW = 6.5


def _dues(pen: _Pen, letter: Letter, y: float) -> float:
    top = y + 1
    pen.box(LEFT, top, RIGHT - LEFT, _ROW, fill=0.88)
    for x, head in zip(_COLS, ("税目", "年度", "期別", "納期限", "未納額"), strict=True):
        pen.text(x + 2, top + 4.6, head, GOTHIC, 9.5)
    rows = table_rows(letter.dues)
    y = top + _ROW
    for due in rows.shown:
        pen.text(
            _COLS[0] + 2, y + 4.6, wording.TAX_NAMES.get(due.tax_type, due.tax_type), MINCHO, 9.5
        )
        pen.text(_COLS[1] + 2, y + 4.6, wording.fiscal_year(due.fiscal_year), MINCHO, 9.5)
        pen.text(_COLS[2] + 2, y + 4.6, wording.installment(due.installment_no), MINCHO, 9.5)
        due_text = wording.era_date(due.due_date) if due.due_date else "―"
        pen.text(_COLS[3] + 2, y + 4.6, due_text, MINCHO, 9.5)
        pen.text(RIGHT - 2, y + 4.6, wording.yen(due.owed), GOTHIC, 9.5, "right")
        y += _ROW
        pen.line(LEFT, y, RIGHT, y, 0.3)
    if rows.hidden:
        pen.text(_COLS[0] + 2, y + 4.6, f"他 {rows.hidden} 件（納期限の新しいもの）", MINCHO, 9.5)
        pen.text(RIGHT - 2, y + 4.6, wording.yen(rows.hidden_owed), GOTHIC, 9.5, "right")
        y += _ROW
    pen.box(LEFT, y, RIGHT - LEFT, _ROW, fill=0.95)
    pen.text(_COLS[3] + 2, y + 4.6, "合計", GOTHIC, 10)
    pen.text(RIGHT - 2, y + 4.6, wording.yen(letter.total), GOTHIC, 10.5, "right")
    y += _ROW
    pen.box(LEFT, top, RIGHT - LEFT, y - top)
    for x in _COLS[1:]:
        pen.line(x, top, x, y - _ROW, 0.3)
    note = (
        "※ 未納額は、本税と確定した延滞金のうち未納の額です。"
        "納付の日までの延滞金が別にかかる場合があります。"
    )
    return pen.paragraph(LEFT, y + 4.5, RIGHT - LEFT, note, MINCHO, 8, 4)


def _pay_by(pen: _Pen, issue: Issue, y: float) -> float:
    pen.box(LEFT, y, RIGHT - LEFT, 8)
    pen.text(105, y + 5.6, f"納付期限　{wording.both_dates(issue.pay_by)}", GOTHIC, 11, "center")
    return y + 15


def _how_to_pay(pen: _Pen, y: float) -> None:
    pen.text(LEFT, y, "■ お支払いの方法とご案内", GOTHIC, 10.5)
    y += 6.5
    items = (
        (
            "納付書で",
            "お手元の納付書で、金融機関、コンビニエンスストア、区役所の窓口でお支払いください。",
        ),
        (
            "納付書の再発行",
            "納付書をなくされた、または使用期限が過ぎている場合は再発行します。"
            "下記の納税コールセンターへお電話ください。",
        ),
        (
            "口座振替のおすすめ",
            "次回からは、納め忘れのない口座振替が便利です。口座振替依頼書を"
            "お送りしますので、お申し出ください。",
        ),
        ("ご相談", "病気や失業などで納付が難しい方は、お早めにご相談ください。"),
    )
    for head, text in items:
        pen.text(LEFT + 2, y, f"・{head}", GOTHIC, 9.5)
        y = pen.paragraph(LEFT + 40, y, RIGHT - LEFT - 40, text, MINCHO, 9.5, 4.8) + 1.5


def _contact(pen: _Pen, letter: Letter, issue: Issue) -> None:
    top = 262.0
    pen.box(LEFT, top, RIGHT - LEFT, 22)
    pen.text(LEFT + 3, top + 6, "お問い合わせ先", GOTHIC, 9.5)
    pen.text(LEFT + 30, top + 6, f"{issue.sender.office}　{issue.sender.division}", MINCHO, 9.5)
    pen.text(LEFT + 30, top + 12.5, f"納税コールセンター　電話 {issue.sender.phone}", GOTHIC, 12)
    pen.text(
        LEFT + 30,
        top + 18,
        f"受付 {issue.sender.hours}　お電話の際は宛名番号 {letter.resident_number}"
        " をお伝えください。",
        MINCHO,
        8.5,
    )
