"""Reading one export file: which entity, which encoding, which columns, and — only when
PostgreSQL's COPY refuses the file — a line-by-line scan that names every broken line."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from campaigns.linkage.spec import Column, Entity, entity_for_file

CHUNK = 1 << 20
ENCODINGS = ("utf-8", "cp932")


@dataclass(frozen=True)
class RowError:
    """One reason a file cannot be imported, located as a person fixing the file needs it."""

    file: str
    line: int  # 1 = the header; 0 = the file as a whole
    column: str  # the header as written in the file ("" for a whole line)
    value: str
    reason: str


@dataclass(frozen=True)
class SourceFile:
    path: Path
    entity: Entity
    encoding: str  # what the bytes are: utf-8 or cp932
    has_bom: bool
    headers: tuple[str, ...]  # as written in the file
    columns: tuple[Column, ...]  # the spec column of each header, same order

    @property
    def name(self) -> str:
        return self.path.name


def _normal_header(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def sniff_encoding(head: bytes) -> tuple[str, bool]:
    """UTF-8 (with or without BOM) when the first MiB decodes as UTF-8, else CP932."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp932", False
    return "utf-8", False


def plan_file(path: Path) -> SourceFile | list[RowError]:
    """Identify the file and map its header row to the spec, or say why not."""
    entity = entity_for_file(path.stem)
    if entity is None:
        return [
            RowError(
                path.name,
                0,
                "",
                path.name,
                "ファイル名から種類が分かりません (unknown file: name it e.g. 宛名.csv)",
            )
        ]
    with path.open("rb") as handle:
        head = handle.read(CHUNK)
    encoding, bom = sniff_encoding(head)
    text = head.decode(encoding, errors="replace").removeprefix("\ufeff")
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return [RowError(path.name, 1, "", "", "見出し行を読めません (unreadable header row)")]
    errors: list[RowError] = []
    columns: list[Column] = []
    seen: set[str] = set()
    by_header = {_normal_header(h): c for h, c in entity.header_map.items()}
    for header in first:
        column = by_header.get(_normal_header(header))
        if column is None:
            errors.append(RowError(path.name, 1, header, header, "不明な列です (unknown column)"))
        elif column.key in seen:
            errors.append(
                RowError(path.name, 1, header, header, "列が重複しています (duplicate column)")
            )
        else:
            seen.add(column.key)
            columns.append(column)
    for column in entity.columns:
        if column.required and column.key not in seen:
            errors.append(
                RowError(
                    path.name, 1, column.ja, "", "必須の列がありません (required column missing)"
                )
            )
    if errors:
        return errors
    return SourceFile(path, entity, encoding, bom, tuple(first), tuple(columns))


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# A field can only start or end with a space next to a comma, a quote or a line's end.
_EDGE_SPACES = (b", ", b" ,", b'" ', b' "', b"\n ", b" \n", b" \r")


class EdgeSpaces:
    """Watches the UTF-8 a file is read as for a field that may start or end with a space,
    so that the cells of the (usual) files without one need no trimming. A false alarm
    (a quoted "" inside a text) only costs the trimming."""

    def __init__(self) -> None:
        self.found = False
        self._last = b"\n"  # the file begins at the start of a line

    def see(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        window = self._last + chunk  # a pair split between two chunks
        self.found = any(pair in window for pair in _EDGE_SPACES)
        self._last = chunk[-1:]

    def end(self) -> None:
        self.found = self.found or self._last == b" "


async def utf8_chunks(
    source: SourceFile, spaces: EdgeSpaces, on_bytes: Callable[[int], None] | None = None
) -> AsyncIterator[bytes]:
    """The file as UTF-8 for COPY, shown to `spaces` on the way. UTF-8 passes through
    (PostgreSQL validates it); CP932 is decoded strictly here, so a broken byte aborts the
    COPY and the scan below names it."""
    decoder = codecs.getincrementaldecoder(source.encoding)(errors="strict")
    with source.path.open("rb") as handle:
        first = True
        while chunk := handle.read(CHUNK):
            if on_bytes is not None:
                on_bytes(len(chunk))
            if first and source.has_bom:
                chunk = chunk[len(codecs.BOM_UTF8) :]
            first = False
            if source.encoding != "utf-8":
                chunk = decoder.decode(chunk).encode("utf-8")
            spaces.see(chunk)
            yield chunk
        if source.encoding != "utf-8":
            chunk = decoder.decode(b"", final=True).encode("utf-8")
            spaces.see(chunk)
            yield chunk
    spaces.end()


def _decoded_lines(source: SourceFile) -> Iterator[tuple[str, bool]]:
    """Physical lines with a flag saying whether they decoded cleanly."""
    with source.path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number == 0 and source.has_bom:
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode(source.encoding), True
            except UnicodeDecodeError:
                yield raw.decode(source.encoding, errors="replace"), False


def scan_structure(source: SourceFile) -> list[RowError]:
    """Every line COPY could not take: undecodable bytes, wrong number of columns,
    broken quoting. Slow (pure Python), so it runs only after COPY failed."""
    errors: list[RowError] = []
    width = len(source.headers)
    bad_lines: set[int] = set()
    lines = []
    for number, (text, clean) in enumerate(_decoded_lines(source), start=1):
        lines.append(text)
        if not clean:
            bad_lines.add(number)
            errors.append(
                RowError(
                    source.name,
                    number,
                    "",
                    "",
                    f"{source.encoding} として読めない文字があります "
                    f"(bytes not valid {source.encoding})",
                )
            )
    reader = csv.reader(io.StringIO("".join(lines)), strict=True)
    try:
        for record in reader:
            line = reader.line_num
            if line == 1 or line in bad_lines or not record:
                continue
            if len(record) != width:
                errors.append(
                    RowError(
                        source.name,
                        line,
                        "",
                        f"{len(record)} columns",
                        f"列の数が {width} ではありません (expected {width} columns)",
                    )
                )
    except csv.Error as exc:
        errors.append(
            RowError(
                source.name,
                reader.line_num,
                "",
                "",
                f"CSV の引用符が閉じていません (broken quoting: {exc})",
            )
        )
    return errors


def record_lines(source: SourceFile, records: set[int]) -> dict[int, int]:
    """Physical line numbers of the given data records (1 = first row after the header)."""
    found: dict[int, int] = {}
    with source.path.open(encoding=source.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        start = 1
        for index, _ in enumerate(reader):
            if index in records:
                found[index] = start
                if len(found) == len(records):
                    break
            start = reader.line_num + 1
    return found
