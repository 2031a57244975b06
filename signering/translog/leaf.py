"""The canonical bytes of one log entry: a sealed protocol.

A leaf is UTF-8 JSON with sorted keys, no insignificant whitespace and only string values. Two
formats exist; old leaves keep theirs, since changing a leaf's bytes would break every proof::

    version 1 (organisation by display name, which can change):
    {"board":"Kommunstyrelsen","meeting_date":"2025-09-23","organisation":"Sollefteå kommun",
     "original_sha256":"<hex>","sealed_at":"2025-10-07T09:30:00.000000Z","sealed_sha256":"<hex>"}

    version 2 (organisation by its slug, which never changes; written from this version on):
    {"board":"Kommunstyrelsen","leaf_version":"2","meeting_date":"2025-09-23",
     "organisation_id":"solleftea","original_sha256":"<hex>","sealed_at":"2025-10-07T09:30:00.000000Z",
     "sealed_sha256":"<hex>"}

With only strings and ASCII keys, Python's ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` produces exactly the RFC 8785 (JCS) form, so a verifier in another
language can rebuild the bytes with any JCS library.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from ..errors import LogProofError
from ._codec import as_utc, format_utc, invalid, parse_utc
from .merkle import hash_leaf

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
_FIELDS_V1 = ("board", "meeting_date", "organisation", "original_sha256", "sealed_at", "sealed_sha256")
_FIELDS_V2 = ("board", "leaf_version", "meeting_date", "organisation_id", "original_sha256", "sealed_at",
              "sealed_sha256")


@dataclass(frozen=True)
class SealedProtocolEntry:
    """What the log records about one sealed protocol.

    ``original_sha256`` identifies the uploaded protocol (the first revision of the sealed PDF),
    ``sealed_sha256`` the sealed PDF itself. Hashes are stored lowercase; names are stored in
    Unicode NFC so that "å" typed on any system gives the same leaf; ``sealed_at`` is stored in UTC.
    """

    original_sha256: str
    sealed_sha256: str
    board: str
    meeting_date: date
    sealed_at: datetime
    #: version 1 leaves: the organisation's display name at sealing time
    organisation: str = ""
    #: version 2 leaves: the organisation's slug (``Organisation.slug``)
    organisation_id: str = ""

    @property
    def leaf_version(self) -> int:
        return 2 if self.organisation_id else 1

    def __post_init__(self) -> None:
        if bool(self.organisation) == bool(self.organisation_id):
            raise invalid("organisation")
        if self.organisation_id and (not isinstance(self.organisation_id, str)
                                     or not _SLUG.fullmatch(self.organisation_id)):
            raise invalid("organisation_id")
        for name in ("original_sha256", "sealed_sha256"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _SHA256_HEX.fullmatch(value.lower()):
                raise invalid(name)
            object.__setattr__(self, name, value.lower())
        for name in ("organisation", "board") if self.organisation else ("board",):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip() or not value.isprintable():
                raise invalid(name)
            object.__setattr__(self, name, unicodedata.normalize("NFC", value))
        # datetime is a subclass of date; a meeting date with a time would encode differently.
        if not isinstance(self.meeting_date, date) or isinstance(self.meeting_date, datetime):
            raise invalid("meeting_date")
        object.__setattr__(self, "sealed_at", as_utc(self.sealed_at, "sealed_at"))

    def to_dict(self) -> dict[str, str]:
        common = {
            "board": self.board,
            "meeting_date": self.meeting_date.isoformat(),
            "original_sha256": self.original_sha256,
            "sealed_at": format_utc(self.sealed_at),
            "sealed_sha256": self.sealed_sha256,
        }
        if self.leaf_version == 2:
            return {**common, "leaf_version": "2", "organisation_id": self.organisation_id}
        return {**common, "organisation": self.organisation}

    @classmethod
    def from_dict(cls, data: object) -> SealedProtocolEntry:
        """Read the JSON form; raises ``LogProofError`` (reason ``malformed``) on anything else."""
        if not isinstance(data, dict) or set(data) not in (set(_FIELDS_V1), set(_FIELDS_V2)):
            raise LogProofError("malformed", field="entry")
        if not all(isinstance(value, str) for value in data.values()):
            raise LogProofError("malformed", field="entry")
        if "leaf_version" in data and data["leaf_version"] != "2":
            raise LogProofError("malformed", field="leaf_version")
        if not _DATE_TEXT.fullmatch(data["meeting_date"]):
            raise LogProofError("malformed", field="meeting_date")
        try:
            return cls(
                original_sha256=data["original_sha256"],
                sealed_sha256=data["sealed_sha256"],
                organisation=data.get("organisation", ""),
                organisation_id=data.get("organisation_id", ""),
                board=data["board"],
                meeting_date=date.fromisoformat(data["meeting_date"]),
                sealed_at=parse_utc(data["sealed_at"], "sealed_at"),
            )
        except LogProofError:
            raise
        except Exception as exc:  # InputError from validation, ValueError from the date
            raise LogProofError("malformed", field="entry") from exc


def encode_leaf(entry: SealedProtocolEntry) -> bytes:
    """The exact bytes that go into the Merkle tree for ``entry``."""
    return json.dumps(entry.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_leaf(data: bytes) -> SealedProtocolEntry:
    """Read leaf bytes back, refusing any form but the canonical one.

    Two byte strings for one entry would give two leaf hashes; accepting both would let a
    verifier be shown a leaf the log never hashed.
    """
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, AttributeError):
        raise LogProofError("malformed", field="leaf") from None
    entry = SealedProtocolEntry.from_dict(parsed)
    if encode_leaf(entry) != data:
        raise LogProofError("malformed", field="leaf")
    return entry


def leaf_hash(entry: SealedProtocolEntry) -> bytes:
    """SHA-256(0x00 || canonical leaf bytes): the entry's hash in the tree."""
    return hash_leaf(encode_leaf(entry))
