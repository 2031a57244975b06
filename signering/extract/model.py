"""What the reader found in a protocol. Missing values stay None (an empty field in the form)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from ..route import ROLES

ROLE_ORDER = ROLES  # the order signers sign in (signering/route.py)


@dataclass(frozen=True)
class Paragraph:
    number: int
    title: str | None
    dnr: str | None

    def to_dict(self) -> dict:
        return {"number": self.number, "title": self.title, "dnr": self.dnr}


@dataclass(frozen=True)
class Signer:
    name: str
    role: str  #: one of ROLE_ORDER

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


@dataclass(frozen=True)
class Justering:
    date: dt.date | None
    place: str | None

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat() if self.date else None, "place": self.place}


@dataclass(frozen=True)
class ProtocolInfo:
    board: str | None = None
    meeting_date: dt.date | None = None
    meeting_start: dt.time | None = None
    meeting_end: dt.time | None = None
    place: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    #: In signing order: sekreterare, ordförande, justerare.
    signers: tuple[Signer, ...] = ()
    justering: Justering | None = None
    #: False for a PDF without a text layer (a scan): everything else is then empty.
    has_text: bool = True
    #: Where each field was read: {"page": n, "line": n} (both from 1) or None per field, and a
    #: list parallel to ``signers`` and ``paragraphs`` for those. Not part of what was read, so
    #: not compared.
    sources: dict | None = field(default=None, compare=False)

    def to_dict(self, *, sources: bool = False) -> dict:
        """The fields as JSON values; with ``sources`` also where each was read."""
        data = self._fields()
        if sources:
            data["sources"] = self.sources
        return data

    def _fields(self) -> dict:
        time = None
        if self.meeting_start:
            time = {"start": self.meeting_start.strftime("%H:%M"),
                    "end": self.meeting_end.strftime("%H:%M") if self.meeting_end else None}
        return {
            "board": self.board,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "meeting_time": time,
            "place": self.place,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "signers": [s.to_dict() for s in self.signers],
            "justering": self.justering.to_dict() if self.justering else None,
            "has_text": self.has_text,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ProtocolInfo":
        """The inverse of :meth:`to_dict` (which is how it comes back from the reading child process)."""
        time = data.get("meeting_time") or {}
        justering = data.get("justering")
        return cls(
            board=data.get("board"),
            meeting_date=_date(data.get("meeting_date")),
            meeting_start=_time(time.get("start")),
            meeting_end=_time(time.get("end")),
            place=data.get("place"),
            paragraphs=tuple(Paragraph(p["number"], p["title"], p["dnr"]) for p in data.get("paragraphs", ())),
            signers=tuple(Signer(s["name"], s["role"]) for s in data.get("signers", ())),
            justering=Justering(_date(justering["date"]), justering["place"]) if justering else None,
            has_text=data.get("has_text", True),
            sources=data.get("sources"),
        )

    def to_json(self, indent: int | None = 2, *, sources: bool = False) -> str:
        return json.dumps(self.to_dict(sources=sources), ensure_ascii=False, indent=indent)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _time(text: str | None) -> dt.time | None:
    return dt.time.fromisoformat(text) if text else None
