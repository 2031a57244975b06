"""Incremental updates that keep a PDF/A protocol PDF/A.

Every revision we add (signature page, signatures, DSS, document timestamp) goes through
:func:`open_writer`. For an ordinary PDF that is pyHanko's incremental writer as it is. For a
file whose XMP claims PDF/A-1, -2 or -3 three things pyHanko does by default would break the
claim, so the writer leaves them out:

- raising the catalog ``/Version``: every incremental writer asks for 1.7, PAdES for 1.7 and an
  ECDSA key for 2.0 (with the ISO/TS 32002 extension). PDF/A-1 is PDF 1.4, PDF/A-2 and -3 are
  PDF 1.7 (ISO 32000-1). ECDSA in a PDF 1.7 file is ordinary PAdES (ETSI EN 319 142-1 lists
  it); ISO/TS 32002 only declares it for PDF 2.0 readers, so nothing is lost by not declaring it;
- developer extensions of a later PDF version (ISO/TS 32001/32002 are PDF 2.0; PDF 1.4 has no
  extensions at all). The ESIC extension, which declares PAdES for PDF 1.7, stays for -2/-3;
- rewriting the XMP metadata and the document information dictionary: pyHanko reserialises the
  XMP packet (renaming prefixes such as ``xmpMM``) and sets a producer that no longer matches
  the information dictionary. The archive's metadata stays exactly the original's.
"""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

#: The highest PDF version each PDF/A part is based on.
MAX_VERSION = {1: (1, 4), 2: (1, 7), 3: (1, 7)}

_PART = re.compile(rb"pdfaid:part\s*(?:>\s*|=\s*[\"'])([123])\b")


def pdfa_part(reader: PdfFileReader) -> int | None:
    """The PDF/A part (1, 2 or 3) the document's XMP metadata claims, or None."""
    try:
        metadata = reader.root.get("/Metadata")
        if metadata is None:
            return None
        match = _PART.search(metadata.get_object().data)
    except Exception:  # damaged or exotic metadata: treat the file as ordinary PDF
        return None
    return int(match.group(1)) if match else None


class PdfaKeepingWriter(IncrementalPdfFileWriter):
    """pyHanko's incremental writer, capped at what the input's PDF/A part allows."""

    def __init__(self, input_stream, prev: PdfFileReader, part: int):
        # Set before the parent's __init__, which already asks for version 1.7.
        self.pdfa_part = part
        self.max_version = MAX_VERSION[part]
        super().__init__(input_stream, prev=prev)

    def ensure_output_version(self, version):
        if tuple(version) <= self.max_version:
            super().ensure_output_version(version)

    def register_extension(self, ext):
        base = tuple(int(v) for v in str(ext.base_version).lstrip("/").split("."))
        if self.pdfa_part != 1 and base <= self.max_version:
            super().register_extension(ext)

    def _update_meta(self):
        pass  # the archive's XMP and information dictionary stay as they are


def open_writer(pdf: bytes, strict: bool = False) -> IncrementalPdfFileWriter:
    """An incremental writer over ``pdf`` that keeps a PDF/A input conforming."""
    stream = io.BytesIO(pdf)
    reader = PdfFileReader(stream, strict=strict)
    part = pdfa_part(reader)
    if part is None:
        return IncrementalPdfFileWriter(stream, prev=reader)
    return PdfaKeepingWriter(stream, reader, part)
