"""Small hand-written export files for the importer's database tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

PERSONS_HEADER = [
    "宛名番号",
    "氏名",
    "氏名フリガナ",
    "性別",
    "生年月日",
    "郵便番号",
    "住所",
    "架電禁止区分",
]
PHONES_HEADER = ["宛名番号", "電話番号", "種別"]
BILLS_HEADER = ["宛名番号", "税目区分", "年度", "通知書番号", "年税額"]
INSTALLMENTS_HEADER = ["税目区分", "年度", "通知書番号", "期別", "調定額", "収入額", "納期限"]
RECEIPTS_HEADER = ["収納番号", "税目区分", "年度", "通知書番号", "期別", "区分", "金額", "領収日"]


def write_csv(
    folder: Path,
    name: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    encoding: str = "utf-8",
) -> Path:
    path = folder / name
    newline = "\r\n" if encoding == "cp932" else "\n"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def small_export(folder: Path, encoding: str = "utf-8") -> list[Path]:
    """Three people, one without a phone; one resident-tax and one light-vehicle bill."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_csv(
            folder,
            "宛名.csv",
            PERSONS_HEADER,
            [
                [
                    "1001",
                    "佐藤　花子",
                    "ｻﾄｳ ﾊﾅｺ",
                    "女",
                    "昭和60年4月12日",
                    "190-0012",
                    "東京都さいこく区本町１丁目２番地",
                    "",
                ],
                [
                    "1002",
                    "鈴木 一郎",
                    "すずき いちろう",
                    "男",
                    "H5.1.3",
                    "1900013",
                    "東京都さいこく区桜ヶ丘2-3-4",
                    "",
                ],
                [
                    "1003",
                    "高橋 次郎",
                    "タカハシ ジロウ",
                    "1",
                    "1990-02-28",
                    "〒190-0014",
                    "東京都さいこく区緑町5-6",
                    "死亡",
                ],
            ],
            encoding,
        ),
        write_csv(
            folder,
            "電話番号.csv",
            PHONES_HEADER,
            [
                ["1001", "090-1234-5678", "携帯"],
                ["1001", "０３－１２３４－５６７８", ""],
                ["1002", "090-123", ""],
            ],
            encoding,
        ),
        write_csv(
            folder,
            "課税.csv",
            BILLS_HEADER,
            [
                ["1001", "住民税", "令和8", "800000000001", "120,000"],
                ["1002", "軽自動車税", "2026", "800000000002", "10800"],
            ],
            encoding,
        ),
        write_csv(
            folder,
            "期別.csv",
            INSTALLMENTS_HEADER,
            [
                ["住民税", "令和8", "800000000001", "1", "30000", "30000", "2026-06-30"],
                ["住民税", "令和8", "800000000001", "2", "30000", "0", "R8.8.31"],
                ["軽自動車税", "2026", "800000000002", "1", "10800", "0", "2026年6月1日"],
            ],
            encoding,
        ),
    ]
