"""The usual spellings of each kind of cell, read by PostgreSQL itself.

Each is a regular expression over the trimmed raw text, the most characters it may have,
and the SQL value it gives (NULL where the spelling is right but the value is not, such as
the 30th of February). Every raw they read is read exactly as the Python reader in
campaigns.linkage.values reads it (tests/db/test_fast_paths.py holds them together); only
the distinct raws they leave unread make the trip to Python. A file in the usual spellings
then needs no trip, no join and no second pass — and the ward's exports write dates in the
Japanese era as often as in ISO, and furigana in hiragana or half-width katakana as often
as in katakana. (Lengths are checked apart: PostgreSQL's regular expressions are four times
slower with counted repetitions such as [0-9]{1,12}.)
"""

from __future__ import annotations

from campaigns.linkage.spec import Column, Kind
from saikoku.core.era import HEISEI, REIWA, SHOWA


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings is on: only ' needs doubling).
    Used for the spec's own labels, never for file data."""
    return "'" + text.replace("'", "''") + "'"


_GROUPED = "[0-9][0-9]?[0-9]?(,[0-9][0-9][0-9])+"  # 12,300; at most 15 characters = 12 digits
_REIWA_YEAR = "([1-9]|0[1-9]|[1-9][0-9]|00[1-9]|0[1-9][0-9]|1[0-7][0-9]|18[0-2])"  # 1-182
_HEISEI_YEAR = "([1-9]|0[1-9]|[12][0-9]|3[01]|00[1-9]|0[12][0-9]|03[01])"  # 1-31
_LEAP = "((19|2[01])(0[48]|[2468][048]|[13579][26])|2000)"  # 1900-2199
_NEGATIVE = "[-−▲△]"

# Dates in other spellings: month and day of one or two digits, after a Gregorian year of
# 1900-2199 or an era year of 1-99 (元 for 1), separated by 年月日 or twice the same one
# of - / . (2026/6/30, 2026年6月30日, 令和8年6月30日, R8.6.30, 昭和63年1月7日).
_MONTH = "(0?[1-9]|1[0-2])"
_DAY = "(0?[1-9]|[12][0-9]|3[01])"
_MONTH_DAY = f"(年{_MONTH}月{_DAY}日|-{_MONTH}-{_DAY}|/{_MONTH}/{_DAY}|\\.{_MONTH}\\.{_DAY})"
_ERA_YEAR = "(元|0?[1-9]|[1-9][0-9])"
# The eras the ward's people were born and billed in: (spellings, the year before its first,
# its first and last day). 明治 and 大正 are left to Python.
_ERAS = tuple(
    (
        (era.name, era.name[0], era.letter, era.letter.lower()),
        era.year_before,
        era.first.isoformat(),
        era.last.isoformat(),
    )
    for era in (REIWA, HEISEI, SHOWA)
)


def _parts(text: str) -> tuple[str, str, str]:
    """SQL: the year, month and day texts of `text` (a SQL expression) once its era is cut
    off: 年, 月, / and . become -, 日 goes."""
    dashed = f"translate({text}, '年月/.日', '----')"
    return (
        f"split_part({dashed}, '-', 1)",
        f"split_part({dashed}, '-', 2)",
        f"split_part({dashed}, '-', 3)",
    )


def _existing_date(year: str, month: str, day: str, within: tuple[str, str] | None = None) -> str:
    """SQL: the date, or NULL when the month has no such day (the pattern has made the
    month 1-12 and the day 1-31) or it is not `within` (first, last day)."""
    m, d = f"{month}::integer", f"{day}::integer"
    leap = f"({year} % 4 = 0 and ({year} % 100 <> 0 or {year} % 400 = 0))"
    last = (
        f"case {m} when 2 then case when {leap} then 29 else 28 end"
        f" when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30 else 31 end"
    )
    value = f"make_date({year}, {m}, {d})"
    if within is not None:  # nested: make_date only ever sees a day the month has
        value = (
            f"case when {value} between date '{within[0]}' and date '{within[1]}' then {value} end"
        )
    return f"case when {d} <= {last} then {value} end"


def _gregorian_date() -> tuple[str, int | None, str]:
    year, month, day = _parts("{r}")
    return (
        f"^(19|2[01])[0-9][0-9]{_MONTH_DAY}$",
        None,
        _existing_date(f"{year}::integer", month, day),
    )


def _era_date(
    spellings: tuple[str, ...], before: int, first: str, last: str
) -> tuple[str, int | None, str]:
    era_year, month, day = _parts(f"ltrim({{r}}, {literal(''.join(spellings))})")
    year = f"({before} + case {era_year} when '元' then 1 else {era_year}::integer end)"
    return (
        f"^({'|'.join(spellings)}){_ERA_YEAR}{_MONTH_DAY}$",
        None,
        _existing_date(year, month, day, (first, last)),
    )


# Katakana (full width) words split by one space or U+3000: NFKC leaves them alone.
_KATAKANA_WORDS = "^[\u30a1-\u30fe]+([ \u3000][\u30a1-\u30fe]+)*$"
# Words of hiragana and katakana of either width: NFKC (half-width to full, and their
# voicing marks joined), hiragana to katakana, and then only katakana words may be left.
_ANY_KANA = "[\u3041-\u3096\u309d\u309e\u30a1-\u30fe\uff66-\uff9f]"
_HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097)) + "\u309d\u309e"
_AS_KATAKANA = "".join(chr(c + 0x60) for c in range(0x3041, 0x3097)) + "\u30fd\u30fe"


def _kana_value() -> str:
    kana = f"translate(normalize({{r}}, NFKC), '{_HIRAGANA}', '{_AS_KATAKANA}')"
    return f"case when {kana} ~ '^[\u30a1-\u30fe]+( [\u30a1-\u30fe]+)*$' then {kana} end"


FAST_PATHS: dict[Kind, tuple[tuple[str, int | None, str], ...]] = {
    Kind.ID: (("^[0-9A-Za-z_-]+$", None, "{r}"),),
    Kind.INT: (("^[0-9]+$", 9, "{r}::integer"),),
    Kind.YEN: (
        ("^[0-9]+$", 12, "{r}::bigint"),
        (f"^{_GROUPED}$", 15, "replace({r}, ',', '')::bigint"),
    ),
    Kind.SIGNED_YEN: (
        ("^[0-9]+$", 12, "{r}::bigint"),
        (f"^{_NEGATIVE}[0-9]+$", 13, "-substr({r}, 2)::bigint"),
        (f"^{_GROUPED}$", 15, "replace({r}, ',', '')::bigint"),
        (f"^{_NEGATIVE}{_GROUPED}$", 16, "-replace(substr({r}, 2), ',', '')::bigint"),
        ("^\\+[0-9]+$", 13, "substr({r}, 2)::bigint"),
    ),
    Kind.YEAR: (
        ("^(18(6[89]|[7-9][0-9])|19[0-9][0-9]|2[01][0-9][0-9]|2200)$", None, "{r}::smallint"),
        (
            f"^(令和|令|R|r){_REIWA_YEAR}(年度?)?$",
            None,
            "2018 + ltrim(rtrim({r}, '年度'), '令和Rr')::smallint",
        ),
        (
            f"^(平成|平|H|h){_HEISEI_YEAR}(年度?)?$",
            None,
            "1988 + ltrim(rtrim({r}, '年度'), '平成Hh')::smallint",
        ),
        ("^(令和|令|R|r)元(年度?)?$", None, "2019"),
        ("^(平成|平|H|h)元(年度?)?$", None, "1989"),
    ),
    Kind.DATE: (
        # ISO dates of 1900-2199 that exist (the 29th of February in leap years only)
        (
            "^(19|2[01])[0-9][0-9]-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
            "|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
            None,
            "{r}::date",
        ),
        (f"^{_LEAP}-02-29$", None, "{r}::date"),
        _gregorian_date(),
        *(_era_date(*era) for era in _ERAS),
    ),
    # 〒 is left alone by NFKC.
    Kind.POSTAL: (
        ("^〒?[0-9][0-9][0-9]-?[0-9][0-9][0-9][0-9]$", None, "translate({r}, '〒-', '')"),
    ),
    Kind.KANA: (
        (_KATAKANA_WORDS, None, "translate({r}, '\u3000', ' ')"),
        (f"^{_ANY_KANA}+([ \u3000]{_ANY_KANA}+)*$", None, _kana_value()),
    ),
}


def fast_value(column: Column, raw: str) -> str | None:
    """SQL for the column's value when `raw` (a SQL expression) is in a usual spelling,
    else NULL; None when the kind has no fast path."""
    if column.kind is Kind.CODE:
        # Exactly one of the spec's labels: its code (labels are ours, not file data).
        whens = " ".join(
            f"when {literal(label)} then {literal(code)}" for label, code in column.codes.items()
        )
        return f"(case {raw} {whens} end)"
    if column.kind not in FAST_PATHS:
        return None
    whens = " ".join(
        f"when {raw} ~ {literal(pattern)}"
        f"{f' and length({raw}) <= {most}' if most else ''} then {value.format(r=raw)}"
        for pattern, most, value in FAST_PATHS[column.kind]
    )
    return f"(case {whens} end)"


def fast_mobile(raw: str) -> str:
    """SQL: true when `raw` is a mobile number in digits and hyphens (090-1234-5678,
    09012345678): phonenumbers reads every 070/080/090 number whose fourth digit is not 0
    as a valid mobile, +81 and the digits after the 0. Other numbers go to Python."""
    digits = f"replace({raw}, '-', '')"
    return f"({raw} ~ '^[0-9-]+$' and length({digits}) = 11 and {digits} ~ '^0[789]0[1-9]')"


# Characters NFKC leaves alone and that are no whitespace: ASCII but the space, hiragana,
# katakana (full width), 々〇、。 and the CJK unified ideographs.
_PLAIN = "[!-~\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3005\u3007\u3001\u3002\u4e00-\u9fff]"
# Free text in words of those, split by one space or U+3000: most names and addresses.
FAST_TEXT = f"^{_PLAIN}+([ \u3000]{_PLAIN}+)*$"


def text_sql(raw: str) -> str:
    """Mirrors values.normalize_text: NFKC, whitespace runs to one space, trimmed. Text in
    FAST_TEXT only needs U+3000 made a space: NFKC (1.4 µs per address) is skipped."""
    full = f"nullif(btrim(regexp_replace(normalize({raw}, NFKC), '\\s+', ' ', 'g')), '')"
    return (
        f"(case when {raw} ~ {literal(FAST_TEXT)} then translate({raw}, '\u3000', ' ')"
        f" else {full} end)"
    )
