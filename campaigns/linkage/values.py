"""Cell readers for the linkage CSV format: one raw string in, the normalised value out.

Every reader is pure and deterministic. It takes one non-empty raw cell and returns the
value, or raises `ValueError` whose message is the reason, Japanese first and English in
parentheses ("日付として読めません (not a date)"). Reasons never repeat the value: the
importer shows it beside them. `read_phone` alone never raises — a bad number is kept
and flagged, never dropped.

The importer runs these once per DISTINCT raw value, so nothing here caches.

Decisions worth knowing:

* Digits are ASCII only after NFKC. `\\d` and `int()` would also accept Arabic-Indic and
  other Unicode digits, so every pattern spells out `[0-9]`.
* Dates: a trailing time is accepted by `parse_date` only when it is midnight
  ("2024/4/1 0:00", as Excel writes dates), anything else is refused. A weekday in
  parentheses ("2024年4月1日(月)") is accepted and must be right.
* Eras: the year is the era's first year + n − 1; month and day are read as Gregorian
  even in 明治1–5 (Japan was still lunisolar then; nobody we call was born that early).
  明治45年7月30日 and 大正15年12月25日 are both valid, as in the family registers: those
  emperors died on the day the next era began. Other eras end the day before the next.
* Phones: the kinds and the invalid handling are on `Phone`; the cleaning (TEL:, 内線,
  (代)) is beside `_clean_phone`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from campaigns.linkage.spec import Kind
from saikoku.core.era import ERAS, LAST_DAY, MEIJI, Era
from saikoku.core.era import era_of as core_era_of

__all__ = [
    "Phone",
    "era_of",
    "normalize_id",
    "normalize_kana",
    "normalize_text",
    "parse_code",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_postal",
    "parse_signed_yen",
    "parse_year",
    "parse_yen",
    "read_phone",
    "reader_for",
]

MIN_YEAR = MEIJI.first.year
MAX_YEAR = LAST_DAY.year
MAX_YEN = 10**12
MAX_INT = 2**31 - 1  # fits a PostgreSQL integer

NOT_A_DATE = "日付として読めません (not a date)"
NO_SUCH_DATE = "存在しない日付です (no such date)"
OUTSIDE_ERA = "元号の期間外です (outside the era)"
YEAR_OUT_OF_RANGE = "年が範囲外です (year out of range)"
WRONG_WEEKDAY = "曜日が合いません (wrong weekday)"
NOT_A_TIME = "時刻として読めません (not a time)"
TIME_NOT_ALLOWED = "日付に時刻が付いています (a time where a date was expected)"
NOT_A_YEAR = "年度として読めません (not a year)"
NOT_KANA = "カナ以外の文字があります (not kana)"
EMPTY = "空です (empty)"
ID_HAS_SPACE = "空白が含まれています (contains a space)"
ID_BAD_CHAR = "使えない文字があります (invalid character)"
NOT_AN_INT = "整数として読めません (not a whole number)"
INT_TOO_LARGE = "数が大きすぎます (too large)"
NOT_AN_AMOUNT = "金額として読めません (not an amount)"
NO_AMOUNT = "金額がありません (no amount)"
NEGATIVE_AMOUNT = "負の金額は使えません (negative amount)"
DECIMAL_AMOUNT = "円未満の金額は使えません (not whole yen)"
BAD_GROUPING = "桁区切りが正しくありません (bad digit grouping)"
AMOUNT_TOO_LARGE = "金額が大きすぎます (amount too large)"
NOT_A_POSTAL_CODE = "郵便番号は7桁です (postal code must be 7 digits)"
UNKNOWN_CODE = "区分が不明です (unknown code)"
PHONE_EMPTY = "番号がありません (no number)"
PHONE_NOT_A_NUMBER = "電話番号として読めません (not a phone number)"
PHONE_WRONG_LENGTH = "桁数が合いません (wrong length)"
PHONE_NO_AREA_CODE = "市外局番がありません (no area code)"
PHONE_BAD_COUNTRY = "国番号が不明です (unknown country code)"
PHONE_INVALID = "番号として無効です (not a valid number)"

# Hyphen look-alikes that Japanese input methods and old exports put in numbers.
# "ー" (the long-vowel mark) is the usual one. NFKC already maps "－" and "ｰ".
_DASHES = "‐‑‒–—―−ー"


def _nfkc(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw)


# ---------------------------------------------------------------- text, kana, identifiers


def normalize_text(raw: str) -> str | None:
    """NFKC (half-width katakana → full-width, full-width ASCII → ASCII), every run of
    whitespace (U+3000 too) to one space, trimmed; blank → None. Never raises."""
    # str.split() with no argument splits on every Unicode whitespace run and drops the ends.
    return " ".join(_nfkc(raw).split()) or None


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {
    0x309D: 0x30FD,  # ゝ → ヽ
    0x309E: 0x30FE,  # ゞ → ヾ
}
# ァ..ヺ, ・ (U+30FB), ー (U+30FC), ヽ ヾ, small katakana for Ainu, and the space.
_KANA = re.compile("[\u30a1-\u30fe\u31f0-\u31ff ]+")


def normalize_kana(raw: str) -> str | None:
    """Furigana: `normalize_text`, then hiragana → katakana. Only katakana, ー, ・ and
    spaces may remain."""
    text = normalize_text(raw)
    if text is None:
        return None
    kana = text.translate(_HIRAGANA_TO_KATAKANA)
    if not _KANA.fullmatch(kana):
        raise ValueError(NOT_KANA)
    return kana


_ID = re.compile(r"[0-9A-Za-z_\-]+")


def normalize_id(raw: str) -> str:
    """An identifier: NFKC, trimmed, then only ASCII letters, digits, "-" and "_"."""
    text = _nfkc(raw).strip()
    if not text:
        raise ValueError(EMPTY)
    if _ID.fullmatch(text):
        return text
    if any(c.isspace() for c in text):
        raise ValueError(ID_HAS_SPACE)
    raise ValueError(ID_BAD_CHAR)


# ---------------------------------------------------------------- eras, dates, years


# Every spelling of each era: 令和, 令, R, r.
_ERAS: dict[str, Era] = {
    alias: era for era in ERAS for alias in (era.name, era.name[0], era.letter, era.letter.lower())
}

_ERA = r"(明治|大正|昭和|平成|令和|[明大昭平令MTSHRmtshr])"
_ERA_YEAR = r"(元|[0-9]{1,3})"  # three digits: 令和 runs on to 2200 (令和182年)

# Matched after NFKC with all whitespace removed. The separator must be the same twice.
_YMD_SEPARATED = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_YMD_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_YMD_KANJI = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
_ERA_KANJI = re.compile(_ERA + _ERA_YEAR + r"年([0-9]{1,2})月([0-9]{1,2})日")
_ERA_SEPARATED = re.compile(_ERA + _ERA_YEAR + r"([-/.])([0-9]{1,2})\3([0-9]{1,2})")
_WEEKDAY = re.compile(r"\(([月火水木金土日])(?:曜日?)?\)$")
_WEEKDAYS = "月火水木金土日"

# A time at the end, after NFKC with whitespace runs collapsed to one space.
_TIME_COLON = re.compile(r"(?: |T)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$")
_TIME_KANJI = re.compile(r"(?: |(?<=[日)]))([0-9]{1,2})時(?:([0-9]{1,2})分(?:([0-9]{1,2})秒)?)?$")


def _era_year(era: Era, year_text: str) -> int:
    """Era year n (or 元) → Gregorian year, checked against the years the era covers."""
    n = 1 if year_text == "元" else int(year_text)
    year = era.first.year + n - 1
    if n < 1 or year > era.last.year:
        raise ValueError(OUTSIDE_ERA)
    return year


def era_of(day: date) -> tuple[str, int]:
    """The era a date is written in and its year there: 2026-11-26 → ("令和", 8). On the day
    an era began, the new one (the writer's side of the overlap `_era_date` accepts)."""
    found = core_era_of(day)
    if found is None:
        raise ValueError(OUTSIDE_ERA)
    return found[0].name, found[1]


def _make_date(year: int, month: str, day: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(YEAR_OUT_OF_RANGE)
    try:
        return date(year, int(month), int(day))
    except ValueError:
        raise ValueError(NO_SUCH_DATE) from None


def _era_date(era_text: str, year_text: str, month: str, day: str) -> date:
    era = _ERAS[era_text]
    value = _make_date(_era_year(era, year_text), month, day)
    if not era.first <= value <= era.last:
        raise ValueError(OUTSIDE_ERA)
    return value


def _read_date(text: str) -> date:
    """The date part alone; spaces anywhere are ignored."""
    text = "".join(text.split())
    weekday = _WEEKDAY.search(text)
    if weekday:
        text = text[: weekday.start()]
    value = _read_bare_date(text)
    if weekday and _WEEKDAYS[value.weekday()] != weekday.group(1):
        raise ValueError(WRONG_WEEKDAY)
    return value


def _read_bare_date(text: str) -> date:
    if m := _YMD_SEPARATED.fullmatch(text):
        return _make_date(int(m[1]), m[3], m[4])
    if m := _YMD_COMPACT.fullmatch(text) or _YMD_KANJI.fullmatch(text):
        return _make_date(int(m[1]), m[2], m[3])
    if m := _ERA_KANJI.fullmatch(text):
        return _era_date(m[1], m[2], m[3], m[4])
    if m := _ERA_SEPARATED.fullmatch(text):
        return _era_date(m[1], m[2], m[4], m[5])
    raise ValueError(NOT_A_DATE)


def _split_time(raw: str) -> tuple[str, time | None]:
    """Split "<date> <time>" into the date text and the time (None when there is none)."""
    text = " ".join(_nfkc(raw).split())
    m = _TIME_COLON.search(text) or _TIME_KANJI.search(text)
    if m is None:
        return text, None
    hour, minute, second = (int(g) if g else 0 for g in m.groups())
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(NOT_A_TIME)
    return text[: m.start()], time(hour, minute, second)


def parse_date(raw: str) -> date:
    """2024-04-01, 2024/4/1, 2024.4.1, 20240401, 2024年4月1日, 令和6年4月1日, 令和元年5月1日,
    R6.4.1, R06.04.01, H31/4/30, S60-4-12, 令6.4.1; full-width and spaces anywhere."""
    text, at = _split_time(raw)
    if at is not None and at != time(0):
        raise ValueError(TIME_NOT_ALLOWED)
    return _read_date(text)


def parse_datetime(raw: str) -> datetime:
    """A date as `parse_date` reads it, then optionally a time: "2024-05-01 10:30",
    "2024/5/1 10:30:15", "令和6年5月1日 10時30分", "R6.5.1 9:05". No time → midnight.
    Naive: the importer attaches Asia/Tokyo."""
    text, at = _split_time(raw)
    return datetime.combine(_read_date(text), at or time(0))


_YEAR_GREGORIAN = re.compile(r"([0-9]{4})(?:年度?)?")
_YEAR_ERA = re.compile(_ERA + _ERA_YEAR + r"(?:年度?)?")


def parse_year(raw: str) -> int:
    """A (fiscal) year: 2024, 2024年度, 令和6, 令和6年度, R6, R06, 令和元年度, H30 → 2024 …"""
    text = "".join(_nfkc(raw).split())
    if m := _YEAR_GREGORIAN.fullmatch(text):
        year = int(m[1])
    elif m := _YEAR_ERA.fullmatch(text):
        year = _era_year(_ERAS[m[1]], m[2])
    else:
        raise ValueError(NOT_A_YEAR)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(YEAR_OUT_OF_RANGE)
    return year


# ---------------------------------------------------------------- numbers and amounts

_INT = re.compile(r"\s*([0-9]+)\s*期?\s*")


def _significant(digits: str, most: int, too_large: str) -> int:
    """int() of an ASCII digit string, refusing more than `most` significant digits
    before converting (a million-digit cell must not cost a million-digit int)."""
    digits = digits.lstrip("0")
    if len(digits) > most:
        raise ValueError(too_large)
    return int(digits or "0")


def parse_int(raw: str) -> int:
    """A small whole number ≥ 0: "1", "01", "1期", full-width; at most 2³¹ − 1."""
    m = _INT.fullmatch(_nfkc(raw))
    if m is None:
        raise ValueError(NOT_AN_INT)
    value = _significant(m[1], 10, INT_TOO_LARGE)
    if value > MAX_INT:
        raise ValueError(INT_TOO_LARGE)
    return value


_NEGATIVE = frozenset("-−▲△")
# Sign before or after the yen mark ("-¥1,000" and "¥-1,000" both occur). CP932 files
# decoded strictly show the yen mark as a backslash. NFKC turns "￥" into "¥".
# Spaces may stand between the parts, never inside the digits ("12 300" is refused).
_AMOUNT = re.compile(r"\s*([-+−▲△]?)\s*[¥\\]?\s*([-+−▲△]?)\s*([0-9,]*)(\.[0-9]*)?\s*円?\s*")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


def _parse_amount(raw: str, *, signed: bool) -> int:
    m = _AMOUNT.fullmatch(_nfkc(raw))
    if m is None or (m[1] and m[2]):
        raise ValueError(NOT_AN_AMOUNT)
    sign, digits, fraction = m[1] or m[2], m[3], m[4]
    if fraction is not None:
        raise ValueError(DECIMAL_AMOUNT)
    if not digits:
        raise ValueError(NO_AMOUNT)
    if "," in digits and not _GROUPED.fullmatch(digits):
        raise ValueError(BAD_GROUPING)
    value = _significant(digits.replace(",", ""), 13, AMOUNT_TOO_LARGE)
    if value > MAX_YEN:
        raise ValueError(AMOUNT_TOO_LARGE)
    if value and sign in _NEGATIVE:
        if not signed:
            raise ValueError(NEGATIVE_AMOUNT)
        return -value
    return value


def parse_yen(raw: str) -> int:
    """Whole yen ≥ 0: "12,300", "12300円", "￥12,300", "¥12300", full-width; ≤ 10¹²."""
    return _parse_amount(raw, signed=False)


def parse_signed_yen(raw: str) -> int:
    """Whole yen, sign allowed: "-", "−", "▲" and "△" mean negative, "+" is allowed."""
    return _parse_amount(raw, signed=True)


_POSTAL = re.compile(rf"\s*〒?\s*([0-9]{{3}})\s*[-{_DASHES}]?\s*([0-9]{{4}})\s*")


def parse_postal(raw: str) -> str:
    """160-0023, 1600023, 〒160-0023, full-width → "1600023"."""
    m = _POSTAL.fullmatch(_nfkc(raw))
    if m is None:
        raise ValueError(NOT_A_POSTAL_CODE)
    return m[1] + m[2]


# ---------------------------------------------------------------- codes

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _code_key(label: str) -> str:
    # Only ASCII is case-folded: casefold() would also rewrite non-ASCII letters (ß → ss).
    return (normalize_text(label) or "").translate(_ASCII_LOWER)


def _normalised_codes(codes: Mapping[str, str]) -> dict[str, str]:
    normalised: dict[str, str] = {}
    for label, code in codes.items():
        normalised.setdefault(_code_key(label), code)
    return normalised


def _lookup_code(raw: str, normalised: Mapping[str, str]) -> str:
    code = normalised.get(_code_key(raw))
    if code is None:
        raise ValueError(UNKNOWN_CODE)
    return code


def parse_code(raw: str, codes: Mapping[str, str]) -> str:
    """A label ("男性", "Male", "軽自動車税（種別割）") → its stored code. Labels and keys
    are compared after NFKC, whitespace collapsing and ASCII lower-casing."""
    code = codes.get(raw)
    if code is not None:
        return code
    return _lookup_code(raw, _normalised_codes(codes))


# ---------------------------------------------------------------- phones


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as read: never dropped, flagged when it cannot be dialled.

    `e164` is set only when `valid`, so an invalid number can never be dialled.
    `kind` comes from the number itself (phonenumbers' type), never from a label:
    mobile: MOBILE (070/080/090).
    landline: FIXED_LINE, and VOIP (050) — an 050 number is not an SMS-capable personal
      mobile, and "landline" is the cautious reading: anyone may answer it.
    unknown: everything else — invalid numbers, FIXED_LINE_OR_MOBILE (which Japan's
      metadata never yields; it means ambiguous foreign numbers such as +1), toll-free
      0120/0800, ナビダイヤル 0570, 020 pagers/M2M, 060, premium and shared-cost numbers.
    """

    e164: str | None
    kind: str
    valid: bool
    invalid_reason: str | None


_PHONE_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.VOIP: "landline",
}
_LENGTH_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: PHONE_BAD_COUNTRY,
    ValidationResult.TOO_SHORT: PHONE_WRONG_LENGTH,
    ValidationResult.TOO_LONG: PHONE_WRONG_LENGTH,
    ValidationResult.INVALID_LENGTH: PHONE_WRONG_LENGTH,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: PHONE_NO_AREA_CODE,
}
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: PHONE_BAD_COUNTRY,
    NumberParseException.TOO_SHORT_AFTER_IDD: PHONE_WRONG_LENGTH,
    NumberParseException.TOO_SHORT_NSN: PHONE_WRONG_LENGTH,
    NumberParseException.TOO_LONG: PHONE_WRONG_LENGTH,
}

# Cleaning, after NFKC ("℡" has become "TEL", "㈹" "(代)"):
# a leading "TEL:" / "電話:", a trailing extension ("内線123", "(内)12", "ext.12", "x12",
# "#12" — dropped: we dial the main number), and "(代)"/"(代表)"/"(直通)" notes.
_PHONE_PREFIX = re.compile(r"^\s*(?:tel|電話(?:番号)?)\s*[:.]?\s*", re.IGNORECASE)
_PHONE_EXTENSION = re.compile(
    r"\s*(?:\(?(?:内線|内)\)?|ext\.?|x|#)\s*[:.]?\s*[0-9]{1,6}\)?\s*$", re.IGNORECASE
)
_PHONE_NOTE = re.compile(r"\((?:代|代表|直通|直)\)")
# What may remain: digits, one leading "+", spaces and separators. Anything else (letters,
# "FAX", a second number after "/" or "、") is not a number we would dial.
_PHONE_CHARS = re.compile(rf"\+?[0-9 ()\-.{_DASHES}]*[0-9][0-9 ()\-.{_DASHES}]*")
_PHONE_SEPARATORS = str.maketrans("", "", f" ()-.{_DASHES}")
_DASH_TO_HYPHEN = str.maketrans(_DASHES, "-" * len(_DASHES))
# A domestic number, the common case: read without phonenumbers' parser (≈3× faster;
# tests/unit/test_values.py checks that both ways agree).
# Excluded: "00…" (0037-68 and 000x are carrier and special prefixes phonenumbers treats
# apart) and "010…", Japan's international call prefix.
_DOMESTIC_PREFIX = re.compile(r"0(?!10)[1-9]")
_DOMESTIC = re.compile(r"0(?!10)[1-9][0-9]{8,9}")
_LOCAL_ONLY = re.compile(r"[1-9][0-9]{4,7}")  # subscriber digits alone, no "0", no "+"


def _clean_phone(raw: str) -> str:
    text = _PHONE_PREFIX.sub("", _nfkc(raw))
    text = _PHONE_EXTENSION.sub("", text)
    return _PHONE_NOTE.sub("", text).strip()


def _invalid(reason: str) -> Phone:
    return Phone(e164=None, kind="unknown", valid=False, invalid_reason=reason)


def _judge(number: phonenumbers.PhoneNumber, digits: str) -> Phone:
    if not phonenumbers.is_valid_number(number):
        return _invalid(_why_invalid(number, digits))
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        kind=_PHONE_KINDS.get(phonenumbers.number_type(number), "unknown"),
        valid=True,
        invalid_reason=None,
    )


def _judge_domestic(digits: str) -> Phone:
    """`_judge` for "0" + national number, in one pass of phonenumbers' patterns: +81 has
    one region, so there a number is valid exactly when its type is known."""
    number = phonenumbers.PhoneNumber(country_code=81, national_number=int(digits[1:]))
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        return _invalid(_why_invalid(number, digits))
    kind = _PHONE_KINDS.get(number_type, "unknown")
    return Phone(e164="+81" + digits[1:], kind=kind, valid=True, invalid_reason=None)


def _why_invalid(number: phonenumbers.PhoneNumber, digits: str) -> str:
    if _LOCAL_ONLY.fullmatch(digits):
        # "1234-5678": a Tokyo number without 03, most likely. We never guess the area.
        return PHONE_NO_AREA_CODE
    if _DOMESTIC_PREFIX.match(digits) and len(digits) not in (10, 11):
        # phonenumbers allows up to 17 digits in Japan (for 00xx carrier numbers),
        # so it calls "090-1234-56789" possible; 0 + area code dialling is 10 or 11.
        return PHONE_WRONG_LENGTH
    why = phonenumbers.is_possible_number_with_reason(number)
    return _LENGTH_REASONS.get(why, PHONE_INVALID)


def _parse_phone(text: str, digits: str) -> Phone:
    try:
        number = phonenumbers.parse(text, "JP")
    except NumberParseException as exc:
        return _invalid(_PARSE_REASONS.get(exc.error_type, PHONE_NOT_A_NUMBER))
    return _judge(number, digits)


def read_phone(raw: str) -> Phone:
    """A Japanese number ("090-1234-5678", "(03)1234-5678", "03(1234)5678", "+81 90 …",
    "tel:…", full-width) or an international one with "+". Never raises."""
    text = _clean_phone(raw)
    if not text:
        return _invalid(PHONE_EMPTY)
    if not _PHONE_CHARS.fullmatch(text):
        return _invalid(PHONE_NOT_A_NUMBER)
    digits = text.translate(_PHONE_SEPARATORS)
    if _DOMESTIC.fullmatch(digits):
        return _judge_domestic(digits)
    # phonenumbers knows "ー" and "−" as separators, but a plain "-" is surely understood.
    return _parse_phone(text.translate(_DASH_TO_HYPHEN), digits)


# ---------------------------------------------------------------- dispatch

_READERS: dict[str, Callable[[str], object]] = {
    Kind.ID: normalize_id,
    Kind.TEXT: normalize_text,
    Kind.KANA: normalize_kana,
    Kind.DATE: parse_date,
    "datetime": parse_datetime,  # keyed by value: works once spec.Kind gains DATETIME
    Kind.YEAR: parse_year,
    Kind.INT: parse_int,
    Kind.YEN: parse_yen,
    Kind.SIGNED_YEN: parse_signed_yen,
    Kind.POSTAL: parse_postal,
    Kind.PHONE: read_phone,
}


def reader_for(kind: Kind, codes: Mapping[str, str] | None = None) -> Callable[[str], object]:
    """The reader for a column's kind; for CODE, one bound to its labels (normalised once)."""
    if kind == Kind.CODE:
        if codes is None:
            raise TypeError("a CODE column needs its codes")
        normalised = _normalised_codes(codes)
        return lambda raw: _lookup_code(raw, normalised)
    return _READERS[kind]
