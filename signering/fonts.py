"""The font embedded in every page we draw.

Bitstream Vera ships inside reportlab, so it is present wherever the package is installed,
and it covers åäö ÅÄÖ. No system font is needed.
"""

import os

import reportlab


def font_path(bold: bool = False) -> str:
    base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    return os.path.join(base, "VeraBd.ttf" if bold else "Vera.ttf")
