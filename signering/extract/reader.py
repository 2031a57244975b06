"""Read a protocol's metadata from its text: the finders, each on the same normalised lines."""

from __future__ import annotations

import os

from .lines import normalise
from .board import find_board
from .justering import find_justering
from .meeting import find_meeting_date, find_meeting_time, find_place
from .model import Justering, ProtocolInfo
from .paragraphs import find_paragraphs
from .signers import find_signers
from .text import pdf_text


def read_protocol_text(text: str) -> ProtocolInfo:
    """What a person would read off the protocol's first pages; unknown fields stay None."""
    doc = normalise(text)
    if not any(not line.blank for line in doc.lines + doc.header):
        return ProtocolInfo(has_text=False)
    lines = doc.lines
    time = find_meeting_time(lines)
    justering = find_justering(lines)
    return ProtocolInfo(
        board=find_board(lines, doc.header),
        meeting_date=find_meeting_date(lines, doc.header),
        meeting_start=time[0] if time else None,
        meeting_end=time[1] if time else None,
        place=find_place(lines),
        paragraphs=tuple(find_paragraphs(lines)),
        signers=tuple(find_signers(lines)),
        justering=Justering(*justering) if justering else None,
    )


def read_protocol_pdf(source: bytes | bytearray | str | os.PathLike) -> ProtocolInfo:
    """Like :func:`read_protocol_text` for a PDF (path or bytes).

    Raises EmptyFile, NotAPdf, DamagedPdf, EncryptedPdf or NoPages; a scan without a text
    layer is no error and gives an empty ProtocolInfo with ``has_text`` False.
    """
    return read_protocol_text(pdf_text(source))
