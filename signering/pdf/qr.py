"""QR codes drawn as vector rectangles, so they stay sharp at any print resolution."""

from __future__ import annotations

import qrcode
import qrcode.constants

#: Quiet zone in modules; 4 is what the QR standard asks for, and phone cameras need it
#: when the code sits close to text.
QUIET_ZONE = 4


def qr_matrix(data: str) -> list[list[bool]]:
    """Module matrix for ``data`` (error correction M), quiet zone included, first row on top."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw the code for ``data`` with its symbol a ``size`` × ``size`` square, lower left at (x, y).

    ``size`` excludes the quiet zone, which is painted white around the square, so the
    visible symbol can be aligned with margins and text like any other block. Dark modules
    of a row are merged into one rectangle per run: fewer operators, and no hairline seams
    between neighbouring modules when a viewer anti-aliases.
    """
    matrix = qr_matrix(data)
    module = size / (len(matrix) - 2 * QUIET_ZONE)
    quiet = QUIET_ZONE * module
    x0, top0 = x - quiet, y + size + quiet
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = top0 - row_index * module
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            path.rect(x0 + start * module, top - module, (col - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
