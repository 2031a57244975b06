"""Drawing the signature page: texts, geometry, word wrap and the two-column grid of boxes.

:mod:`signering.pdf.signature_page` validates the route and puts the drawn page into the
protocol as an incremental update; this module only draws, with reportlab, once on a scratch
canvas to measure and once for real.
"""

from __future__ import annotations

import io
import urllib.parse
from dataclasses import dataclass, field

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.rw_common import PdfHandler
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from ..fonts import BOLD, REGULAR, register_fonts, wrap
from ..route import Role
from .page_texts import texts
from ..translog.log_key import grouped
from .qr import draw_qr

def role_labels(lang: str) -> dict:
    return {role.value: role.title(lang) for role in Role}


# Geometry, in points. Boxes are whole points so the drawn frame and the field's /Rect
# coincide exactly.
_MARGIN_X = 20 * mm
_MARGIN_TOP = 18 * mm
_MARGIN_BOTTOM = 22 * mm
_FOOTER_Y = 12 * mm
_BOX_W = round(80 * mm)
_BOX_H = round(28 * mm)
_MIN_GUTTER = 8 * mm
_ROW_GAP = 7 * mm
_QR_SIZE = 30 * mm  # the visible symbol; its quiet zone lies outside

_GREY = (0.33, 0.33, 0.33)
_RULE = (0.6, 0.6, 0.6)

_REGULAR, _BOLD = REGULAR, BOLD


# --- text helpers ------------------------------------------------------------------------


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def verify_base(info) -> str:
    """The address to show in text: ``<base_url>/verifiera`` without the long hash."""
    url = info.verify_url
    suffix = "/" + info.sha256.lower()
    return url[: -len(suffix)] if url.lower().endswith(suffix) else url


def qr_payload(url: str) -> str:
    """``url`` in plain ASCII (punycode host, percent-encoded path) for the QR code.

    QR byte mode carries no charset, and scanners guess: åäö in a host name came back from
    zbar as Shift JIS. ASCII reads the same everywhere.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        host = host.encode("idna").decode("ascii")
    netloc = host + (f":{parts.port}" if parts.port else "")
    safe = "/%:@!$&'()*+,;=-._~"
    return urllib.parse.urlunsplit((
        parts.scheme, netloc, urllib.parse.quote(parts.path, safe=safe),
        urllib.parse.quote(parts.query, safe=safe + "?"), urllib.parse.quote(parts.fragment, safe=safe + "?"),
    ))





@dataclass
class _Cell:
    index: int
    box: tuple[int, int, int, int]
    name_lines: list[str]
    name_size: float
    role: str


@dataclass
class _Page:
    cells: list[_Cell] = field(default_factory=list)


def _name_layout(name: str, width: float) -> tuple[list[str], float]:
    name = " ".join(name.split())
    for size in (10, 9.5, 9, 8.5, 8):
        if pdfmetrics.stringWidth(name, _BOLD, size) <= width:
            return [name], size
    return wrap(name, _BOLD, 8, width), 8


def _text_height(cell: _Cell) -> float:
    return 4 * mm + len(cell.name_lines) * (cell.name_size + 2.5) + 11


def page_size(reader: PdfHandler, page_count: int) -> tuple[float, float]:
    """Size of the original's last page as it is shown, if the two-column layout fits; else A4.

    A4 either way up, Letter, Legal and A3 pass; A5 and odd sizes (a scanner's crop, a
    slide) get A4, which every printer takes.
    """
    try:
        page = reader.find_page_for_modification(page_count - 1)[0].get_object()
        box = _inherited(page, "/CropBox") or _inherited(page, "/MediaBox")
        x1, y1, x2, y2 = (float(v) for v in box)
        width, height = abs(x2 - x1), abs(y2 - y1)
        if int(_inherited(page, "/Rotate") or 0) % 180 == 90:
            width, height = height, width
    except (PdfError, KeyError, TypeError, ValueError):
        return A4
    if min(width, height) < 200 * mm or max(width, height) > 500 * mm:
        return A4
    return width, height


def _inherited(page, key: str):
    node = page
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


class Drawer:
    """Draws the pages; run once on a scratch canvas to measure, once for real."""

    def __init__(self, info, size: tuple[float, float], original_pages: int, original_length: int):
        self.info = info
        self.original_length = original_length
        self.width, self.height = size
        self.t = texts(info.lang)
        self.roles = role_labels(info.lang)
        self.original_pages = original_pages
        self.usable = self.width - 2 * _MARGIN_X
        self.columns = max(1, int((self.usable + _MIN_GUTTER) // (_BOX_W + _MIN_GUTTER)))
        self.gutter = (self.usable - self.columns * _BOX_W) / (self.columns - 1) if self.columns > 1 else 0

    # Each header method draws on ``c`` and returns the y below it.

    def first_header(self, c, sig_pages: int, measure: bool = False, section: bool = True) -> float:
        t, info = self.t, self.info
        left, right = _MARGIN_X, self.width - _MARGIN_X
        y = self.height - _MARGIN_TOP
        if info.organisation.strip():
            c.setFont(_REGULAR, 9)
            c.setFillColorRGB(*_GREY)
            c.drawString(left, y - 9, " ".join(info.organisation.split()))
            c.setFillColorRGB(0, 0, 0)
            y -= 15
        c.setFont(_BOLD, 22)
        c.drawString(left, y - 20, t["heading"])
        y -= 30
        c.setFont(_REGULAR, 10)
        for line in wrap(t["subtitle"], _REGULAR, 10, self.usable):
            c.drawString(left, y - 10, line)
            y -= 13.5
        y -= 5
        self._rule(c, y)
        y -= 12

        top = y
        qr_x = right - _QR_SIZE
        info_w = qr_x - 10 * mm - left
        p = self.original_pages
        w = t["page_words"]
        rows = [
            (t["board"], " ".join(info.board.split())),
            (t["date"], info.meeting_date.isoformat()),
            (t["pages"], t["pages_value"].format(
                n=p, sidor=_plural(p, w[0], w[1]), k=sig_pages, signatursidor=_plural(sig_pages, w[2], w[3]))),
            (t["signers"], str(len(info.signers))),
        ]
        value_x = left + max(pdfmetrics.stringWidth(label, _BOLD, 9) for label, _ in rows) + 5 * mm
        value_w = info_w - (value_x - left)
        for label, value in rows:
            c.setFont(_BOLD, 9)
            c.drawString(left, y - 10, label)
            c.setFont(_REGULAR, 10)
            for line in wrap(value, _REGULAR, 10, value_w):
                c.drawString(value_x, y - 10, line)
                y -= 13.5
            y -= 3

        y -= 6
        c.setFont(_REGULAR, 9.5)
        # The byte length lets anyone cut the original out of the signed file (head -c LENGTH).
        intro = t["hash_intro"].format(n=p, sidor=_plural(p, w[0], w[1]), length=self.original_length)
        for line in wrap(intro + ":", _REGULAR, 9.5, info_w):
            c.drawString(left, y - 10, line)
            y -= 13
        y = self._hash_block(c, left + 4 * mm, y - 3, info_w - 4 * mm)
        y -= 8
        c.setFont(_REGULAR, 9.5)
        texts_below = [t["verify"].format(url=verify_base(info)), t["pades"]]
        if info.log_fingerprint:
            # Printed on paper as well, so a reader can pin the log's key without trusting the log.
            texts_below.append(t["log"].format(fingerprint=grouped(info.log_fingerprint)))
        for text in texts_below:
            for line in wrap(text, _REGULAR, 9.5, info_w):
                c.drawString(left, y - 10, line)
                y -= 13
            y -= 4

        if not measure:  # the costliest part, and it has a fixed size
            draw_qr(c, qr_payload(info.verify_url), qr_x, top - 2 - _QR_SIZE, _QR_SIZE)
        c.setFont(_REGULAR, 7.5)
        c.setFillColorRGB(*_GREY)
        c.drawCentredString(qr_x + _QR_SIZE / 2, top - 2 - _QR_SIZE - 4 * mm, t["qr_caption"])
        c.setFillColorRGB(0, 0, 0)

        y = min(y, top - 2 - _QR_SIZE - 4 * mm - 4) - 8 * mm
        return self._section(c, y, t["section"]) if section else y

    def continued_header(self, c) -> float:
        left = _MARGIN_X
        y = self.height - _MARGIN_TOP
        c.setFont(_BOLD, 16)
        c.drawString(left, y - 16, self.t["continued"])
        y -= 24
        c.setFont(_REGULAR, 9.5)
        c.setFillColorRGB(*_GREY)
        for line in wrap(self._board_and_date(), _REGULAR, 9.5, self.usable):
            c.drawString(left, y - 10, line)
            y -= 13
        c.setFillColorRGB(0, 0, 0)
        y -= 5
        self._rule(c, y)
        return y - 10 * mm

    def _board_and_date(self) -> str:
        return f"{' '.join(self.info.board.split())}, {self.info.meeting_date.isoformat()}"

    def _hash_block(self, c, x: float, y: float, width: float) -> float:
        """The hash in groups of eight on a fixed grid, so columns line up like a monospace font."""
        digest = self.info.sha256.lower()
        groups = [digest[i:i + 8] for i in range(0, 64, 8)]
        size = 10.5
        pitch = max(pdfmetrics.stringWidth(g, _REGULAR, size) for g in groups) + 2.5 * mm
        per_line = max(1, min(8, int((width + 2.5 * mm) // pitch)))
        # Even splits (8, 4, 2 per line) read better than a ragged last line.
        while 8 % per_line:
            per_line -= 1
        c.setFont(_REGULAR, size)
        for start in range(0, 8, per_line):
            for col, group in enumerate(groups[start:start + per_line]):
                c.drawString(x + col * pitch, y - size, group)
            y -= size + 4
        return y

    def _section(self, c, y: float, title: str) -> float:
        c.setFont(_BOLD, 12)
        c.drawString(_MARGIN_X, y - 12, title)
        y -= 17
        self._rule(c, y)
        return y - 6 * mm

    def _rule(self, c, y: float) -> None:
        c.setStrokeColorRGB(*_RULE)
        c.setLineWidth(0.6)
        c.line(_MARGIN_X, y, self.width - _MARGIN_X, y)
        c.setStrokeColorRGB(0, 0, 0)

    def footer(self, c, page_no: int, total: int) -> None:
        c.setFont(_REGULAR, 8)
        c.setFillColorRGB(*_GREY)
        number = self.t["page_of"].format(i=page_no, n=total)
        c.drawRightString(self.width - _MARGIN_X, _FOOTER_Y, number)
        label = f"{self.t['footer']} – {self._board_and_date()}"
        room = self.usable - pdfmetrics.stringWidth(number, _REGULAR, 8) - 10 * mm
        if pdfmetrics.stringWidth(label, _REGULAR, 8) > room:
            label = self.t["footer"]
        c.drawString(_MARGIN_X, _FOOTER_Y, label)
        c.setFillColorRGB(0, 0, 0)

    def cells(self) -> list[_Cell]:
        labels = self.roles
        out = []
        for index, signer in enumerate(self.info.signers):
            lines, size = _name_layout(signer.name, _BOX_W)
            out.append(_Cell(index, (0, 0, 0, 0), lines, size, labels[signer.role]))
        return out

    def plan(self, sig_pages_guess: int) -> list[tuple[float, list[list[_Cell]]]]:
        """Split the cells into rows and pages; returns (grid top, rows) per page."""
        scratch = rl_canvas.Canvas(io.BytesIO())
        first_top = self.first_header(scratch, sig_pages_guess, measure=True)
        next_top = self.continued_header(scratch)
        cells = self.cells()
        rows = [cells[i:i + self.columns] for i in range(0, len(cells), self.columns)]
        pages: list[tuple[float, list[list[_Cell]]]] = [(first_top, [])]
        y = first_top
        for row in rows:
            height = _BOX_H + max(_text_height(cell) for cell in row)
            # A continuation page takes at least one row whatever its height, so this ends.
            if y - height < _MARGIN_BOTTOM and (pages[-1][1] or len(pages) == 1):
                pages.append((next_top, []))
                y = next_top
            pages[-1][1].append(row)
            y -= height + _ROW_GAP
        return pages

    def draw_cell(self, c, cell: _Cell, x: float, top: float) -> None:
        x0, y0 = round(x), round(top - _BOX_H)
        cell.box = (x0, y0, x0 + _BOX_W, y0 + _BOX_H)
        c.setStrokeColorRGB(*_RULE)
        c.setLineWidth(0.75)
        c.rect(x0, y0, _BOX_W, _BOX_H, stroke=1, fill=0)
        c.setStrokeColorRGB(0, 0, 0)
        y = y0 - 4 * mm
        c.setFont(_BOLD, cell.name_size)
        for line in cell.name_lines:
            c.drawString(x0, y - cell.name_size + 2, line)
            y -= cell.name_size + 2.5
        c.setFont(_REGULAR, 9)
        c.setFillColorRGB(*_GREY)
        c.drawString(x0, y - 9 + 1, cell.role)
        c.setFillColorRGB(0, 0, 0)

    def render(self) -> tuple[bytes, list[_Page]]:
        register_fonts()
        pages = self.plan(1)
        if len(pages) > 1:
            # The page count is printed in the header; one more pass settles it.
            pages = self.plan(len(pages))
        buf = io.BytesIO()
        # Without initialFontName reportlab references Helvetica, which is not embedded.
        c = rl_canvas.Canvas(buf, pagesize=(self.width, self.height), invariant=1, pageCompression=1,
                             initialFontName=_REGULAR, initialFontSize=10)
        c.setTitle(self.t["heading"])
        total = self.original_pages + len(pages)
        result: list[_Page] = []
        for number, (_, rows) in enumerate(pages):
            if number == 0:
                top = self.first_header(c, len(pages), section=bool(rows))
            else:
                top = self.continued_header(c)
            page = _Page()
            for row in rows:
                for col, cell in enumerate(row):
                    self.draw_cell(c, cell, _MARGIN_X + col * (_BOX_W + self.gutter), top)
                    page.cells.append(cell)
                top -= _BOX_H + max(_text_height(cell) for cell in row) + _ROW_GAP
            self.footer(c, self.original_pages + number + 1, total)
            c.showPage()
            result.append(page)
        c.save()
        return buf.getvalue(), result

