"""Render a plain-text protocol to a PDF, the way a word processor would export it.

Used for the demo data of ``make run``, by the tests and by the benchmarks, which build real
PDFs from the project's sample protocols (:mod:`signering.samples`); the tests about the external
seed corpus (:func:`seed_dir`) build them from the seeds when those are there.

Two layouts: ``plain`` (running paragraphs) and ``table``, which lays out the heading blocks the
way many municipalities' templates do: a label column on the left and a value column on the
right, values running over several lines, labels that wrap ("Justeringens tid" / "och plats"),
tab-separated rows as table cells and tables of contents with the page number at the right margin.
"""

from __future__ import annotations

import io
import os
import re

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from .fonts import register_fonts, wrap

_LABEL = re.compile(r"^\**([A-ZÅÄÖ][^:]{1,40}):\**\s*(.*)$")
_HTML_TAG = re.compile(r"</?[a-z]+>")
_BARE_LABEL = re.compile(r"^(Dag|Datum|Tid|Plats|Beslutande|Övriga deltagande|Övriga närvarande) +([A-ZÅÄÖ0-9].*)$")
_PAGE_NO = re.compile(r"^\d{1,3}$")


def _register_fonts() -> tuple[str, str]:
    return register_fonts()


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
    def draw_row(cells: list[tuple[float, float, list[str], bool]]):
        """One table row: cells of (x offset, width, lines, bold), wrapped, tops aligned."""
        nonlocal y
        wrapped = [(x, sum((wrap(t, bold if b else regular, 10, w) for t in lines), []), b)
                   for x, w, lines, b in cells]
        for i in range(max(len(rows) for _, rows, _ in wrapped)):
            if y < bottom + 14:
                new_page()
            for x, rows, b in wrapped:
                if i < len(rows) and rows[i]:
                    c.setFont(bold if b else regular, 10)
                    c.drawString(left + x, y, rows[i])
            y -= 13

    def draw_table_block(block) -> None:
        nonlocal y
        kind = block[0]
        if kind == "row":
            _, labels, values = block
            draw_row([(0, usable * 0.33, labels, True), (usable * 0.35, usable * 0.65, values, False)])
        elif kind == "toc":
            _, title, page_no = block
            rows = wrap(title, regular, 10, usable - 12 * mm)
            for i, row in enumerate(rows):
                if y < bottom + 14:
                    new_page()
                c.setFont(regular, 10)
                c.drawString(left, y, row)
                if i == len(rows) - 1:
                    c.drawRightString(left + usable, y, page_no)
                y -= 13
        else:
            _, fields = block
            inner = (usable * 0.35, usable * 0.72)
            step = (inner[1] - inner[0]) / max(1, len(fields) - 2)
            xs = [0.0] + [inner[0] + step * i for i in range(len(fields) - 2)] + [inner[1]]
            xs = xs[:len(fields)]
            cells, free_from = [], 0.0
            for i, field in enumerate(fields):
                text = _HTML_TAG.sub("", field).strip()
                if text:
                    # A word wider than its column pushes the next cell right, as a table would grow.
                    x = max(xs[i], free_from)
                    width = max((xs[i + 1] if i + 1 < len(xs) else usable) - x - 2 * mm, 8 * mm)
                    font = bold if "<b>" in field else regular
                    longest = max(pdfmetrics.stringWidth(w, font, 10) for w in text.split())
                    width = max(width, longest)
                    free_from = x + width + 2 * mm
                    cells.append((x, width, [text], "<b>" in field))
            if cells:
                draw_row(cells)
            else:
                y -= 13

    # A form feed starts a new page, as in pdftotext's output; str.splitlines would drop it.
    sources = [part.splitlines() for part in text.split("\f")]
    while True:
        for number, source in enumerate(sources):
            if number:
                new_page()
            for block in (_table_blocks(source) if layout == "table" else (("line", l) for l in source)):
                if block[0] != "line":
                    draw_table_block(block)
                    continue
                line = block[1].rstrip().replace("\t", "    ")
                is_heading = line.startswith("§") or line.startswith("**") and line.endswith("**")
                clean = line.replace("**", "").replace("*", "")
                font, size = (bold, 11) if is_heading else (regular, 10)
                for row in wrap(clean, font, size, usable) if clean.strip() else [""]:
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


def _label_start(lines: list[str], i: int) -> tuple[list[str], str, int] | None:
    """A "Label: value" row starting at line ``i``: (label lines, first value, next index).

    The label may wrap over two lines as in "**Justeringens tid" / "och plats:** torsdag ...",
    or be one of the usual heading words followed by a space, as in "Dag 2013-05-15".
    """
    line = lines[i].strip()
    match = _LABEL.match(line) or _BARE_LABEL.match(line)
    if match and match.group(2):
        return [match.group(1).replace("*", "")], match.group(2).replace("*", ""), i + 1
    if line.startswith("**") and "**" not in line[2:] and ":" not in line and i + 1 < len(lines):
        second = re.match(r"^([^:*]{1,40}):\*\*\s*(.+)$", lines[i + 1].strip())
        if second:
            return [line[2:].strip(), second.group(1).strip()], second.group(2).replace("*", ""), i + 2
    return None


def _is_value_continuation(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("§", "**", "#", "- ")) \
        and not _LABEL.match(stripped) and "\t" not in line


def _table_blocks(lines: list[str]):
    """Group the seed's lines into what a two-column template would draw.

    Yields ("row", label lines, value lines), ("toc", title, page number),
    ("cells", tab-separated fields) or ("line", text) for running text.
    """
    i = 0
    while i < len(lines):
        line = lines[i].rstrip(" \r\n")
        fields = line.split("\t")
        if len(fields) > 2 and line.strip():
            yield ("cells", fields)
            i += 1
            continue
        if len(fields) == 2 and fields[0].strip():
            if len(fields) == 2 and _PAGE_NO.match(fields[1].strip()):
                yield ("toc", fields[0].replace("*", ""), fields[1].strip())
                i += 1
                continue
            if len(fields) == 2 and fields[1].strip():
                values = [fields[1]]
                i += 1
                while i < len(lines) and lines[i].startswith("\t") and lines[i].strip():
                    values.append(lines[i].strip())
                    i += 1
                yield ("row", [_HTML_TAG.sub("", fields[0]).strip()], [_HTML_TAG.sub("", v) for v in values])
                continue
            yield ("line", _HTML_TAG.sub("", fields[0]))
            i += 1
            continue
        start = _label_start(lines, i)
        if start:
            labels, first, i = start
            values = [first]
            while i < len(lines) and _is_value_continuation(lines[i]) and not _label_start(lines, i):
                values.append(lines[i].strip().replace("*", ""))
                i += 1
            yield ("row", labels, values)
            continue
        yield ("line", line)
        i += 1


def seed_dir() -> str:
    """Where the external seed protocols live: ``SIGNERING_SEEDS``, else ``../shared/seeds`` beside
    the checkout. Only the seed-corpus tests read it, and only a clone with the corpus has it."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("SIGNERING_SEEDS", os.path.join(os.path.dirname(here), "shared", "seeds"))
