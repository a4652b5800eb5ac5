"""A batch of letters as one PDF, one page per letter, in the order given.

Deterministic: reportlab's invariant mode fixes the creation date and document id, so the
same letters and issue give the same bytes and the manifest's SHA-256 can be checked again
later (and the print shop can prove it printed what we sent)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from campaigns.letters.content import Letter
from campaigns.letters.fonts import MINCHO, register_fonts
from campaigns.letters.page import Issue, draw_letter


@dataclass(frozen=True)
class Placed:
    letter: Letter
    sequence: int  # 1-based position in the batch
    page_from: int
    page_to: int


def render(letters: Sequence[Letter], issue: Issue) -> tuple[bytes, list[Placed]]:
    register_fonts()
    buffer = io.BytesIO()
    # The initial font is ours too: a default Helvetica would sit in the file unembedded,
    # which print shops' preflight checks reject.
    canvas = Canvas(
        buffer,
        pagesize=A4,
        invariant=True,
        pageCompression=1,
        initialFontName=MINCHO,  # type: ignore[arg-type]  # stubs say float
        initialFontSize=10,
    )
    # Document metadata travels with the file: no personal data in it.
    canvas.setTitle(f"催告書 {issue.batch_ref}")
    canvas.setAuthor(f"{issue.sender.office} {issue.sender.division}")
    canvas.setCreator("Saikoku")
    placed: list[Placed] = []
    for sequence, letter in enumerate(letters, start=1):
        first = canvas.getPageNumber()
        draw_letter(canvas, letter, sequence, issue)
        canvas.showPage()
        placed.append(Placed(letter, sequence, first, canvas.getPageNumber() - 1))
    canvas.save()
    return buffer.getvalue(), placed
