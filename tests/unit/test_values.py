"""The cell readers of the linkage format: examples for every kind, then properties."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from campaigns.linkage import spec, values
from campaigns.linkage.spec import Kind
from campaigns.linkage.values import (
    Phone,
    _parse_phone,
    normalize_id,
    normalize_kana,
    normalize_text,
    parse_code,
    parse_date,
    parse_datetime,
    parse_int,
    parse_postal,
    parse_signed_yen,
    parse_year,
    parse_yen,
    read_phone,
    reader_for,
)

# Hypothesis runs the autouse (event-loop guard) fixture once per test, not per example;
# these readers are pure, so that is fine.
PROPERTY = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def reason_of(read: Callable[[str], object], raw: str) -> str:
    with pytest.raises(ValueError) as error:
        read(raw)
    return str(error.value)


# ---------------------------------------------------------------- text, kana, identifiers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("佐藤 太郎", "佐藤 太郎"),
        ("  佐藤\u3000\u3000太郎 \t", "佐藤 太郎"),
        ("ｻﾄｳ ﾀﾛｳ", "サトウ タロウ"),  # half-width katakana, as CP932 exports have it
        ("ｶﾞｯｺｳ", "ガッコウ"),  # half-width dakuten composes
        ("ＡＢＣ１２３", "ABC123"),
        ("東京都新宿区西新宿２－８－１", "東京都新宿区西新宿2-8-1"),
        ("㈱サイコク", "(株)サイコク"),
        ("a\nb\r\nc", "a b c"),
        ("\u3000", None),
        (" ", None),
        ("", None),
    ],
)
def test_normalize_text(raw: str, expected: str | None) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("サトウ タロウ", "サトウ タロウ"),
        ("ｻﾄｳ ﾀﾛｳ", "サトウ タロウ"),
        ("さとう　たろう", "サトウ タロウ"),
        ("ｽﾐｽ･ｼﾞｮﾝ", "スミス・ジョン"),
        ("ヴィーナス", "ヴィーナス"),
        ("いすゞ", "イスヾ"),
        ("　", None),
    ],
)
def test_normalize_kana(raw: str, expected: str | None) -> None:
    assert normalize_kana(raw) == expected


@pytest.mark.parametrize("raw", ["佐藤", "サトウ1", "SATO", "サトウ=タロウ", "サトウ（タロウ）"])
def test_normalize_kana_refuses_other_characters(raw: str) -> None:
    assert reason_of(normalize_kana, raw) == "カナ以外の文字があります (not kana)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345", "12345"),
        (" 00123 ", "00123"),
        ("ＡＢ－１２＿３", "AB-12_3"),
        ("HA36S-1", "HA36S-1"),
    ],
)
def test_normalize_id(raw: str, expected: str) -> None:
    assert normalize_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("   ", "空です (empty)"),
        ("12 34", "空白が含まれています (contains a space)"),
        ("12\u300034", "空白が含まれています (contains a space)"),
        ("12ー34", "使えない文字があります (invalid character)"),
        ("第1号", "使えない文字があります (invalid character)"),
        ("١٢", "使えない文字があります (invalid character)"),  # Arabic-Indic digits
    ],
)
def test_normalize_id_refuses(raw: str, reason: str) -> None:
    assert reason_of(normalize_id, raw) == reason


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024.4.1", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("２０２４年４月１日", date(2024, 4, 1)),
        ("２０２４／０４／０１", date(2024, 4, 1)),
        (" 2024 年 4 月 1 日 ", date(2024, 4, 1)),
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和６年４月１日", date(2024, 4, 1)),
        ("令和 6年 4月 1日", date(2024, 4, 1)),
        ("㋿6年4月1日", date(2024, 4, 1)),
        ("R6.4.1", date(2024, 4, 1)),
        ("R06.04.01", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("Ｒ６．４．１", date(2024, 4, 1)),
        ("R6年4月1日", date(2024, 4, 1)),
        ("令6.4.1", date(2024, 4, 1)),
        ("H31/4/30", date(2019, 4, 30)),
        ("S60-4-12", date(1985, 4, 12)),
        ("T15.12.25", date(1926, 12, 25)),
        ("M45.7.30", date(1912, 7, 30)),
        ("2024年4月1日(月)", date(2024, 4, 1)),
        ("2024年4月1日（月曜日）", date(2024, 4, 1)),
        ("2024/4/1 0:00", date(2024, 4, 1)),  # Excel's way of writing a date
        ("2024/04/01 00:00:00", date(2024, 4, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("1868-01-01", date(1868, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
    ],
)
def test_parse_date(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # first and last days of each era are its own
        ("明治元年1月25日", date(1868, 1, 25)),
        ("明治45年7月30日", date(1912, 7, 30)),  # 明治 ended the day 大正 began
        ("大正元年7月30日", date(1912, 7, 30)),
        ("大正15年12月25日", date(1926, 12, 25)),  # likewise 大正 and 昭和
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("令和182年12月31日", date(2200, 12, 31)),
    ],
)
def test_parse_date_era_boundaries(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "明治元年1月24日",
        "明治45年7月31日",
        "大正元年7月29日",
        "大正15年12月26日",
        "昭和元年12月24日",
        "昭和64年1月8日",
        "平成元年1月7日",
        "平成31年5月1日",
        "平成32年1月1日",
        "令和元年4月30日",
        "令和0年5月1日",
        "H0.1.8",
    ],
)
def test_parse_date_outside_the_era(raw: str) -> None:
    assert reason_of(parse_date, raw) == "元号の期間外です (outside the era)"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-02-30", "存在しない日付です (no such date)"),
        ("2023年2月29日", "存在しない日付です (no such date)"),
        ("令和6年2月30日", "存在しない日付です (no such date)"),
        ("2024-13-01", "存在しない日付です (no such date)"),
        ("2024-00-10", "存在しない日付です (no such date)"),
        ("1867-12-31", "年が範囲外です (year out of range)"),
        ("2201-01-01", "年が範囲外です (year out of range)"),
        ("令和183年1月1日", "元号の期間外です (outside the era)"),
        ("2024-4/1", "日付として読めません (not a date)"),
        ("24/4/1", "日付として読めません (not a date)"),
        ("2024-04", "日付として読めません (not a date)"),
        ("X6.4.1", "日付として読めません (not a date)"),
        ("令和6年", "日付として読めません (not a date)"),
        ("٢٠٢٤-٠٤-٠١", "日付として読めません (not a date)"),  # Arabic-Indic digits
        ("明日", "日付として読めません (not a date)"),
        ("2024年4月1日(火)", "曜日が合いません (wrong weekday)"),
        ("2024/4/1 10:30", "日付に時刻が付いています (a time where a date was expected)"),
        ("2024/4/1 25:00", "時刻として読めません (not a time)"),
    ],
)
def test_parse_date_refuses(raw: str, reason: str) -> None:
    assert reason_of(parse_date, raw) == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01 10:30", datetime(2024, 5, 1, 10, 30)),
        ("2024/5/1 10:30:15", datetime(2024, 5, 1, 10, 30, 15)),
        ("2024-05-01T10:30:00", datetime(2024, 5, 1, 10, 30)),
        ("令和6年5月1日 10時30分", datetime(2024, 5, 1, 10, 30)),
        ("令和6年5月1日10時30分15秒", datetime(2024, 5, 1, 10, 30, 15)),
        ("令和6年5月1日(水) 10時", datetime(2024, 5, 1, 10)),
        ("R6.5.1 9:05", datetime(2024, 5, 1, 9, 5)),
        ("２０２４－０５－０１　１０：３０", datetime(2024, 5, 1, 10, 30)),
        ("2024-05-01", datetime(2024, 5, 1)),
        ("2024-05-01 23:59:59", datetime(2024, 5, 1, 23, 59, 59)),
    ],
)
def test_parse_datetime(raw: str, expected: datetime) -> None:
    value = parse_datetime(raw)
    assert value == expected
    assert value.tzinfo is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-05-01 24:00", "時刻として読めません (not a time)"),
        ("2024-05-01 10:60", "時刻として読めません (not a time)"),
        ("2024-05-01 10時61分", "時刻として読めません (not a time)"),
        ("2024-05-01 10:3", "日付として読めません (not a date)"),
        ("10:30", "日付として読めません (not a date)"),
        ("2024-02-30 10:30", "存在しない日付です (no such date)"),
    ],
)
def test_parse_datetime_refuses(raw: str, reason: str) -> None:
    assert reason_of(parse_datetime, raw) == reason


# ---------------------------------------------------------------- years


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024", 2024),
        ("2024年度", 2024),
        ("2024年", 2024),
        ("２０２４年度", 2024),
        ("令和6", 2024),
        ("令和6年度", 2024),
        ("令和６年度", 2024),
        ("R6", 2024),
        ("R06", 2024),
        ("r6", 2024),
        ("令6", 2024),
        ("令和元年度", 2019),
        ("令和元", 2019),
        ("H30", 2018),
        ("平成31年度", 2019),
        ("昭和64年", 1989),
        ("平成元年度", 1989),
        ("明治元年", 1868),
    ],
)
def test_parse_year(raw: str, expected: int) -> None:
    assert parse_year(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("平成32年度", "元号の期間外です (outside the era)"),
        ("昭和65", "元号の期間外です (outside the era)"),
        ("令和0年度", "元号の期間外です (outside the era)"),
        ("1867", "年が範囲外です (year out of range)"),
        ("2201年度", "年が範囲外です (year out of range)"),
        ("24", "年度として読めません (not a year)"),
        ("令和", "年度として読めません (not a year)"),
        ("2024-04-01", "年度として読めません (not a year)"),
    ],
)
def test_parse_year_refuses(raw: str, reason: str) -> None:
    assert reason_of(parse_year, raw) == reason


# ---------------------------------------------------------------- numbers, amounts, postal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("01", 1),
        ("0", 0),
        ("12", 12),
        ("１２", 12),
        ("1期", 1),
        ("１２期", 12),
        ("3 期", 3),
        (" 7 ", 7),
        ("2147483647", 2147483647),
        ("000000000000007", 7),
    ],
)
def test_parse_int(raw: str, expected: int) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-1", "整数として読めません (not a whole number)"),
        ("1.0", "整数として読めません (not a whole number)"),
        ("期", "整数として読めません (not a whole number)"),
        ("第1期", "整数として読めません (not a whole number)"),
        ("1 2", "整数として読めません (not a whole number)"),
        ("٣", "整数として読めません (not a whole number)"),
        ("2147483648", "数が大きすぎます (too large)"),
        ("9" * 5000, "数が大きすぎます (too large)"),
    ],
)
def test_parse_int_refuses(raw: str, reason: str) -> None:
    assert reason_of(parse_int, raw) == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12300", 12300),
        ("12,300", 12300),
        ("12300円", 12300),
        ("12,300 円", 12300),
        ("￥12,300", 12300),
        ("¥12300", 12300),
        ("\\12,300", 12300),
        ("１２，３００円", 12300),
        ("0", 0),
        ("0円", 0),
        ("+100", 100),
        ("1,000,000,000,000", 10**12),
        ("007", 7),
    ],
)
def test_parse_yen(raw: str, expected: int) -> None:
    assert parse_yen(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-100", "負の金額は使えません (negative amount)"),
        ("▲100", "負の金額は使えません (negative amount)"),
        ("12.5", "円未満の金額は使えません (not whole yen)"),
        ("12300.0", "円未満の金額は使えません (not whole yen)"),
        ("円", "金額がありません (no amount)"),
        ("¥", "金額がありません (no amount)"),
        ("1,2,3", "桁区切りが正しくありません (bad digit grouping)"),
        ("12,30", "桁区切りが正しくありません (bad digit grouping)"),
        ("1000000000001", "金額が大きすぎます (amount too large)"),
        ("9" * 5000, "金額が大きすぎます (amount too large)"),
        ("12 300", "金額として読めません (not an amount)"),
        ("1万円", "金額として読めません (not an amount)"),
        ("abc", "金額として読めません (not an amount)"),
        ("--1", "金額として読めません (not an amount)"),
    ],
)
def test_parse_yen_refuses(raw: str, reason: str) -> None:
    assert reason_of(parse_yen, raw) == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,300", 12300),
        ("+12,300", 12300),
        ("-12,300", -12300),
        ("－１２，３００", -12300),
        ("−12300", -12300),
        ("▲12,300", -12300),
        ("△12,300円", -12300),
        ("-¥1,000", -1000),
        ("¥-1,000", -1000),
        ("▲ ￥1,000", -1000),
        ("-0", 0),
        ("-1,000,000,000,000", -(10**12)),
    ],
)
def test_parse_signed_yen(raw: str, expected: int) -> None:
    assert parse_signed_yen(raw) == expected


@pytest.mark.parametrize("raw", ["-¥-1", "+-1", "12.5", "▲", "1-", "-1,00"])
def test_parse_signed_yen_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_signed_yen(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "160-0023",
        "1600023",
        "〒160-0023",
        "〒 160-0023",
        "１６０－００２３",
        "〒１６０００２３",
        "160ー0023",
        "160−0023",
        " 160 0023 ",
    ],
)
def test_parse_postal(raw: str) -> None:
    assert parse_postal(raw) == "1600023"


@pytest.mark.parametrize("raw", ["160-002", "16000230", "160-00234", "1600-023", "〒", "abc-defg"])
def test_parse_postal_refuses(raw: str) -> None:
    assert reason_of(parse_postal, raw) == "郵便番号は7桁です (postal code must be 7 digits)"


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("raw", "codes", "expected"),
    [
        ("男", spec.SEX, "male"),
        ("女性", spec.SEX, "female"),
        ("１", spec.SEX, "male"),
        ("MALE", spec.SEX, "male"),
        ("Ｆｅｍａｌｅ", spec.SEX, "female"),
        (" 住民税 ", spec.TAX_TYPE, "resident"),
        ("軽自動車税（種別割）", spec.TAX_TYPE, "light_vehicle"),
        ("特別区民税・都民税", spec.TAX_TYPE, "resident"),
        ("ﾌﾞﾝﾉｳ", {"ブンノウ": "plan"}, "plan"),  # keys are normalised too
        ("Heir", {" HEIR ": "heir"}, "heir"),
    ],
)
def test_parse_code(raw: str, codes: dict[str, str], expected: str) -> None:
    assert parse_code(raw, codes) == expected
    assert reader_for(Kind.CODE, codes)(raw) == expected


@pytest.mark.parametrize("raw", ["3", "おとこ", "males", "ＭＡＬＥＳ"])
def test_parse_code_refuses(raw: str) -> None:
    assert reason_of(lambda r: parse_code(r, spec.SEX), raw) == "区分が不明です (unknown code)"
    assert reason_of(reader_for(Kind.CODE, spec.SEX), raw) == "区分が不明です (unknown code)"


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("raw", "e164", "kind"),
    [
        ("090-1234-5678", "+819012345678", "mobile"),
        ("09012345678", "+819012345678", "mobile"),
        ("０９０－１２３４－５６７８", "+819012345678", "mobile"),
        ("090ー1234ー5678", "+819012345678", "mobile"),
        ("080 1234 5678", "+818012345678", "mobile"),
        ("070-1234-5678", "+817012345678", "mobile"),
        ("+81 90 1234 5678", "+819012345678", "mobile"),
        ("+81-90-1234-5678", "+819012345678", "mobile"),
        ("+81 (0)90 1234 5678", "+819012345678", "mobile"),
        ("03-1234-5678", "+81312345678", "landline"),
        ("(03)1234-5678", "+81312345678", "landline"),
        ("03(1234)5678", "+81312345678", "landline"),
        ("０３（１２３４）５６７８", "+81312345678", "landline"),
        ("0466-12-3456", "+81466123456", "landline"),
        ("tel:03-1234-5678", "+81312345678", "landline"),
        ("TEL 03-1234-5678", "+81312345678", "landline"),
        ("℡03-1234-5678", "+81312345678", "landline"),
        ("電話:03-1234-5678", "+81312345678", "landline"),
        ("03-1234-5678 内線123", "+81312345678", "landline"),
        ("03-1234-5678（内線１２３）", "+81312345678", "landline"),
        ("03-1234-5678(内)12", "+81312345678", "landline"),
        ("03-1234-5678 ext.12", "+81312345678", "landline"),
        ("03-1234-5678(代)", "+81312345678", "landline"),
        ("03-1234-5678㈹", "+81312345678", "landline"),
        ("050-1234-5678", "+815012345678", "landline"),  # VOIP: see Phone
        ("0120-123-456", "+81120123456", "unknown"),  # toll-free
        ("0570-000-111", "+81570000111", "unknown"),  # ナビダイヤル
        ("+1 650 253 0000", "+16502530000", "unknown"),  # FIXED_LINE_OR_MOBILE
        ("+44 20 7946 0958", "+442079460958", "landline"),
    ],
)
def test_read_phone(raw: str, e164: str, kind: str) -> None:
    assert read_phone(raw) == Phone(e164=e164, kind=kind, valid=True, invalid_reason=None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0901234567", "番号として無効です (not a valid number)"),  # 090 needs 11 digits
        ("031234567", "桁数が合いません (wrong length)"),
        ("090-1234-56789", "桁数が合いません (wrong length)"),
        ("1234", "桁数が合いません (wrong length)"),
        ("1234-5678", "市外局番がありません (no area code)"),
        ("+999 1234 5678", "国番号が不明です (unknown country code)"),
        ("03-1234-ABCD", "電話番号として読めません (not a phone number)"),  # no vanity letters
        ("03-1234-5678 FAX", "電話番号として読めません (not a phone number)"),
        ("03-1234-5678/090-1234-5678", "電話番号として読めません (not a phone number)"),
        ("山田 03-1234-5678", "電話番号として読めません (not a phone number)"),
        ("なし", "電話番号として読めません (not a phone number)"),
        ("---", "電話番号として読めません (not a phone number)"),
        ("tel:", "番号がありません (no number)"),
        ("", "番号がありません (no number)"),
    ],
)
def test_read_phone_flags_invalid_numbers(raw: str, reason: str) -> None:
    assert read_phone(raw) == Phone(e164=None, kind="unknown", valid=False, invalid_reason=reason)


# ---------------------------------------------------------------- dispatch


def test_reader_for_every_kind() -> None:
    expected: dict[Kind, Callable[[str], object]] = {
        Kind.ID: normalize_id,
        Kind.TEXT: normalize_text,
        Kind.KANA: normalize_kana,
        Kind.DATE: parse_date,
        Kind.YEAR: parse_year,
        Kind.INT: parse_int,
        Kind.YEN: parse_yen,
        Kind.SIGNED_YEN: parse_signed_yen,
        Kind.POSTAL: parse_postal,
        Kind.PHONE: read_phone,
    }
    for kind in Kind:
        if kind is Kind.CODE:
            assert reader_for(kind, spec.SEX)("男") == "male"
        elif kind.value == "datetime":  # once spec.Kind has it
            assert reader_for(kind)("2024-05-01 10:30") == datetime(2024, 5, 1, 10, 30)
        else:
            assert reader_for(kind) is expected[kind]
            assert reader_for(kind, {}) is expected[kind]  # the importer passes column.codes


def test_reader_for_code_needs_codes() -> None:
    with pytest.raises(TypeError):
        reader_for(Kind.CODE)


# ---------------------------------------------------------------- properties

REASONS = {
    value
    for name, value in vars(values).items()
    if name.isupper() and isinstance(value, str) and " (" in value
}
RAISING: list[Callable[[str], object]] = [
    normalize_kana,
    normalize_id,
    parse_date,
    parse_datetime,
    parse_year,
    parse_int,
    parse_yen,
    parse_signed_yen,
    parse_postal,
    reader_for(Kind.CODE, spec.TAX_TYPE),
]
# Text made of the characters the parsers care about, so the properties reach deep paths.
NEAR_MISS = st.text(
    alphabet="0123456789０１２９-/.:,+ 　年月日時分秒期円¥￥\\▲△−ー"
    "元令和平成昭大明RHSrTMT()〒内線代#x",
    max_size=30,
)
ANY_TEXT = st.one_of(st.text(), NEAR_MISS)


@PROPERTY
@given(raw=ANY_TEXT)
@example(raw="9" * 100_000)
@example(raw="R" + "9" * 400 + ".1.1")
def test_readers_return_or_raise_value_error_only(raw: str) -> None:
    for read in RAISING:
        try:
            read(raw)
        except ValueError as error:
            assert str(error) in REASONS  # fixed reasons: they never echo the value
    normalize_text(raw)
    read_phone(raw)


E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PHONE_LIKE = st.text(alphabet="0123456789+-() ー０９－内線tel:", max_size=24)


@PROPERTY
@given(raw=st.one_of(st.text(), PHONE_LIKE))
def test_read_phone_never_raises_and_valid_means_dialable(raw: str) -> None:
    phone = read_phone(raw)
    assert phone.kind in {"mobile", "landline", "unknown"}
    if phone.valid:
        assert phone.e164 is not None and E164.fullmatch(phone.e164)
        assert phone.invalid_reason is None
    else:
        assert phone.e164 is None and phone.kind == "unknown" and phone.invalid_reason


@PROPERTY
@given(digits=st.from_regex(r"0[0-9]{8,10}", fullmatch=True))
@example(digits="0101000000")  # 010 is the international prefix, not an area code
def test_domestic_fast_path_agrees_with_phonenumbers_parse(digits: str) -> None:
    assert read_phone(digits) == _parse_phone(digits, digits)


ERAS = [  # (name, letter, first day); an era runs until the next one begins
    ("令和", "R", date(2019, 5, 1)),
    ("平成", "H", date(1989, 1, 8)),
    ("昭和", "S", date(1926, 12, 25)),
    ("大正", "T", date(1912, 7, 30)),
    ("明治", "M", date(1868, 1, 25)),
]


def era_forms(day: date) -> list[str]:
    name, letter, first = next(era for era in ERAS if era[2] <= day)
    n = day.year - first.year + 1
    kanji_year = "元" if n == 1 else str(n)
    return [
        f"{name}{kanji_year}年{day.month}月{day.day}日",
        f"{letter}{n}.{day.month}.{day.day}",
        f"{letter}{n:02}.{day.month:02}.{day.day:02}",
        f"{name[0]}{n}/{day.month}/{day.day}",
    ]


@PROPERTY
@given(day=st.dates(date(1868, 1, 25), date(2200, 12, 31)))
@example(day=date(1989, 1, 7))
@example(day=date(1989, 1, 8))
@example(day=date(2019, 4, 30))
@example(day=date(2019, 5, 1))
@example(day=date(1926, 12, 25))
@example(day=date(1912, 7, 30))
def test_dates_round_trip(day: date) -> None:
    forms = [
        day.isoformat(),
        f"{day.year}年{day.month}月{day.day}日",
        day.strftime("%Y%m%d"),
        f"{day.year}/{day.month}/{day.day}",
        *era_forms(day),
    ]
    for form in forms:
        assert parse_date(form) == day, form
    assert parse_datetime(f"{day.isoformat()} 12:34") == datetime.combine(
        day, datetime.min.time()
    ) + timedelta(hours=12, minutes=34)


@PROPERTY
@given(day=st.dates(date(1868, 1, 25), date(2200, 12, 31)))
def test_era_year_round_trip(day: date) -> None:
    era_date = era_forms(day)[0]
    assert parse_year(era_date[: era_date.index("年")] + "年度") == day.year


@PROPERTY
@given(n=st.integers(-(10**12), 10**12))
def test_amounts_round_trip(n: int) -> None:
    assert parse_signed_yen(str(n)) == n
    assert parse_signed_yen(f"{n:,}円") == n
    if n >= 0:
        assert parse_yen(f"{n:,}") == n
        assert parse_yen(f"¥{n}") == n


@PROPERTY
@given(raw=st.text())
def test_text_normalisation_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert once is None or normalize_text(once) == once
    try:
        kana = normalize_kana(raw)
    except ValueError:
        return
    assert kana is None or normalize_kana(kana) == kana


@PROPERTY
@given(code=st.from_regex(r"[0-9]{7}", fullmatch=True))
def test_postal_round_trip(code: str) -> None:
    assert parse_postal(f"〒{code[:3]}-{code[3:]}") == code
    assert parse_postal(code) == code
