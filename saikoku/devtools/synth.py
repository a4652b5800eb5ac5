"""A synthetic ward: export files in the interchange format, for tests, demos and load runs.

Every value is made up. Names are random pairs from lists of common Japanese surnames and
given names (saikoku.devtools.synth_data), addresses lie in a fictional ward (東京都さいこく区)
with fictional towns, phone numbers are random digits, companies and banks are invented.
No row describes a real person and no real personal data is read or written.

The files look like a real export of the delinquency-management system (滞納整理支援システム):
one CSV per entity of campaigns.linkage.spec, Japanese headers, and the mess real exports
carry — half-width katakana and hiragana readings, Japanese-era dates, full-width digits,
amounts with thousands separators, ▲ for minus, a few invalid phone numbers.

Output is a pure function of (people, seed, as_of): the people are cut into fixed chunks,
each chunk has its own random stream, and chunks are rendered (in parallel when there are
several) and written in order. Memory stays bounded by a few chunks, whatever the size.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import math
import multiprocessing
import os
import random
import threading
import unicodedata
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import BinaryIO, TypeVar

from campaigns.linkage.spec import ENTITIES, Entity
from saikoku.core.era import ERAS, HEISEI, REIWA, SHOWA
from saikoku.devtools import synth_data as data
from saikoku.devtools.synth_data import Nationality, Reading

__all__ = ["write_synthetic_ward"]

CHUNK_PEOPLE = 10_000  # people per independently seeded chunk (fixes the output)
MAX_PEOPLE = 99_999_999  # numbers below are built from 8-digit person codes

T = TypeVar("T")
Cells = dict[str, str]


# ---------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------


def write_synthetic_ward(
    people: int,
    seed: int,
    out_dir: Path,
    *,
    encoding: str = "utf-8",
    as_of: date = date(2026, 11, 1),
) -> dict[str, int]:
    """Write one CSV per entity of spec.ENTITIES into out_dir (file name = f"{entity.ja}.csv"
    i.e. 宛名.csv, 電話番号.csv, 課税.csv, 期別.csv, 収納.csv, 分納誓約.csv, 口座振替.csv, 法人.csv,
    納税管理人等.csv, 経過記録.csv), headers = the Japanese column names (Column.ja) in spec order,
    and return {entity.key: rows written}.

    encoding is "utf-8" (LF line ends) or "cp932" (CRLF, as Windows exports are). The same
    people, seed and as_of always give byte-identical files."""
    codec = _codec(encoding)
    if not 0 <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between 0 and {MAX_PEOPLE}, not {people}")
    out_dir.mkdir(parents=True, exist_ok=True)
    newline = "\r\n" if codec == "cp932" else "\n"
    jobs = [
        _Job(seed, as_of, codec, start, min(start + CHUNK_PEOPLE, people))
        for start in range(0, people, CHUNK_PEOPLE)
    ]
    counts = {entity.key: 0 for entity in ENTITIES}
    with ExitStack() as stack:
        files: dict[str, BinaryIO] = {}
        for entity in ENTITIES:
            handle = stack.enter_context((out_dir / f"{entity.ja}.csv").open("wb"))
            handle.write(_header(entity, newline).encode(codec))
            handle.flush()  # empty buffers before workers are forked: none to copy
            files[entity.key] = handle
        for chunk in _rendered(jobs):
            for key, (payload, rows) in chunk.items():
                files[key].write(payload)
                counts[key] += rows
    return counts


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        name = encoding
    if name not in ("utf-8", "cp932"):
        raise ValueError(f"encoding must be utf-8 or cp932, not {encoding!r}")
    return name


def _header(entity: Entity, newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow([c.ja for c in entity.columns])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Chunks: the unit of randomness and of parallel work
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    seed: int
    as_of: date
    codec: str
    start: int  # first person index of the chunk
    stop: int  # one past the last


Chunk = dict[str, tuple[bytes, int]]  # entity key → (encoded rows, row count)


def _worker_count(jobs: Sequence[_Job]) -> int:
    """Processes to render with: one per CPU, but only where they can be forked safely.
    fork, not spawn: spawn re-runs the caller's __main__ in every worker (and loops
    forever when there is none, as under `python -`). Forking a process that runs other
    threads may copy a held lock, so then everything is rendered here instead."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return min(len(jobs), os.cpu_count() or 1)


def _rendered(jobs: Sequence[_Job]) -> Iterator[Chunk]:
    """Rendered chunks in order. Several chunks go to a process pool: chunks do not depend
    on each other, so the bytes are the same however many workers there are."""
    workers = _worker_count(jobs)
    if workers <= 1:
        yield from map(_render, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_render, jobs)


def _render(job: _Job) -> Chunk:
    # Rows make no reference cycles, so the cyclic collector only burns time here
    # (scanning the growing date caches): off while rendering, as it was on return.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _render_rows(job)
    finally:
        if enabled:
            gc.enable()


def _render_rows(job: _Job) -> Chunk:
    rng = _Dice(f"saikoku-synth/{job.seed}/{job.start}")
    newline = "\r\n" if job.codec == "cp932" else "\n"
    tables = {entity.key: _Table(entity, newline) for entity in ENTITIES}
    ward = _Ward(rng, job.as_of, tables)
    index = job.start
    while index < job.stop:
        size = min(ward.household_size(), job.stop - index)  # households never span chunks
        ward.household(index, size)
        index += size
    return {key: (table.text().encode(job.codec), table.rows) for key, table in tables.items()}


class _Table:
    """The rows of one entity for one chunk, in spec column order.

    A row is merged onto a blank one holding every column in spec order, so a key not
    filled is an empty cell and the values come out in order. Most rows need no quoting
    and are simply joined with commas (csv.writer scans every character of every cell and
    was most of the run time); a row with a comma, quote or line break in a cell is
    written by csv.writer, so the output is exactly what csv.writer alone would write."""

    def __init__(self, entity: Entity, newline: str) -> None:
        self.entity = entity
        self.blank = dict.fromkeys((c.key for c in entity.columns), "")
        self.width = len(self.blank)
        self.newline = newline
        self.lines: list[str] = []
        self._scratch = io.StringIO()
        # the real line end: csv.writer decides what to quote from it
        self._writer = csv.writer(self._scratch, lineterminator=newline)

    def add(self, cells: Cells) -> None:
        row = {**self.blank, **cells}
        if len(row) != self.width:
            unknown = sorted(row.keys() - self.blank.keys())
            raise KeyError(f"not columns of {self.entity.ja}: {unknown}")
        line = ",".join(row.values())
        if line.count(",") != self.width - 1 or '"' in line or "\n" in line or "\r" in line:
            line = self._quoted(row.values())
        self.lines.append(line)

    def _quoted(self, values: Iterable[str]) -> str:
        self._scratch.seek(0)
        self._scratch.truncate()
        self._writer.writerow(values)
        return self._scratch.getvalue().removesuffix(self.newline)

    @property
    def rows(self) -> int:
        return len(self.lines)

    def text(self) -> str:
        return self.newline.join(self.lines) + self.newline if self.lines else ""


# ---------------------------------------------------------------------------------------
# Small precomputed pools and text forms
# ---------------------------------------------------------------------------------------


class _Dice:
    """The draws we need, cheaply: random.Random's randint and choice go through
    _randbelow (about 1 µs a draw); int(random() * n) is ten times faster, and its bias
    (below 2**-40) does not matter for made-up data."""

    __slots__ = ("random",)

    def __init__(self, seed: str) -> None:
        self.random = random.Random(seed).random

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """low..high, both included (like randint)."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()


def _weighted(items: Sequence[T], weights: Sequence[int]) -> tuple[T, ...]:
    """A table holding each item as many times as its weight: a uniform pick from it is a
    weighted pick, without the bisection random.choices does on every call."""
    return tuple(item for item, weight in zip(items, weights, strict=True) for _ in range(weight))


def _halfwidth_table() -> dict[int, str]:
    """Full-width katakana → half-width (ガ → ｶﾞ), derived from NFKC so nothing is typed."""
    table: dict[int, str] = {0x3000: " "}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1 and "\u30a0" <= full <= "\u30ff":
            table[ord(full)] = half
        for mark in ("\uff9e", "\uff9f"):
            combined = unicodedata.normalize("NFKC", half + mark)
            if len(combined) == 1 and combined != full:
                table[ord(combined)] = half + mark
    return table


HALFWIDTH = _halfwidth_table()
# ァ..ン only: ゔ, ゕ and ゖ are not in cp932, so ヴ, ヵ and ヶ stay katakana.
HIRAGANA = {code: chr(code - 0x60) for code in range(0x30A1, 0x30F4)}
FULLWIDTH_DIGITS = str.maketrans("0123456789-", "０１２３４５６７８９－")
KANJI_NUMBERS = "〇一二三四五六七八九"

# (first day, era), newest first: the synthetic ward's dates are from 昭和 on.
_ERAS = tuple((era.first.toordinal(), era) for era in reversed(ERAS) if era.first >= SHOWA.first)
ISO, ERA, ERA_SHORT, SLASH = range(4)


@cache
def _date_forms(ordinal: int) -> tuple[str, str, str, str]:
    """2026-06-30, 令和8年6月30日, R8.6.30, 2026/6/30 — cached: few distinct days occur."""
    day = date.fromordinal(ordinal)
    era = next(era for start, era in _ERAS if ordinal >= start)  # before 昭和: never made
    year = day.year - era.year_before
    era_year = "元" if year == 1 else str(year)
    return (
        day.isoformat(),
        f"{era.name}{era_year}年{day.month}月{day.day}日",
        f"{era.letter}{year}.{day.month}.{day.day}",
        f"{day.year}/{day.month}/{day.day}",
    )


@cache
def _year_forms(year: int) -> tuple[str, str, str]:
    """A fiscal year as 2026, 令和8, R8 (FY2019 is 令和元 by custom)."""
    reiwa = year - REIWA.year_before
    if reiwa >= 1:
        return str(year), f"{REIWA.name}{'元' if reiwa == 1 else reiwa}", f"{REIWA.letter}{reiwa}"
    heisei = year - HEISEI.year_before
    return str(year), f"{HEISEI.name}{heisei}", f"{HEISEI.letter}{heisei}"


@cache
def _due_date(year: int, month: int) -> int:
    """End of the month, moved to Monday when it falls on a weekend (holidays ignored)."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    day = first_next - timedelta(days=1)
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return day.toordinal()


def _check_digit(number: str) -> str:
    """A mod-7 check digit (as some ward systems use): catches most mistyped numbers."""
    return str(int(number) % 7)


@cache
def _schedule(year: int, light: bool) -> tuple[int, ...]:
    """Due dates of a bill: 軽自動車税 at the end of May; 住民税 (普通徴収) in June, August,
    October and January."""
    months = LIGHT_DUE_MONTHS if light else RESIDENT_DUE_MONTHS
    return tuple(_due_date(year + later, month) for later, month in months)


def _late_fee(share: int, days: int) -> int:
    """延滞金: 2.4 % a year for the first month, 8.7 % after; the base is cut to whole
    thousands, the fee to whole hundreds, and under 1,000 yen none is charged."""
    if days <= 0:
        return 0
    base = share // 1000 * 1000
    fee = base * (0.024 * min(days, 30) + 0.087 * max(days - 30, 0)) / 365
    hundreds = int(fee) // 100 * 100
    return hundreds if hundreds >= 1000 else 0


def _code(index: int) -> int:
    """A bijection of [0, 10**8): unique, scattered 8-digit codes from person indexes."""
    return (index * 7_654_321 + 1_234_567) % 100_000_000


BIRTH_FIRST = date(1940, 1, 1).toordinal()
BIRTH_LAST = date(2005, 12, 31).toordinal()
YEAR = 365

ADDRESS_TOWNS = tuple(f"{town}{chome}" for town in data.TOWNS for chome in data.CHOME)
# one postal code per town (as Japan Post assigns them), in a fictional-looking range
TOWN_POSTAL = tuple(
    f"190-{data.TOWNS.index(town) + 11:04d}" for town in data.TOWNS for _ in data.CHOME
)
POSTAL_FORMS = _weighted((0, 1, 2), (85, 10, 5))  # 190-0012, 1900012, 〒190-0012
BIRTH_FORMS = _weighted((ISO, ERA, ERA_SHORT), (75, 20, 5))
OTHER_DATE_FORMS = _weighted((ISO, SLASH, ERA), (88, 7, 5))
YEAR_FORMS = _weighted((0, 1, 2), (85, 10, 5))
HOUSEHOLD_SIZES = _weighted((1, 2, 3, 4), (45, 27, 17, 11))
NO_CALL = _weighted(("死亡", "破産", "執行停止", "職員対応", "架電拒否"), (25, 20, 20, 20, 15))
FOREIGN = _weighted(data.FOREIGN, data.FOREIGN_WEIGHTS)
RESIDENT_TYPES = _weighted(("住民税", "特別区民税・都民税", "個人住民税"), (75, 20, 5))
LIGHT_TYPES = _weighted(("軽自動車税", "軽自動車税(種別割)"), (80, 20))
# Fiscal years owed, relative to the current one: mostly this year, some past years.
YEAR_SETS = _weighted(((0,), (-1, 0), (-1,), (-2, -1, 0), (-2,), (-2, -1)), (70, 15, 7, 4, 2, 2))
RESIDENT_DUE_MONTHS = ((0, 6), (0, 8), (0, 10), (1, 1))  # (years after the FY, month)
LIGHT_DUE_MONTHS = ((0, 5),)
PLAN_STATUS = _weighted(("履行中", "不履行", "完了"), (60, 30, 10))
CONTACT_KINDS = _weighted(("電話", "訪問", "交渉", "文書"), (55, 15, 15, 15))
UPPER = "ABCDEFGHJKLMNPRSTUVWXYZ"
JAPANESE_SURNAMES = frozenset(data.SURNAMES)
NUMBERS = tuple(str(number) for number in range(13))


# ---------------------------------------------------------------------------------------
# The ward
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Member:
    name: str
    kana: str  # full-width katakana, "サトウ　ハナコ"
    family: Reading  # the family name alone, for relatives' names
    male: bool
    birth: int  # date ordinal
    relation: str


@dataclass(slots=True)
class _Household:
    number: str
    head_name: str
    postal: str
    address: str
    nationality: Nationality | None
    landline: tuple[str, str, str] | None


@dataclass(slots=True)
class _Bill:
    light: bool
    year: int
    amount: int
    key: Cells  # 税目区分, 年度, 通知書番号 as written, repeated verbatim in 期別, 収納
    cells: Cells  # the 課税 row
    owed: int = 0  # overdue and unpaid, once the installments are drawn
    unpaid_installments: int = 0


class _Ward:
    """Draws households and writes every row that belongs to each person."""

    def __init__(self, rng: _Dice, as_of: date, tables: dict[str, _Table]) -> None:
        self.rng = rng
        self.today = as_of.toordinal()
        self.t = tables
        fiscal = as_of.year if as_of.month >= 4 else as_of.year - 1
        # The latest fiscal year with an installment already overdue: a bill in the
        # export is a delinquent one.
        self.year_resident = fiscal if _due_date(fiscal, 6) < self.today else fiscal - 1
        self.year_light = fiscal if _due_date(fiscal, 5) < self.today else fiscal - 1
        self.current_years = frozenset((self.year_resident, self.year_light))
        self.code = ""  # the current person's 8-digit code
        self.receipt_seq = 0
        self.date_form, self.commas, self.triangle = ISO, False, False

    # -- helpers -----------------------------------------------------------------------

    def new_style(self) -> None:
        """How this person's records are written. Drawn once per person rather than per
        cell: one draw instead of dozens, and one clerk keys a person's records alike."""
        rng = self.rng
        self.date_form = rng.pick(OTHER_DATE_FORMS)
        self.commas = rng.random() < 0.15
        self.triangle = rng.random() < 0.15

    def day_text(self, ordinal: int) -> str:
        return _date_forms(ordinal)[self.date_form]

    def yen(self, amount: int) -> str:
        return f"{amount:,}" if self.commas else str(amount)

    def signed_yen(self, amount: int) -> str:
        return f"▲{-amount}" if amount < 0 and self.triangle else str(amount)

    def kana(self, katakana: str) -> str:
        roll = self.rng.random()
        if roll < 0.05:
            return katakana.translate(HALFWIDTH)
        if roll < 0.08:
            return katakana.translate(HIRAGANA)
        return katakana

    def postal(self, code: str) -> str:
        form = self.rng.pick(POSTAL_FORMS)
        if form == 1:
            return code.replace("-", "")
        return f"〒{code}" if form == 2 else code

    def ward_address(self) -> tuple[str, str]:
        """(postal code, address) somewhere in the ward."""
        rng = self.rng
        town = rng.below(len(ADDRESS_TOWNS))
        block, lot = rng.between(1, 30), rng.between(1, 25)
        style = rng.random()
        if style < 0.5:
            number = f"{block}番地{lot}"
        elif style < 0.8:
            number = f"{block}番{lot}号"
        else:
            number = f"{block}-{lot}"
        if rng.random() < 0.35:
            room = f"{rng.between(1, 9)}0{rng.between(1, 9)}"
            number += f"　{rng.pick(data.BUILDINGS)}{room}号"
        if rng.random() < 0.10:  # typed with the IME in full-width mode
            number = number.translate(FULLWIDTH_DIGITS)
        return self.postal(TOWN_POSTAL[town]), f"{data.WARD}{ADDRESS_TOWNS[town]}{number}"

    def outside_address(self) -> tuple[str, str]:
        rng = self.rng
        code = f"{rng.between(200, 989)}-{rng.between(1, 9999):04d}"
        city = rng.pick(data.OUTSIDE)
        chome = KANJI_NUMBERS[rng.between(1, 5)]
        return self.postal(code), f"{city}{chome}丁目{rng.between(1, 30)}-{rng.between(1, 20)}"

    def name(
        self, nationality: Nationality | None, male: bool, family: Reading | None
    ) -> tuple[str, str, Reading]:
        """(name, katakana reading, family name): "佐藤　花子", "サトウ　ハナコ"."""
        rng = self.rng
        if nationality is None:
            surname = family or rng.pick(data.SURNAMES)
            given = rng.pick(data.MALE_NAMES if male else data.FEMALE_NAMES)
            separator = "\u3000"
        else:
            surname = family or rng.pick(nationality.families)
            given = rng.pick(nationality.men if male else nationality.women)
            separator = "\u3000" if nationality.kanji else " "
        return (f"{surname[0]}{separator}{given[0]}", f"{surname[1]}\u3000{given[1]}", surname)

    def phone_digits(self, mobile: bool) -> tuple[str, str, str]:
        rng = self.rng
        if mobile:
            prefix = rng.pick(("090", "080", "070", "090"))
            return prefix, f"{rng.between(1000, 9999)}", f"{rng.below(10000):04d}"
        if rng.random() < 0.8:
            return "03", f"{rng.between(1000, 9999)}", f"{rng.below(10000):04d}"
        return "042", f"{rng.between(100, 999)}", f"{rng.below(10000):04d}"

    def phone_text(self, parts: tuple[str, str, str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return self.invalid_phone(parts)
        if roll < 0.08:
            return "－".join(parts).translate(FULLWIDTH_DIGITS)
        if roll < 0.30:
            return "".join(parts)
        if roll < 0.36 and parts[0] in ("03", "042"):
            return f"({parts[0]}){parts[1]}-{parts[2]}"
        return "-".join(parts)

    def invalid_phone(self, parts: tuple[str, str, str]) -> str:
        kind = self.rng.below(5)
        if kind == 0:
            return f"{parts[0]}-{parts[1][:3]}"  # truncated
        if kind == 1:
            return f"{parts[0]}-{parts[1][:2]}a{parts[1][3:]}-{parts[2]}"  # a letter
        if kind == 2:
            return "000-0000-0000"
        if kind == 3:
            return f"{parts[0]}-{parts[1]}-{parts[2]}9"  # one digit too many
        return f"{parts[1]}-{parts[2]}"  # no area code

    # -- households and people -----------------------------------------------------------

    def household_size(self) -> int:
        return self.rng.pick(HOUSEHOLD_SIZES)

    def household(self, first: int, size: int) -> None:
        rng = self.rng
        nationality = rng.pick(FOREIGN) if rng.random() < 0.03 else None
        members = self.members(size, nationality)
        postal, address = self.ward_address()
        landline = self.phone_digits(mobile=False) if rng.random() < 0.4 else None
        number = f"{(first * 3_333_331 + 7) % 100_000_000:08d}"
        home = _Household(number, members[0].name, postal, address, nationality, landline)
        for offset, member in enumerate(members):
            self.person(first + offset, member, home)

    def members(self, size: int, nationality: Nationality | None) -> list[_Member]:
        rng = self.rng
        head_male = rng.random() < 0.62
        head_birth = rng.between(BIRTH_FIRST, BIRTH_LAST)
        name, kana, family = self.name(nationality, head_male, None)
        people = [_Member(name, kana, family, head_male, head_birth, "世帯主")]
        for position in range(1, size):
            if position == 1:
                male, relation = not head_male, ("妻" if head_male else "夫")
                birth = head_birth + rng.between(-6 * YEAR, 6 * YEAR)
                surname = family if nationality is None else None
            elif date.fromordinal(head_birth).year <= 1980:
                male = rng.random() < 0.5
                relation, surname = "子", family
                birth = head_birth + rng.between(22 * YEAR, 38 * YEAR)
            else:
                male = rng.random() < 0.4
                relation, surname = ("父" if male else "母"), family
                birth = head_birth - rng.between(24 * YEAR, 36 * YEAR)
            birth = min(max(birth, BIRTH_FIRST), BIRTH_LAST)
            name, kana, own_family = self.name(nationality, male, surname)
            people.append(_Member(name, kana, own_family, male, birth, relation))
        return people

    def person(self, index: int, member: _Member, home: _Household) -> None:
        rng = self.rng
        number = f"{100_000_000 + index:09d}"
        resident = number + _check_digit(number)
        code = self.code = f"{_code(index):08d}"
        self.receipt_seq = 0
        self.new_style()
        no_call = rng.pick(NO_CALL) if rng.random() < 0.04 else ""
        bills = self.bills(code, home.address)
        for bill in bills:
            self.installments(bill)
        cells: Cells = {
            "resident_number": resident,
            "household_number": home.number,
            "name": member.name,
            "name_kana": self.kana(member.kana),
            "sex": self.sex(member.male),
            "birth_date": _date_forms(member.birth)[rng.pick(BIRTH_FORMS)],
            "householder_name": home.head_name,
            "relation": member.relation,
            "postal_code": home.postal,
            "address": home.address,
            "delinquency_category": self.category(bills),
            "staff_in_charge": rng.pick(data.STAFF) if rng.random() < 0.85 else "",
            "no_call_category": no_call,
        }
        abroad = None
        if home.nationality is not None:
            abroad = self.foreign_items(cells, home.nationality, member.male)
        self.moves(cells, member, no_call == "死亡", abroad)
        self.work(cells, member.birth)
        self.t["persons"].add(cells)
        self.phones(resident, home.landline)
        for bill in bills:
            bill.cells["resident_number"] = resident
            self.t["bills"].add(bill.cells)
        if rng.random() < 0.05:
            self.plan(resident, code, bills)
        if rng.random() < 0.15:
            self.account(resident, member.kana, bills)
        if rng.random() < 0.01:
            self.corporation(resident, code)
        if no_call == "死亡" and rng.random() < 0.7:
            self.agent(resident, "相続人", member)
        elif rng.random() < 0.003:
            self.agent(resident, "納税管理人", member)
        if rng.random() < 0.20:
            self.history(resident)

    def sex(self, male: bool) -> str:
        if self.rng.random() < 0.1:
            return "1" if male else "2"
        return "男" if male else "女"

    def category(self, bills: list[_Bill]) -> str:
        """滞納区分: 過年 when a past year is owed, 初期 for a first missed installment."""
        if any(bill.year not in self.current_years for bill in bills):
            return "過年"
        if sum(bill.unpaid_installments for bill in bills) == 1:
            return "初期"
        return "現年"

    def moves(self, cells: Cells, member: _Member, deceased: bool, abroad: str | None) -> None:
        """Moving in, within and out of the ward; the dates never precede the birth.
        abroad: the country a foreign resident came from, if they did."""
        rng = self.rng
        roll = rng.random()
        arrived = max(member.birth, self.today - rng.between(60, 40 * YEAR))
        if abroad and roll >= 0.05:
            arrived = max(member.birth + 16 * YEAR, self.today - rng.between(60, 20 * YEAR))
            arrived = min(arrived, self.today - 30)
            cells.update(
                address_before=abroad, change_reason="国外転入", change_date=self.day_text(arrived)
            )
        elif roll < 0.05:  # moved away: letters now go to the new address
            postal, address = self.outside_address()
            left = max(arrived + 30, self.today - rng.between(20, 2 * YEAR))
            cells.update(
                address_after=address,
                mailing_name=member.name,
                mailing_postal_code=postal,
                mailing_address=address,
                change_reason="転出",
                change_date=self.day_text(left),
            )
        elif roll < 0.20:
            cells.update(
                address_before=self.outside_address()[1],
                change_reason="転入",
                change_date=self.day_text(arrived),
            )
        elif roll < 0.27:
            moved = min(self.today - 10, arrived + rng.between(30, 10 * YEAR))
            cells.update(
                address_before=self.ward_address()[1],
                change_reason="転居",
                change_date=self.day_text(moved),
            )
            cells["address_set_on"] = self.day_text(moved)
        elif roll < 0.40:
            arrived = member.birth  # born in the ward
        cells["resident_since"] = self.day_text(arrived)
        cells.setdefault("address_set_on", cells["resident_since"])
        if deceased:
            cells.update(
                change_reason="死亡", change_date=self.day_text(self.today - rng.between(10, YEAR))
            )

    def foreign_items(self, cells: Cells, nationality: Nationality, male: bool) -> str | None:
        """Residence-card items; returns the country they came from (None for special
        permanent residents, who were born here)."""
        rng = self.rng
        status, periods = rng.pick(data.RESIDENCE_STATUS)
        if nationality.name == "韓国" and rng.random() < 0.5:
            status, periods = "特別永住者", ("",)
        letters = rng.pick(UPPER) + rng.pick(UPPER)
        cells.update(
            foreign_registration_number=f"{letters}{rng.below(10**8):08d}",
            nationality=nationality.name,
            residence_status=status,
            period_of_stay=rng.pick(periods),
        )
        if nationality.kanji and rng.random() < 0.3:
            given = rng.pick(data.MALE_NAMES if male else data.FEMALE_NAMES)[0]
            cells["alias"] = f"{rng.pick(data.ALIAS_SURNAMES)}\u3000{given}"
        return None if status == "特別永住者" else nationality.name

    def work(self, cells: Cells, birth: int) -> None:
        rng = self.rng
        if rng.random() >= 0.5:
            age = (self.today - birth) // YEAR
            idle = data.RETIRED if age >= 65 else data.STUDENT if age < 23 else data.JOBLESS
            cells["occupation"] = rng.pick(idle)
            return
        cells["occupation"] = rng.pick(data.OCCUPATIONS)
        if rng.random() < 0.85:
            form = rng.pick(data.COMPANY_FORMS)
            cells["employer_name"] = form.format(rng.pick(data.COMPANY_CORES))
            inside = rng.random() < 0.6
            cells["employer_address"] = (self.ward_address() if inside else self.outside_address())[
                1
            ]
            if rng.random() < 0.4:
                cells["employer_phone"] = self.phone_text(self.phone_digits(mobile=False))

    def phones(self, resident: str, landline: tuple[str, str, str] | None) -> None:
        """~30 % no phone; else one (mostly a mobile) or a mobile and the home line."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.30:
            return
        mobile_first = landline is None or rng.random() < 0.75
        lines = [mobile_first, not mobile_first] if roll > 0.90 else [mobile_first]
        for mobile in lines:
            parts = (
                self.phone_digits(mobile=True)
                if mobile
                else (landline or self.phone_digits(mobile=False))
            )
            kind = "" if rng.random() < 0.25 else ("携帯" if mobile else "自宅")
            self.t["phones"].add(
                {"resident_number": resident, "phone": self.phone_text(parts), "line_type": kind}
            )

    # -- bills, installments and receipts --------------------------------------------------

    def bills(self, code: str, address: str) -> list[_Bill]:
        rng = self.rng
        roll = rng.random()
        bills: list[_Bill] = []
        if roll < 0.91:
            type_text = rng.pick(RESIDENT_TYPES)
            base = math.exp(rng.uniform(math.log(30_000), math.log(600_000)))
            for offset in rng.pick(YEAR_SETS):
                amount = int(base * rng.uniform(0.85, 1.15)) // 100 * 100
                bills.append(
                    self.bill(
                        False,
                        type_text,
                        self.year_resident + offset,
                        code,
                        min(max(amount, 30_000), 600_000),
                    )
                )
        if roll > 0.895:
            type_text = rng.pick(LIGHT_TYPES)
            vehicle = self.vehicle(address)
            for offset in rng.pick(YEAR_SETS):
                bill = self.bill(True, type_text, self.year_light + offset, code, vehicle[1])
                bill.cells.update(vehicle[0])
                bills.append(bill)
        return bills

    def bill(self, light: bool, type_text: str, year: int, code: str, amount: int) -> _Bill:
        rng = self.rng
        form = rng.pick(YEAR_FORMS)
        year_text = _year_forms(year)[form]
        notice = f"{year % 100:02d}{2 if light else 1}{code}"
        notice += _check_digit(notice)
        applicable = year - 1 if not light and rng.random() < 0.03 else year
        key = {"tax_type": type_text, "fiscal_year": year_text, "notice_number": notice}
        cells = {
            **key,
            "applicable_year": _year_forms(applicable)[form],
            "tax_item": "種別割" if light else "個人住民税(普通徴収)",
            "annual_amount": self.yen(amount),
        }
        return _Bill(light, year, amount, key, cells)

    def vehicle(self, address: str) -> tuple[Cells, int]:
        """The cells of one light vehicle (the same every year) and its annual tax."""
        rng = self.rng
        kind, displacement, amount, style = rng.pick(data.VEHICLES)
        letters = rng.pick(UPPER) + rng.pick(UPPER)
        kana = rng.pick(data.PLATE_KANA)
        if style == "car":
            model = f"{letters}{rng.between(10, 99)}{rng.pick(UPPER)}"
            chassis = f"{model}-{rng.between(1, 999999):06d}"
            klass = "480" if "貨物" in kind or "三輪" in kind else rng.pick(("580", "581", "50"))
            plate = f"さいこく {klass} {kana} {rng.between(10, 99)}-{rng.between(0, 99):02d}"
        else:
            chassis = f"{letters}{rng.between(10, 99)}-{rng.between(1, 9999999):07d}"
            plate = f"さいこく区 {kana} {rng.between(1, 9999)}"
        cells = {
            "chassis_number": chassis,
            "vehicle_type": kind,
            "vehicle_name": rng.pick(data.VEHICLE_NAMES),
            "displacement": displacement + ("cc" if rng.random() < 0.1 else ""),
            "garage_location": address if rng.random() < 0.8 else "",
            "plate_number": plate,
        }
        return cells, amount

    def installments(self, bill: _Bill) -> None:
        """期別 rows of a bill and the 収納 rows of what was paid on them."""
        rng = self.rng
        today = self.today
        dues = _schedule(bill.year, bill.light)
        count = len(dues)
        # the first installment takes the remainder; the others are whole thousands
        other = bill.amount // count // 1000 * 1000
        first = bill.amount - other * (count - 1)
        texts = {share: (self.yen(share), self.signed_yen(-share)) for share in (first, other)}
        overdue = bisect(dues, today - 1)
        paid_up = int(overdue * rng.random() ** 1.5)  # leading installments paid in full
        partly_paid = paid_up + 1 if rng.random() < 0.15 else 0
        add = self.t["installments"].add
        form = self.date_form
        for number, due in enumerate(dues, start=1):
            share = first if number == 1 else other
            assessed, owed = texts[share]
            cells: Cells = {
                **bill.key,
                "installment_no": NUMBERS[number],
                "assessed_amount": assessed,
                "due_date": _date_forms(due)[form],
                "paid_amount": "0",
                "over_under_amount": owed,
            }
            paid = 0
            if number <= paid_up:
                paid = share
                self.pay_in_full(cells, bill, number, due, share)
            elif number == partly_paid and share >= 2000 and due < today:
                paid = rng.between(1, share // 1000 - 1) * 1000
                self.pay_part(cells, bill, number, due, paid, share)
            if due < today and paid < share:
                bill.owed += share - paid
                bill.unpaid_installments += 1
            add(cells)

    def pay_part(
        self, cells: Cells, bill: _Bill, number: int, due: int, paid: int, share: int
    ) -> None:
        received = self.late_day(due)
        booked = self.receipt(bill, number, "本税", paid, received)
        cells.update(
            paid_amount=str(paid),
            over_under_amount=self.signed_yen(paid - share),
            principal_received_on=self.day_text(received),
            principal_booked_on=self.day_text(booked),
        )

    def pay_in_full(self, cells: Cells, bill: _Bill, number: int, due: int, share: int) -> None:
        rng = self.rng
        received = self.late_day(due) if rng.random() < 0.4 else due - rng.between(0, 20)
        if share >= 4000 and rng.random() < 0.05:  # paid in two goes
            part = rng.between(1, share // 1000 - 1) * 1000
            self.receipt(bill, number, "本税", part, received - rng.between(1, 20))
            booked = self.receipt(bill, number, "本税", share - part, received)
        else:
            booked = self.receipt(bill, number, "本税", share, received)
        cells.update(
            paid_amount=str(share),
            over_under_amount="0",
            principal_received_on=self.day_text(received),
            principal_booked_on=self.day_text(booked),
        )
        fee = _late_fee(share, received - due)
        if fee:
            paid = fee if rng.random() < 0.5 else 0
            cells.update(
                late_fee_assessed=self.yen(fee),
                late_fee_paid=str(paid),
                late_fee_over_under=self.signed_yen(paid - fee),
            )
            if paid:
                on = max(received, min(received + rng.between(0, 30), self.today - 8))
                booked = self.receipt(bill, number, "延滞金", paid, on)
                cells["late_fee_received_on"] = self.day_text(on)
                cells["late_fee_booked_on"] = self.day_text(booked)

    def late_day(self, due: int) -> int:
        """A payment day after the due date, a week or more before as_of when possible."""
        latest = self.today - 8 - due
        if latest < 1:
            return due - self.rng.between(0, 10)
        return due + self.rng.between(1, latest)

    def receipt(self, bill: _Bill, number: int, kind: str, amount: int, received: int) -> int:
        """Write the 収納 row(s) of one payment; returns the day it was booked (収納日),
        a few days after it was made, as banks report."""
        rng = self.rng
        booked = max(received, min(received + rng.between(2, 6), self.today - 1))
        cells: Cells = {
            **bill.key,
            "installment_no": NUMBERS[number],
            "receipt_kind": kind,
            "received_on": self.day_text(received),
            "booked_on": self.day_text(booked),
        }
        if rng.random() < 0.004:  # booked wrong, reversed, booked again: the sum still holds
            wrong = amount + rng.between(1, 9) * 1000
            self.receipt_row(cells, wrong)
            self.receipt_row(cells, -wrong)
        self.receipt_row(cells, amount)
        return booked

    def receipt_row(self, cells: Cells, amount: int) -> None:
        self.receipt_seq += 1
        self.t["receipts"].add(
            {**cells, "amount": str(amount), "receipt_number": f"{self.code}{self.receipt_seq:04d}"}
        )

    # -- the rarer files -------------------------------------------------------------------

    def plan(self, resident: str, code: str, bills: list[_Bill]) -> None:
        rng = self.rng
        owed = sum(bill.owed for bill in bills) or bills[0].amount
        months = rng.between(3, 24)
        monthly = max(3000, -(-owed // months // 1000) * 1000)
        day = rng.between(1, 28)
        status = rng.pick(PLAN_STATUS)
        if status == "完了":
            start = self.today - rng.between(months * 31 + 10, months * 31 + 400)
        else:  # still running: started, not yet ended
            start = self.today - rng.between(30, months * 30 - 1)
        end = start + months * 30
        terms = (
            f"毎月{'末日' if day == 28 and rng.random() < 0.5 else f'{day}日'}までに"
            f"{monthly:,}円を納付する。"
        )
        self.t["plans"].add(
            {
                "resident_number": resident,
                "plan_number": f"{code}{rng.between(1, 9)}",
                "monthly_amount": self.yen(monthly),
                "day_of_month": str(day),
                "start_date": self.day_text(start),
                "end_date": self.day_text(end),
                "plan_status": status,
                "terms_text": terms,
            }
        )

    def account(self, resident: str, kana: str, bills: list[_Bill]) -> None:
        rng = self.rng
        bill = rng.pick(bills)
        active = rng.random() < 0.6
        holder = kana.translate(HALFWIDTH) if rng.random() < 0.7 else kana
        start_year = bill.year - rng.between(0, 6)
        cells: Cells = {
            "resident_number": resident,
            "tax_type": bill.key["tax_type"],
            "auto_debit": ("有" if active else "無")
            if rng.random() < 0.85
            else ("1" if active else "0"),
            "bank_name": rng.pick(data.BANKS),
            "branch_name": rng.pick(data.BRANCHES),
            "holder_name": holder,
            "start_fiscal_year": _year_forms(start_year)[rng.pick(YEAR_FORMS)],
            "start_installment": "1" if bill.light else str(rng.pick((1, 1, 1, 2, 3))),
        }
        if not active:
            cells["cancelled_on"] = self.day_text(self.today - rng.between(20, 3 * YEAR))
            cells["failure_reason"] = rng.pick(data.ACCOUNT_FAILURES)
        elif rng.random() < 0.5:  # the debit failed: that is why the bill is overdue
            cells["failure_reason"] = "残高不足"
        self.t["accounts"].add(cells)

    def corporation(self, resident: str, code: str) -> None:
        rng = self.rng
        postal, address = self.ward_address()
        name = rng.pick(data.COMPANY_FORMS).format(rng.pick(data.COMPANY_CORES))
        cells: Cells = {
            "resident_number": resident,
            "corporation_name": name,
            "postal_code": postal,
            "address": address,
            "designation_number": f"7{code}",
        }
        if rng.random() < 0.8:
            cells["phone"] = self.phone_text(self.phone_digits(mobile=False))
        self.t["corporations"].add(cells)

    def agent(self, resident: str, kind: str, member: _Member) -> None:
        rng = self.rng
        if kind == "納税管理人" and rng.random() < 0.3:
            name = "税理士法人さいこく会計"
        else:  # an heir mostly shares a Japanese family name
            shared = kind == "相続人" and member.family in JAPANESE_SURNAMES
            family = member.family if shared and rng.random() < 0.8 else None
            name = self.name(None, rng.random() < 0.5, family)[0]
        postal, address = self.ward_address() if rng.random() < 0.5 else self.outside_address()
        cells: Cells = {
            "resident_number": resident,
            "agent_kind": kind,
            "agent_name": name,
            "postal_code": postal,
            "address": address,
            "registered_on": self.day_text(self.today - rng.between(5, 2 * YEAR)),
        }
        if rng.random() < 0.8:
            cells["phone"] = self.phone_text(self.phone_digits(mobile=rng.random() < 0.7))
        self.t["agents"].add(cells)

    def history(self, resident: str) -> None:
        rng = self.rng
        for _ in range(rng.pick((1, 1, 1, 2, 2, 3))):
            day = self.today - rng.between(1, 500)
            while date.fromordinal(day).weekday() >= 5:  # the office works on weekdays
                day -= 1
            hour, minute = rng.between(9, 16), 5 * rng.below(12)
            kind = rng.pick(CONTACT_KINDS)
            self.t["history"].add(self.history_cells(resident, day, hour, minute, kind))

    def history_cells(self, resident: str, day: int, hour: int, minute: int, kind: str) -> Cells:
        rng = self.rng
        forms = _date_forms(day)
        if rng.random() < 0.2:
            when = f"{forms[ERA]} {hour}時{minute:02d}分"
        else:
            when = f"{forms[ISO]} {hour:02d}:{minute:02d}"
        cells: Cells = {
            "resident_number": resident,
            "contacted_at": when,
            "contact_kind": kind,
            "counterpart": "本人"
            if rng.random() < 0.7
            else rng.pick(data.RELATIVES_AS_COUNTERPART),
            "recorded_by": rng.pick(data.STAFF) if rng.random() < 0.6 else "",
        }
        if kind == "電話":
            cells.update(place="納税課", content=rng.pick(data.HISTORY_PHONE))
            if cells["content"] in data.PROMISES:
                called = date.fromordinal(day)
                month_end = _date_forms(_due_date(called.year, called.month))[ISO]
                cells["promise"] = f"{month_end}までに全額納付"
        elif kind == "訪問":
            cells.update(place="自宅", content=rng.pick(data.HISTORY_VISIT))
        elif kind == "交渉":
            cells.update(place="窓口", content=rng.pick(data.HISTORY_TALK))
            if cells["content"] in data.PROMISES:
                cells["promise"] = "毎月末日までに10,000円"
        else:
            cells.update(content=rng.pick(data.HISTORY_LETTER), counterpart="")
        if rng.random() < 0.25:
            cells["forms_issued"] = rng.pick(data.FORMS)
        return cells
