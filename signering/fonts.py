"""The font embedded in every page we draw.

Bitstream Vera ships inside reportlab, so it is present wherever the package is installed,
and it covers åäö ÅÄÖ. No system font is needed.
"""

import os
import threading

import reportlab
from reportlab.pdfbase import pdfmetrics

REGULAR, BOLD = "SigneringSans", "SigneringSans-Bold"
_lock = threading.Lock()
_registered = False


def font_path(bold: bool = False) -> str:
    base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    return os.path.join(base, "VeraBd.ttf" if bold else "Vera.ttf")


def register_fonts() -> tuple[str, str]:
    """Register both faces with reportlab once per process; return their names.

    Under a lock: a web server renders pages in several threads, and one thread must not
    find the regular face registered and the bold one not yet.
    """
    global _registered
    if not _registered:
        from reportlab.pdfbase.ttfonts import TTFont

        with _lock:
            if not _registered:
                pdfmetrics.registerFont(TTFont(REGULAR, font_path(bold=False)))
                pdfmetrics.registerFont(TTFont(BOLD, font_path(bold=True)))
                _registered = True
    return REGULAR, BOLD


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Word wrap for a column ``width`` points wide; a single word wider than the column (a URL,
    say) is broken too, so nothing runs past the margin."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while pdfmetrics.stringWidth(word, font, size) > width:
            cut = len(word)
            while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines or [""]
