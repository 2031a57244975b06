"""Protokollsutdrag and omedelbar justering: a new PDF holding chosen paragraphs of a protocol.

The new PDF starts with an extract page (what it is, from which meeting, which paragraphs,
"Rätt utdraget intygar" and the full protocol's SHA-256) followed by the pages that hold the
paragraphs, copied unchanged. It is then an "original" like any upload: it gets its own hash,
signature page, route and seal through the normal finalize.

Paragraphs are found with the same heading rules as the upload form's reader
(:mod:`signering.extract.paragraphs`), so the numbers offered are the numbers the reader shows.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from .errors import InputError
from .extract.lines import Line, normalise
from .extract.model import Paragraph
# The private helpers are the reader's own heading rules: one definition of "a § heading".
from .extract.paragraphs import body_starts, find_paragraphs
from .extract.recipients import read as read_recipients
from .extract.text import pdf_text
from .fonts import font_path, wrap

KINDS = ("protokoll", "utdrag", "omedelbar")


@dataclass(frozen=True)
class Section:
    """One paragraph of a protocol: its heading as the reader found it and where its text runs."""
    paragraph: Paragraph
    lines: tuple[Line, ...]
    #: the protocol's page header lines, which may fall inside a paragraph's text
    header: tuple[str, ...] = ()

    @property
    def pages(self) -> list[int]:
        return sorted({line.page for line in self.lines})


def sections(text: str) -> dict[int, Section]:
    """The paragraphs of a protocol's text (pages separated by form feeds), by number."""
    document = normalise(text)
    lines, header = document.lines, tuple(h.text for h in document.header)
    found = find_paragraphs(lines)
    starts = body_starts(lines) or _numbered_starts(lines, found)
    heads = sorted((starts[p.number], p) for p in found if p.number in starts)
    result = {}
    for (start, paragraph), nxt in zip(heads, heads[1:] + [(len(lines), None)]):
        result[paragraph.number] = Section(paragraph, tuple(lines[start:nxt[0]]), header)
    return result


def _numbered_starts(lines: tuple[Line, ...], found: list[Paragraph]) -> dict[int, int]:
    """Where the reader's items of a protocol without any § ("1. Mötets öppnande") start.

    The reader takes, in order, the first line "n. Title" after item n-1; the same walk finds
    the line of each item it returned.
    """
    starts, at = {}, 0
    for paragraph in found:
        if not paragraph.title:
            return {}
        for index in range(at, len(lines)):
            text = lines[index].text
            if text.startswith(f"{paragraph.number}.") and text[len(str(paragraph.number)) + 1:].strip() \
                    == paragraph.title:
                starts[paragraph.number], at = index, index + 1
                break
        else:
            return {}
    return starts


def paragraph_pages(pdf_bytes: bytes) -> dict[int, list[int]]:
    """Which 0-based pages hold each paragraph (§ number) of the protocol."""
    return {number: section.pages for number, section in sections(pdf_text(pdf_bytes)).items()}


def recipients(section: Section) -> list[str]:
    """The names under "Beslutet skickas till" in one paragraph: whom the decision goes to."""
    return read_recipients(section.lines, section.header)


class UnknownParagraph(InputError):
    code = "unknown_paragraph"
    http_status = 422
    default_sv = ("Paragrafen finns inte i protokollet. Välj bland paragraferna som protokollet innehåller.")
    default_en = "The paragraph is not in the protocol. Choose among the paragraphs the protocol holds."


class ParagraphsMissing(InputError):
    code = "extract_paragraphs_missing"
    http_status = 422
    default_sv = "Filen innehåller inte utdragets paragrafer."
    default_en = "The file does not hold the extract's paragraphs."


def check_holds(found: set[int], paragraphs: list[int], *, new_version: bool = True) -> None:
    """Refuse a file that does not hold its extract's paragraphs (``found``, as the upload reader
    numbers them): it would go out labelled and certified as an extract of paragraphs it does not
    contain. ``new_version`` False: the PDF of a paragraph adjusted at the meeting."""
    missing = [n for n in sorted(set(paragraphs)) if n not in found]
    if not missing:
        return
    wanted, lacking = ", ".join(f"§ {n}" for n in paragraphs), ", ".join(f"§ {n}" for n in missing)
    if not new_version:
        raise ParagraphsMissing(
            f"Filen ska vara paragrafen {wanted}, men ingen rubrik ”{wanted} …” hittades i den. Välj PDF:en med "
            "paragrafen, eller skriv in paragrafens text i stället.",
            f"The file should be the paragraph {wanted}, but no heading \"{wanted} …\" was found in it. Choose the "
            "PDF holding the paragraph, or type in the paragraph's text instead.", field="file")
    raise ParagraphsMissing(
        f"Den nya versionen ska vara samma utdrag ({wanted}), men filen innehåller inte {lacking}. "
        "Ladda upp utdraget med dessa paragrafer, eller gör ett nytt utdrag från protokollets sida.",
        f"The new version must be the same extract ({wanted}), but the file does not hold {lacking}. "
        "Upload the extract with these paragraphs, or make a new extract from the protocol's page.",
        field="file")


_TEXTS = {
    "sv": {
        "utdrag": "Utdrag ur protokoll",
        "omedelbar": "Omedelbart justerad paragraf",
        "meeting": "Sammanträdesdatum",
        "pages": "Utdraget omfattar protokollets sidor {pages}.",
        "omedelbar_note": ("Sammanträdet beslutade att paragrafen skulle justeras omedelbart. "
                           "Den justeras av samma personer som protokollet, på signatursidan i slutet."),
        "attest": "Rätt utdraget intygar",
        "full_sha": "Hela protokollets kontrollsumma (SHA-256):",
    },
    "en": {
        "utdrag": "Extract from the minutes",
        "omedelbar": "Paragraph adjusted at once",
        "meeting": "Meeting date",
        "pages": "The extract holds pages {pages} of the minutes.",
        "omedelbar_note": ("The meeting decided that this paragraph be adjusted at once. It is signed by the same "
                           "people as the minutes, on the signature page at the end."),
        "attest": "Certified a true extract",
        "full_sha": "Checksum of the full minutes (SHA-256):",
    },
}


def _fonts() -> tuple[str, str]:
    if "SigneringSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SigneringSans", font_path(bold=False)))
        pdfmetrics.registerFont(TTFont("SigneringSans-Bold", font_path(bold=True)))
    return "SigneringSans", "SigneringSans-Bold"


def _page_ranges(pages: list[int]) -> str:
    """1-based page numbers as "3–5, 8"."""
    runs: list[list[int]] = []
    for n in sorted(set(pages)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0] + 1}" if len(r) == 1 else f"{r[0] + 1}–{r[-1] + 1}" for r in runs)


def _extract_page(*, kind: str, organisation: str, board: str, meeting_date: dt.date, titles: list[str],
                  pages: list[int], parent_sha256: str | None, secretary: str, lang: str) -> bytes:
    texts = _TEXTS.get(lang, _TEXTS["sv"])
    regular, bold = _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    width, height = A4
    left, text_width = 25 * mm, width - 50 * mm
    y = height - 30 * mm

    def write(text: str, font: str = regular, size: float = 11, gap: float = 4):
        nonlocal y
        for line in wrap(text, font, size, text_width):
            c.setFont(font, size)
            c.drawString(left, y, line)
            y -= size * 1.35
        y -= gap

    write(texts[kind], bold, 18, 8)
    if organisation:
        write(organisation, regular, 11, 0)
    write(board, bold, 12, 2)
    write(f"{texts['meeting']}: {meeting_date.isoformat()}", regular, 11, 10)
    for title in titles:
        write(title, bold, 12, 2)
    y -= 6
    write(texts["pages"].format(pages=_page_ranges(pages)), regular, 10, 10)
    if kind == "omedelbar":
        write(texts["omedelbar_note"], regular, 10, 10)
    if parent_sha256:
        write(texts["full_sha"], regular, 9, 0)
        c.setFont(regular, 8.5)
        c.drawString(left, y, parent_sha256)
        y -= 22
    if kind == "utdrag":
        y -= 10
        write(texts["attest"], bold, 12, 26)
        c.setLineWidth(0.6)
        c.line(left, y, left + 80 * mm, y)
        y -= 14
        write(secretary, regular, 11, 0)
    c.showPage()
    c.save()
    return buf.getvalue()


def build_extract_pdf(original_pdf: bytes, paragraphs: list[int], *, board: str, meeting_date: dt.date,
                      organisation: str = "", kind: str = "utdrag", lang: str = "sv",
                      parent_sha256: str | None = None, secretary: str = "", nonce: str | None = None) -> bytes:
    """A new PDF: the extract page, then the pages of ``original_pdf`` holding ``paragraphs``.

    Raises :class:`UnknownParagraph` for a number the protocol does not hold. ``nonce`` goes
    into the metadata, so that two extracts of the same paragraphs are two files, two hashes.
    """
    if kind not in ("utdrag", "omedelbar"):
        raise ValueError(f"not an extract kind: {kind!r}")
    if not paragraphs:
        raise InputError("Välj minst en paragraf.", "Choose at least one paragraph.", field="paragraphs")
    found = sections(pdf_text(original_pdf))
    missing = [n for n in paragraphs if n not in found]
    if missing:
        raise UnknownParagraph(
            f"§ {missing[0]} finns inte i protokollet. Välj bland §§ {', '.join(map(str, sorted(found)))}.",
            f"§ {missing[0]} is not in the minutes. Choose among §§ {', '.join(map(str, sorted(found)))}.",
            field="paragraphs") if found else UnknownParagraph(field="paragraphs")
    numbers = sorted(set(paragraphs))
    pages = sorted({p for n in numbers for p in found[n].pages})
    titles = [f"§ {n} {found[n].paragraph.title or ''}".strip() for n in numbers]
    first = _extract_page(kind=kind, organisation=organisation, board=board, meeting_date=meeting_date,
                          titles=titles, pages=pages, parent_sha256=parent_sha256, secretary=secretary, lang=lang)
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(first)))
    # Whole pages, unchanged: what the justerare signed is what the recipient reads.
    writer.append(PdfReader(io.BytesIO(original_pdf)), pages=pages, import_outline=False)
    metadata = {"/Title": f"{_TEXTS['sv'][kind]} {board} {meeting_date.isoformat()} "
                          + ", ".join(f"§ {n}" for n in numbers)}
    if nonce:
        metadata["/SigneringExtractId"] = nonce
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
