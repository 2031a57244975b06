"""Read a protocol's metadata from its text: the finders, each on the same normalised lines."""

from __future__ import annotations

import os

from .lines import Line, normalise
from .board import locate_board
from .justering import locate_justering
from .meeting import locate_meeting_date, locate_meeting_time, locate_place
from .model import Justering, ProtocolInfo
from .paragraphs import body_starts, find_paragraphs
from .signers import locate_signers
from .text import pdf_text


def where(line: Line | None) -> dict | None:
    """A line's place in the PDF as a person would look for it: page and line, both from 1."""
    return {"page": line.page + 1, "line": line.number} if line is not None and line.number else None


def read_protocol_text(text: str) -> ProtocolInfo:
    """What a person would read off the protocol's first pages; unknown fields stay None.

    ``sources`` says where on the page each field was read, so a form can show it.
    """
    doc = normalise(text)
    if not any(not line.blank for line in doc.lines + doc.header):
        return ProtocolInfo(has_text=False)
    lines = doc.lines
    found = {
        "board": locate_board(lines, doc.header),
        "meeting_date": locate_meeting_date(lines, doc.header),
        "meeting_time": locate_meeting_time(lines),
        "place": locate_place(lines),
        "justering": locate_justering(lines),
    }
    value = {key: hit[0] if hit else None for key, hit in found.items()}
    signers = locate_signers(lines)
    paragraphs = tuple(find_paragraphs(lines))
    starts = body_starts(lines)
    sources = {key: where(hit[1]) if hit else None for key, hit in found.items()}
    sources["signers"] = [where(line) for _, line in signers]
    sources["paragraphs"] = [where(lines[starts[p.number]]) if p.number in starts else None for p in paragraphs]
    time = value["meeting_time"]
    return ProtocolInfo(
        board=value["board"],
        meeting_date=value["meeting_date"],
        meeting_start=time[0] if time else None,
        meeting_end=time[1] if time else None,
        place=value["place"],
        paragraphs=paragraphs,
        signers=tuple(signer for signer, _ in signers),
        justering=Justering(*value["justering"]) if value["justering"] else None,
        sources=sources,
    )


def read_protocol_pdf(source: bytes | bytearray | str | os.PathLike) -> ProtocolInfo:
    """Like :func:`read_protocol_text` for a PDF (path or bytes).

    Raises EmptyFile, NotAPdf, DamagedPdf, EncryptedPdf or NoPages; a scan without a text
    layer is no error and gives an empty ProtocolInfo with ``has_text`` False.
    """
    return read_protocol_text(pdf_text(source))
