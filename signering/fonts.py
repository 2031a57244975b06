"""The font embedded in every page we draw.

Bitstream Vera ships inside reportlab, so it is present wherever the package is installed,
and it covers åäö ÅÄÖ. No system font is needed.
"""

import os
import threading

import reportlab

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
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        with _lock:
            if not _registered:
                pdfmetrics.registerFont(TTFont(REGULAR, font_path(bold=False)))
                pdfmetrics.registerFont(TTFont(BOLD, font_path(bold=True)))
                _registered = True
    return REGULAR, BOLD
