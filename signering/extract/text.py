"""Get the text out of a protocol PDF, one page after another.

pypdf's layout mode places every piece of text by its position on the page, so a label and
its value drawn side by side in a two-column template stay on one line, in reading order. We
turn the wide gaps it leaves into tabs, the way word processors export tables as text, so the
reader sees "Justeras av<TAB>Elise Ackerot" whatever the template looked like.

A scanned PDF has no text layer: it gives empty pages, not an error.
"""

from __future__ import annotations

import io
import logging
import os
import re

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from ..errors import DamagedPdf, EmptyFile, EncryptedPdf, NoPages, NotAPdf

log = logging.getLogger(__name__)

#: Separates pages in the returned text (the convention of pdftotext).
PAGE_BREAK = "\f"

# A run this long inside a line is a column gap, not a space between words.
_GAP = re.compile(r" {3,}")
_BLANK_RUN = re.compile(r"\n{3,}")


def read_source(source: bytes | bytearray | str | os.PathLike) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(source, "rb") as fh:
        return fh.read()


def open_pdf(data: bytes) -> PdfReader:
    """Open PDF bytes, turning every way it can fail into the error a user can act on."""
    if not data:
        raise EmptyFile()
    # The header may follow a little junk (some mail gateways prepend bytes); readers accept that.
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many municipalities' exports carry only an owner password (printing rules); those
            # open with the empty user password and their text can be read.
            try:
                if not reader.decrypt(""):
                    raise EncryptedPdf()
            except (FileNotDecryptedError, NotImplementedError) as exc:
                raise EncryptedPdf() from exc
        pages = len(reader.pages)
    except EncryptedPdf:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise DamagedPdf(details=str(exc)) from exc
    if pages == 0:
        raise NoPages()
    return reader


def _page_text(page) -> str:
    try:
        raw = page.extract_text(extraction_mode="layout", layout_mode_strip_rotated=True)
    except Exception as exc:  # noqa: BLE001 - layout mode trips on some odd fonts; plain mode still reads them
        log.debug("layout extraction failed, falling back to plain: %s", exc)
        try:
            raw = page.extract_text()
        except Exception as exc2:  # noqa: BLE001 - one unreadable page must not hide the others
            log.warning("could not extract text from a page: %s", exc2)
            return ""
    return tidy_layout_text(raw or "")


def tidy_layout_text(raw: str) -> str:
    """Column gaps become tabs (a leading gap marks a value-column line), blank runs shrink to one."""
    lines = []
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.rstrip()
        lead = len(line) - len(line.lstrip(" "))
        body = _GAP.sub("\t", line.strip(" "))
        lines.append(("\t" if lead >= 3 and body else "") + body)
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")


def pdf_text(source: bytes | bytearray | str | os.PathLike) -> str:
    """The text of every page of a PDF, pages separated by :data:`PAGE_BREAK`."""
    reader = open_pdf(read_source(source))
    return PAGE_BREAK.join(_page_text(page) for page in reader.pages)
