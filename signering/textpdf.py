"""Render a plain-text protocol to a PDF, the way a word processor would export it.

Used for the demo data of ``make run``, by the tests (which build real PDFs from the seed
protocols) and by the benchmarks. Two layouts: ``plain`` (running paragraphs) and ``table``
(label/value lines such as "Tid och plats: ..." laid out in a two-column table, as many
municipalities' templates do).
"""

from __future__ import annotations

import io
import os
import re

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .fonts import font_path

_LABEL = re.compile(r"^\**([A-ZÅÄÖ][^:]{1,40}):\**\s*(.*)$")


def _register_fonts() -> tuple[str, str]:
    if "SigneringSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SigneringSans", font_path(bold=False)))
        pdfmetrics.registerFont(TTFont("SigneringSans-Bold", font_path(bold=True)))
    return "SigneringSans", "SigneringSans-Bold"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


def render_text_pdf(text: str, *, layout: str = "plain", header: str | None = None,
                    min_pages: int = 1) -> bytes:
    """Return PDF bytes for ``text``; repeat the text until at least ``min_pages`` pages."""
    regular, bold = _register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(header or "Protokoll")
    width, height = A4
    left, right, top, bottom = 25 * mm, 20 * mm, 25 * mm, 20 * mm
    usable = width - left - right
    y = height - top
    page = 1

    def new_page():
        nonlocal y, page
        c.setFont(regular, 8)
        c.drawRightString(width - right, 10 * mm, f"{page}")
        c.showPage()
        page += 1
        y = height - top
        if header:
            c.setFont(regular, 8)
            c.drawString(left, height - 12 * mm, header)

    if header:
        c.setFont(regular, 8)
        c.drawString(left, height - 12 * mm, header)
    source = text.splitlines()
    while True:
        for raw in source:
            line = raw.rstrip().replace("\t", "    ")
            is_heading = line.startswith("§") or line.startswith("**") and line.endswith("**")
            clean = line.replace("**", "").replace("*", "")
            match = _LABEL.match(line) if layout == "table" else None
            if match and match.group(2):
                label, value = match.group(1).replace("*", ""), match.group(2).replace("*", "")
                rows = _wrap(value, regular, 10, usable * 0.65)
                for i, row in enumerate(rows):
                    if y < bottom + 14:
                        new_page()
                    if i == 0:
                        c.setFont(bold, 10)
                        c.drawString(left, y, label)
                    c.setFont(regular, 10)
                    c.drawString(left + usable * 0.35, y, row)
                    y -= 13
                continue
            font, size = (bold, 11) if is_heading else (regular, 10)
            for row in _wrap(clean, font, size, usable) if clean.strip() else [""]:
                if y < bottom + 14:
                    new_page()
                c.setFont(font, size)
                c.drawString(left, y, row)
                y -= 15 if is_heading else 13
        if page >= min_pages:
            break
        new_page()
    c.setFont(regular, 8)
    c.drawRightString(width - right, 10 * mm, f"{page}")
    c.showPage()
    c.save()
    return buf.getvalue()


def seed_dir() -> str:
    """Where the shared seed protocols live (``../shared/seeds`` beside the checkout)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("SIGNERING_SEEDS", os.path.join(os.path.dirname(here), "shared", "seeds"))
