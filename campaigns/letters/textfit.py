"""Line breaking for Japanese text set with reportlab: break between any two characters,
except inside runs of Latin letters and digits (amounts, phone numbers), and never start a
line with closing punctuation (a simple 禁則処理: it hangs at the end of the line before).
Where a line holds a space, it breaks there instead (an address's building name)."""

from __future__ import annotations

import re

from campaigns.letters.fonts import width

_TOKEN = re.compile(r"[0-9A-Za-z,.:\-〜~()]+|.", re.DOTALL)
_NO_LINE_START = set("、。，．）」』】〕・ーぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if line and width(line + token, font, size) > max_width and token[0] not in _NO_LINE_START:
            head, space, tail = line.rpartition(" ")
            if space and head.strip():  # a space is the better place: 番地 | building name
                lines.append(head.rstrip())
                line = tail + token
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def fit(
    text: str, font: str, size: float, max_width: float, max_lines: int, min_size: float
) -> tuple[float, list[str]]:
    """The largest size from `size` down to `min_size` (half-point steps) at which the text
    takes at most `max_lines`; at `min_size` it takes what it needs — text is never cut."""
    while True:
        lines = wrap(text, font, size, max_width)
        if len(lines) <= max_lines or size <= min_size:
            return size, lines
        size -= 0.5
