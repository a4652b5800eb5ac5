"""The interchange format: one CSV file per entity, described once, here.

The importer, the synthetic-ward generator and the format documentation
(`saikoku linkage docs`) all read these definitions, so they cannot drift apart.

Headers are Japanese; English aliases (the `key`) are accepted too. Column order is free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a cell is read. Every kind keeps the original text beside the normalised value."""

    ID = "id"  # an identifier: NFKC, trimmed, no inner spaces
    TEXT = "text"  # free text: NFKC (half-width katakana → full-width), trimmed
    KANA = "kana"  # furigana: NFKC, hiragana → katakana
    DATE = "date"  # 2024-04-01, 2024/4/1, 20240401, 2024年4月1日, 令和6年4月1日, R6.4.1
    DATETIME = "datetime"  # a date as above, then a time: 10:30, 10時30分 (Asia/Tokyo)
    YEAR = "year"  # fiscal year: 2024, 令和6, R6, 令和元
    INT = "int"  # a small whole number (installment number)
    YEN = "yen"  # whole yen ≥ 0: "12,300", "12300円", full-width digits
    SIGNED_YEN = "signed_yen"  # whole yen, may be negative (−, ▲ and △ accepted)
    POSTAL = "postal"  # 7 digits: 160-0023, 〒1600023
    PHONE = "phone"  # Japanese number, normalised to E.164 with phonenumbers
    CODE = "code"  # one of a fixed set of labels (see Column.codes)


@dataclass(frozen=True)
class Column:
    ja: str  # the header as the ward's system writes it
    key: str  # our name: the English alias and the staging column
    kind: Kind = Kind.TEXT
    required: bool = False
    codes: dict[str, str] = field(default_factory=dict)  # label (ja or en) → stored code
    doc: str = ""  # what it means, for the format documentation

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.ja, self.key)


@dataclass(frozen=True)
class Entity:
    key: str  # file name stem in English: persons.csv
    ja: str  # file name stem in Japanese: 宛名.csv
    title: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]  # column keys that identify a row within the file
    references_person: bool = True  # has a 宛名番号 that must name a known person
    doc: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def header_map(self) -> dict[str, Column]:
        """Every accepted header (Japanese or English), normalised, to its column."""
        return {header.lower(): c for c in self.columns for header in c.headers}


SEX = {
    "男": "male",
    "男性": "male",
    "1": "male",
    "male": "male",
    "女": "female",
    "女性": "female",
    "2": "female",
    "female": "female",
}
TAX_TYPE = {
    "住民税": "resident",
    "個人住民税": "resident",
    "特別区民税・都民税": "resident",
    "特別区民税": "resident",
    "resident": "resident",
    "軽自動車税": "light_vehicle",
    "軽自動車税(種別割)": "light_vehicle",
    "light_vehicle": "light_vehicle",
}
NO_CALL = {
    "死亡": "deceased",
    "deceased": "deceased",
    "破産": "bankruptcy",
    "bankruptcy": "bankruptcy",
    "執行停止": "collection_suspended",
    "collection_suspended": "collection_suspended",
    "職員対応": "staff_only",
    "staff_only": "staff_only",
    "架電拒否": "refused",
    "refused": "refused",
    "その他": "other",
    "other": "other",
}
PHONE_KIND = {
    "携帯": "mobile",
    "携帯電話": "mobile",
    "mobile": "mobile",
    "自宅": "landline",
    "固定": "landline",
    "landline": "landline",
    "勤務先": "work",
    "work": "work",
}
RECEIPT_KIND = {
    "本税": "principal",
    "principal": "principal",
    "延滞金": "late_fee",
    "late_fee": "late_fee",
}
PLAN_STATUS = {
    "履行中": "active",
    "active": "active",
    "完了": "completed",
    "completed": "completed",
    "不履行": "defaulted",
    "defaulted": "defaulted",
    "取消": "cancelled",
    "cancelled": "cancelled",
}
YES_NO = {
    "有": "true",
    "あり": "true",
    "1": "true",
    "yes": "true",
    "true": "true",
    "無": "false",
    "なし": "false",
    "0": "false",
    "no": "false",
    "false": "false",
}
AGENT_KIND = {
    "納税管理人": "tax_agent",
    "tax_agent": "tax_agent",
    "相続人": "heir",
    "heir": "heir",
    "その他": "other",
    "other": "other",
}

RESIDENT = Column(
    "宛名番号",
    "resident_number",
    Kind.ID,
    required=True,
    doc="the person's number in the ward's resident records (住民記録)",
)
BILL_KEY = (
    Column(
        "税目区分",
        "tax_type",
        Kind.CODE,
        required=True,
        codes=TAX_TYPE,
        doc="住民税 (special ward / metropolitan resident tax) or 軽自動車税",
    ),
    Column("年度", "fiscal_year", Kind.YEAR, required=True, doc="fiscal year of the bill"),
    Column("通知書番号", "notice_number", Kind.ID, required=True, doc="tax notice number"),
)

PERSONS = Entity(
    "persons",
    "宛名",
    "Persons (宛名): who owes",
    (
        RESIDENT,
        Column("世帯番号", "household_number", Kind.ID),
        Column("氏名", "name", required=True),
        Column("氏名フリガナ", "name_kana", Kind.KANA),
        Column("性別", "sex", Kind.CODE, codes=SEX),
        Column("生年月日", "birth_date", Kind.DATE),
        Column("世帯主氏名", "householder_name"),
        Column("続柄", "relation"),
        Column("郵便番号", "postal_code", Kind.POSTAL),
        Column("住所", "address", doc="address in the ward"),
        Column("転入前住所", "address_before"),
        Column("転出先住所", "address_after"),
        Column("送付先氏名", "mailing_name"),
        Column("送付先郵便番号", "mailing_postal_code", Kind.POSTAL),
        Column("送付先住所", "mailing_address"),
        Column("外国人登録番号", "foreign_registration_number", Kind.ID),
        Column("通称名", "alias"),
        Column("国籍", "nationality"),
        Column("在留資格", "residence_status"),
        Column("在留期間", "period_of_stay"),
        Column("職業", "occupation"),
        Column("勤務先名称", "employer_name"),
        Column("勤務先住所", "employer_address"),
        Column("勤務先電話番号", "employer_phone", Kind.PHONE),
        Column("区民となった日", "resident_since", Kind.DATE),
        Column("住所を定めた日", "address_set_on", Kind.DATE),
        Column("異動事由", "change_reason"),
        Column("異動日", "change_date", Kind.DATE),
        Column("滞納区分", "delinquency_category", doc="現年 / 過年 / 初期 …"),
        Column("担当者", "staff_in_charge"),
        Column(
            "架電禁止区分",
            "no_call_category",
            Kind.CODE,
            codes=NO_CALL,
            doc="blank, or why the person must not be called",
        ),
    ),
    natural_key=("resident_number",),
    references_person=False,
    doc="One row per person. A person missing from a newer export is kept and flagged.",
)

PHONES = Entity(
    "phones",
    "電話番号",
    "Phone numbers (電話番号)",
    (
        RESIDENT,
        Column("電話番号", "phone", Kind.PHONE, required=True),
        Column(
            "種別",
            "line_type",
            Kind.CODE,
            codes=PHONE_KIND,
            doc="携帯 / 自宅 / 勤務先; blank: taken from the number",
        ),
    ),
    natural_key=("resident_number", "phone"),
    doc="Zero or more per person. Invalid numbers are kept and flagged, never dropped.",
)

BILLS = Entity(
    "bills",
    "課税",
    "Tax bills (課税)",
    (
        RESIDENT,
        *BILL_KEY,
        Column("相当年度", "applicable_year", Kind.YEAR),
        Column("税目", "tax_item"),
        Column("年税額", "annual_amount", Kind.YEN, required=True),
        Column("車台番号", "chassis_number", Kind.ID, doc="light vehicle tax only"),
        Column("車種", "vehicle_type", doc="light vehicle tax only"),
        Column("車名", "vehicle_name", doc="light vehicle tax only"),
        Column("排気量", "displacement", doc="light vehicle tax only"),
        Column("定置場", "garage_location", doc="light vehicle tax only"),
        Column("標識番号", "plate_number", doc="light vehicle tax only"),
    ),
    natural_key=("tax_type", "fiscal_year", "notice_number"),
)

INSTALLMENTS = Entity(
    "installments",
    "期別",
    "Installments (期別)",
    (
        *BILL_KEY,
        Column("期別", "installment_no", Kind.INT, required=True, doc="1–12; 0 = 随時"),
        Column("調定額", "assessed_amount", Kind.YEN, required=True),
        Column("収入額", "paid_amount", Kind.YEN),
        Column("過不足額", "over_under_amount", Kind.SIGNED_YEN),
        Column("納期限", "due_date", Kind.DATE),
        Column("延滞金調定額", "late_fee_assessed", Kind.YEN),
        Column("延滞金収入額", "late_fee_paid", Kind.YEN),
        Column("延滞金過不足額", "late_fee_over_under", Kind.SIGNED_YEN),
        Column("本税領収日", "principal_received_on", Kind.DATE),
        Column("本税収納日", "principal_booked_on", Kind.DATE),
        Column("延滞金領収日", "late_fee_received_on", Kind.DATE),
        Column("延滞金収納日", "late_fee_booked_on", Kind.DATE),
    ),
    natural_key=("tax_type", "fiscal_year", "notice_number", "installment_no"),
    references_person=False,
    doc="Each row names its bill by 税目区分 + 年度 + 通知書番号, which must be in 課税.",
)

RECEIPTS = Entity(
    "receipts",
    "収納",
    "Receipts (収納情報)",
    (
        Column(
            "収納番号",
            "receipt_number",
            Kind.ID,
            required=True,
            doc="the feed's own id of the receipt: re-sending it changes nothing",
        ),
        *BILL_KEY,
        Column("期別", "installment_no", Kind.INT, required=True),
        Column("区分", "receipt_kind", Kind.CODE, required=True, codes=RECEIPT_KIND),
        Column(
            "金額",
            "amount",
            Kind.SIGNED_YEN,
            required=True,
            doc="negative for a reversal (取消・更正)",
        ),
        Column("領収日", "received_on", Kind.DATE, required=True),
        Column("収納日", "booked_on", Kind.DATE),
    ),
    natural_key=("receipt_number",),
    references_person=False,
    doc="The daily receipts feed; may also come with the export.",
)

PLANS = Entity(
    "plans",
    "分納誓約",
    "Installment-payment promises (分納誓約)",
    (
        RESIDENT,
        Column("誓約番号", "plan_number", Kind.ID, required=True),
        Column("月額", "monthly_amount", Kind.YEN),
        Column("支払日", "day_of_month", Kind.INT),
        Column("開始日", "start_date", Kind.DATE),
        Column("終了日", "end_date", Kind.DATE),
        Column("状態", "plan_status", Kind.CODE, codes=PLAN_STATUS),
        Column("内容", "terms_text", doc="the terms as written"),
    ),
    natural_key=("plan_number",),
)

ACCOUNTS = Entity(
    "accounts",
    "口座振替",
    "Bank auto-debit (口座振替)",
    (
        RESIDENT,
        Column("税目区分", "tax_type", Kind.CODE, codes=TAX_TYPE),
        Column("口座振替", "auto_debit", Kind.CODE, required=True, codes=YES_NO),
        Column("金融機関名", "bank_name"),
        Column("支店名", "branch_name"),
        Column("口座名義人", "holder_name"),
        Column("開始年度", "start_fiscal_year", Kind.YEAR),
        Column("開始期別", "start_installment", Kind.INT),
        Column("取消日", "cancelled_on", Kind.DATE),
        Column("不能事由", "failure_reason"),
    ),
    natural_key=("resident_number", "tax_type"),
)

CORPORATIONS = Entity(
    "corporations",
    "法人",
    "Corporations (法人)",
    (
        RESIDENT,
        Column("名称", "corporation_name", required=True),
        Column("郵便番号", "postal_code", Kind.POSTAL),
        Column("所在地", "address"),
        Column("電話番号", "phone", Kind.PHONE),
        Column("指定番号", "designation_number", Kind.ID),
    ),
    natural_key=("resident_number", "corporation_name"),
)

AGENTS = Entity(
    "agents",
    "納税管理人等",
    "Tax agents and heirs (納税管理人・相続人)",
    (
        RESIDENT,
        Column("種別", "agent_kind", Kind.CODE, required=True, codes=AGENT_KIND),
        Column("氏名", "agent_name", required=True),
        Column("郵便番号", "postal_code", Kind.POSTAL),
        Column("住所", "address"),
        Column("電話番号", "phone", Kind.PHONE),
        Column("登録年月日", "registered_on", Kind.DATE),
    ),
    natural_key=("resident_number", "agent_kind", "agent_name"),
)

HISTORY = Entity(
    "history",
    "経過記録",
    "Contact history (経過記録)",
    (
        RESIDENT,
        Column(
            "日時",
            "contacted_at",
            Kind.DATETIME,
            required=True,
            doc="date and time: 2024-05-01 10:30, 令和6年5月1日 10時30分",
        ),
        Column("種別", "contact_kind", doc="訪問 / 交渉 / 電話 …"),
        Column("場所", "place"),
        Column("相手方", "counterpart"),
        Column("内容", "content"),
        Column("発行帳票", "forms_issued"),
        Column("記録者", "recorded_by", doc="who wrote the record (operator or ward staff)"),
        Column("納付約束", "promise", doc="promised payment: date, amount, terms"),
    ),
    natural_key=(),  # a history row is identified by its whole content
    doc="Imported history and, on export, the call center's own records.",
)

ENTITIES: tuple[Entity, ...] = (
    PERSONS,
    PHONES,
    BILLS,
    INSTALLMENTS,
    RECEIPTS,
    PLANS,
    ACCOUNTS,
    CORPORATIONS,
    AGENTS,
    HISTORY,
)


def entity_for_file(stem: str) -> Entity | None:
    """persons.csv, 宛名.csv, persons_20260401.csv, 宛名_R8.csv … → the entity."""
    lowered = stem.lower()
    for entity in sorted(ENTITIES, key=lambda e: -len(e.key)):
        for name in (entity.key, entity.ja):
            if lowered == name or lowered.startswith(name + "_") or lowered.startswith(name + "-"):
                return entity
    return None
