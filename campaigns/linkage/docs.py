"""The interchange-format documentation, generated from spec.py (one page per file) so the
documents and the importer can never disagree. `saikoku linkage docs --out docs/interchange`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from campaigns.linkage.spec import ENTITIES, Column, Entity, Kind

KIND_RULES: dict[Kind, str] = {
    Kind.ID: "identifier: letters, digits, - and _; full-width accepted (NFKC)",
    Kind.TEXT: "text; half-width katakana and full-width letters/digits normalised (NFKC), "
    "spaces collapsed; the original is kept",
    Kind.KANA: "furigana; hiragana and half-width katakana become full-width katakana",
    Kind.DATE: "date: 2024-04-01, 2024/4/1, 20240401, 2024年4月1日, 令和6年4月1日, R6.4.1",
    Kind.DATETIME: "date and time: 2024-05-01 10:30, 令和6年5月1日 10時30分 (Asia/Tokyo)",
    Kind.YEAR: "year: 2024, 2024年度, 令和6, R6, 令和元",
    Kind.INT: "whole number ≥ 0 (1期 accepted)",
    Kind.YEN: "yen, whole, ≥ 0: 12,300 / 12300円 / ￥12,300",
    Kind.SIGNED_YEN: "yen, whole, may be negative: -500 / ▲500 / △500",
    Kind.POSTAL: "postal code, 7 digits: 160-0023 / 〒1600023",
    Kind.PHONE: "phone number, normalised to E.164; an invalid number is kept and flagged",
    Kind.CODE: "one of the labels listed",
}


def _codes(column: Column) -> str:
    if not column.codes:
        return ""
    labels: dict[str, list[str]] = {}
    for label, code in column.codes.items():
        labels.setdefault(code, []).append(label)
    return "; ".join(f"`{code}` ← {' / '.join(names)}" for code, names in labels.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def entity_page(entity: Entity, example: str = "") -> str:
    lines = [
        f"# {entity.title}",
        "",
        f"File name: `{entity.ja}.csv` or `{entity.key}.csv` (a suffix such as "
        f"`{entity.ja}_20261126.csv` is fine). UTF-8 (BOM optional) or CP932 (Shift_JIS). "
        "First row: the headers, Japanese or English, in any order; columns not marked "
        "required may be left out.",
        "",
    ]
    if entity.doc:
        lines += [entity.doc, ""]
    if entity.natural_key:
        keys = " + ".join(entity.column(k).ja for k in entity.natural_key)
        lines += [f"A row is identified by {keys}: the same key in a newer export updates it.", ""]
    lines += [
        "| 列名 (header) | English alias | required | type and rules | meaning / codes |",
        "|---|---|---|---|---|",
    ]
    for c in entity.columns:
        meaning = "; ".join(part for part in (c.doc, _codes(c)) if part)
        lines.append(
            f"| {c.ja} | `{c.key}` | {'yes' if c.required else ''} | "
            f"{_cell(KIND_RULES[c.kind])} | {_cell(meaning)} |"
        )
    if example:
        lines += ["", "Example:", "", "```csv", example.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def example_rows(entity: Entity, folder: Path, rows: int = 3) -> str:
    """The first rows of the synthetic ward's file for this entity, as an example."""
    path = folder / f"{entity.ja}.csv"
    if not path.exists():
        return ""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for index, row in enumerate(reader):
            if index > rows:
                break
            writer.writerow(row)
    return out.getvalue()


def index_page() -> str:
    lines = [
        "# The interchange format (連携ファイル仕様)",
        "",
        "How the ward's delinquency-management system (滞納整理支援システム) and Saikoku exchange "
        "data: one CSV file per kind of record. `saikoku import FILE…` takes any set of them "
        "in one go, all or nothing; `saikoku export history` writes 経過記録 back. These pages "
        "are generated from `campaigns/linkage/spec.py` (`saikoku linkage docs`); the examples "
        "come from the synthetic ward (`saikoku synth`) and describe no real person.",
        "",
        "| file | what it holds |",
        "|---|---|",
    ]
    lines += [f"| [{e.ja}.csv]({e.key}.md) | {e.title} |" for e in ENTITIES]
    lines += [
        "",
        "Rules for every file:",
        "",
        "- A bad cell anywhere rejects the whole import; the error report, a CSV file readable "
        "by its owner only, names file, line, column, value and reason for every bad cell "
        "(the terminal shows file, line, column and reason, never the value).",
        "- Importing the same files again changes nothing. A row a newer export no longer "
        "contains is kept and flagged (`missing_since`), never deleted.",
        "- The original text of every normalised field is kept beside the normalised value.",
        "- 収納 (receipts) sent alone, as the daily feed, add to the installments' paid amounts; "
        "sent together with 期別 they are only recorded (期別 already counts them).",
        "",
    ]
    return "\n".join(lines)


def write_docs(out: Path, examples_from: Path | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "README.md"]
    written[0].write_text(index_page(), encoding="utf-8")
    for entity in ENTITIES:
        example = example_rows(entity, examples_from) if examples_from else ""
        path = out / f"{entity.key}.md"
        path.write_text(entity_page(entity, example), encoding="utf-8")
        written.append(path)
    return written
