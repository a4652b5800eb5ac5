"""The Japanese fonts a letter is set in: IPAex Mincho (text) and IPAex Gothic (headings,
figures), from Debian's fonts-ipaexfont-mincho / -gothic. They are embedded (subset) in the
PDF, so the print shop needs no Japanese fonts of its own."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from saikoku.core.errors import ConfigurationError

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"

FONT_FILES = {
    MINCHO: Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    GOTHIC: Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
}


@cache
def register_fonts() -> None:
    """Load both fonts into reportlab once per process."""
    for name, path in FONT_FILES.items():
        if not path.is_file():
            raise ConfigurationError(
                f"font {path} is missing: install fonts-ipaexfont-mincho and"
                " fonts-ipaexfont-gothic (bash deploy/setup.sh does)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))
