"""Is a stored upload a protocol PDF we can sign? ``check_pdf`` answers with a page count or
a typed ``PdfRejected``.

The file is opened the way the signing step opens it (pyHanko's reader, ``strict=False``, then
``IncrementalPdfFileWriter``), so whatever passes here can take the signature page as an
incremental update. Damaged files are rejected, not repaired: a repaired file is a different
byte sequence, and the uploaded bytes must stay the first revision (their hash is the
protocol's identity). pyHanko has no cross-reference reconstruction, so a broken table means
DamagedPdf.

Cost is bounded: page content streams are inflated only to measure them (in steps, output
discarded, stopped at a cap: see ``contents``), the streams pyHanko must decode (object and
cross-reference streams) are capped by ``DECODE_LIMITS``,
traversals are iterative with cycle checks and a time budget, and any parser failure, including
RecursionError on deeply nested objects and MemoryError, becomes DamagedPdf. For a hard
memory ceiling as well, run it through ``check_pdf_isolated``.
"""

from __future__ import annotations

import logging
import os
import re

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import (
    DEFAULT_PURPOSE_LIMITS,
    DecodeLimits,
    DecodePurpose,
    DocumentDecodeBudget,
    StreamDecodeLimits,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader

from ..errors import DamagedPdf, EmptyFile, EncryptedPdf, NotAPdf, PdfRejected
from ..spool import HEADER_WINDOW
from .contents import check_content_sizes
from .scan import check_active_content, check_signatures
from .walk import Budget, check_nesting, collect_pages, damaged, deref, get_dict

log = logging.getLogger(__name__)

MiB = 1024 * 1024
#: Wall-clock budget for one check; real protocols take milliseconds.
TIME_LIMIT_S = 10.0
#: pyHanko looks for %%EOF in the last KiB only.
TAIL_WINDOW = 1024
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_HEADER = re.compile(rb"%PDF-\d\.\d")
# An object header as pyHanko reads it: optional whitespace and comments, "N G obj".
# A comment must end its line, so there is one way to match and no backtracking blow-up.
_OBJECT_HEADER = re.compile(rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])*(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]*obj")
_OBJECT_HEADER_PEEK = 256

#: Tighter than pyHanko's defaults for untrusted input: a protocol's object and xref streams
#: are small, and a file that needs more is more likely a bomb than minutes of a meeting.
DECODE_LIMITS = DecodeLimits(
    per_stream=StreamDecodeLimits(max_ratio=1100, max_output_size=64 * MiB),
    per_purpose={
        **DEFAULT_PURPOSE_LIMITS,
        DecodePurpose.OBJECT_STREAM: StreamDecodeLimits(max_ratio=100, ratio_floor=4 * MiB, max_output_size=32 * MiB),
    },
    document_budget=DocumentDecodeBudget(base_allowance=128 * MiB, max_ratio=10),
)


def check_pdf(path: str) -> int:
    """Validate a stored file as a protocol we can sign; return its page count or raise a PdfRejected subclass."""
    size = os.path.getsize(path)
    if size == 0:
        raise EmptyFile()
    with open(path, "rb") as f:
        _check_envelope(f, size)
        try:
            return _check_document(f, path, size)
        except PdfRejected:
            raise
        except RecursionError:
            raise damaged("nesting_too_deep") from None
        except MemoryError:
            raise damaged("too_much_memory") from None
        except PdfDecodeLimitError as exc:
            raise damaged("stream_too_large") from exc
        except Exception as exc:  # noqa: BLE001 - any parser failure means the file is unreadable
            if _caused_by(exc, RecursionError):
                # pyHanko wraps some of these in its own read errors.
                raise damaged("nesting_too_deep") from None
            log.info("PDF rejected as unreadable: %s: %s", type(exc).__name__, exc)
            raise damaged("unreadable_structure") from exc


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _check_envelope(f, size: int) -> None:
    """Header at byte 0 and nothing but whitespace after the last %%EOF.

    pyHanko tolerates junk before the header by shifting every offset, and junk after %%EOF by
    skipping it; both would make "the first N bytes are the upload" mean something else than
    "the upload is a PDF", so both are refused.
    """
    head = f.read(HEADER_WINDOW)
    if not head.startswith(b"%PDF-"):
        if b"%PDF-" in head:
            raise damaged("header_not_at_start")
        raise NotAPdf()
    if not _HEADER.match(head):
        raise damaged("bad_header")
    f.seek(max(0, size - TAIL_WINDOW))
    tail = f.read()
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise damaged("no_end_marker")
    if tail[end + 5:].strip(PDF_WHITESPACE):
        raise damaged("data_after_end")


def _check_document(f, path: str, size: int) -> int:
    budget = Budget(TIME_LIMIT_S)
    reader = PdfFileReader(f, strict=False, decode_limits=DECODE_LIMITS)
    if "/Encrypt" in reader.trailer:
        raise EncryptedPdf()
    # The signing step appends through this writer; failing to build it means we cannot sign.
    IncrementalPdfFileWriter.from_reader(reader)
    _check_object_offsets(reader, path, size, budget)
    root_ref = reader.trailer.raw_get("/Root")
    root = deref(root_ref)
    if not isinstance(root_ref, generic.IndirectObject) or not isinstance(root, generic.DictionaryObject):
        raise damaged("no_catalog")
    # The signing step rewrites these objects (recursively, in pyHanko) when it appends.
    for obj in (reader.trailer.flatten(), root, get_dict(root, "/AcroForm")):
        check_nesting(obj)
    pages = collect_pages(root, budget)
    check_signatures(root, budget)
    check_active_content(root, pages, budget)
    check_content_sizes(pages, budget)
    return len(pages)


def _check_object_offsets(reader: PdfFileReader, path: str, size: int, budget: Budget) -> None:
    """Every cross-reference entry must point at the object it names.

    pyHanko reads objects lazily, so a table with wrong offsets opens fine and fails only when
    someone (a validator, a later signer) reads the object; viewers silently rebuild such a
    table, and a rebuilt table under signatures makes them show as broken. Checking each entry
    is a seek and a short read, milliseconds even for large files.
    """
    xrefs = reader.xrefs
    with open(path, "rb") as f:
        for revision in range(xrefs.total_revisions):
            data = xrefs.get_xref_data(revision)
            sections = [data] + ([data.hybrid.xref_data] if data.hybrid is not None else [])
            for section in sections:
                for count, (idnum, (generation, offset)) in enumerate(section.standard_xrefs.items()):
                    if count % 1024 == 0:
                        budget.tick()
                    if not 0 < offset < size:
                        raise damaged("xref_offset_outside_file")
                    f.seek(offset)
                    match = _OBJECT_HEADER.match(f.read(_OBJECT_HEADER_PEEK))
                    if match is None or (int(match[1]), int(match[2])) != (idnum, generation):
                        raise damaged("xref_offset_mismatch")
