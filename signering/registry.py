"""The public registry: what the service knows about a document, found by its SHA-256.

A protocol has two hashes worth asking about: the original upload (printed on the signature
page and in the QR code) and the sealed PDF (what the anslagstavla serves). Either finds it.
The answer is public, so it holds only what the published notice and the PDF itself show:
board, dates and the signers' names and roles, never e-mail addresses.
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select

from .errors import InputError
from .models import Notice, ProtocolVersion

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")

#: the protocol states the public sees as "sealed": sealing, posting and archiving all
#: happen after the last signature and the seal
_SEALED_STATES = ("sealed", "posted", "archived")
#: the better answer wins when one file was uploaded more than once
_RANK = {"sealed": 0, "in_progress": 1, "withdrawn": 2}


class InvalidHash(InputError):
    code = "invalid_sha256"
    http_status = 400
    default_sv = ("Hashvärdet är ogiltigt. Ett SHA-256-värde består av 64 tecken 0–9 och a–f; "
                  "kontrollera länken eller kopiera värdet på nytt.")
    default_en = ("The hash is invalid. A SHA-256 value is 64 characters 0–9 and a–f; "
                  "check the link or copy the value again.")


def normalise(sha256: object) -> str:
    """Lowercase hex, or :class:`InvalidHash` for anything that is not 64 hex digits."""
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise InvalidHash()
    return sha256.lower()


def _status(version: ProtocolVersion) -> str:
    protocol = version.protocol
    if version.sealed_sha256 and protocol.status in _SEALED_STATES:
        return "sealed"
    if version.voided or protocol.status == "withdrawn":
        return "withdrawn"
    return "in_progress"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _parent(protocol) -> dict | None:
    """For an extract: the full protocol it comes from, found again by its hash."""
    parent = protocol.parent
    if parent is None or parent.current is None:
        return None
    return {"original_sha256": parent.current.original_sha256, "board": parent.board.name,
            "meeting_date": parent.meeting_date.isoformat()}


def lookup(session, sha256: str) -> dict:
    """``{"status": "sealed" | "in_progress" | "withdrawn" | "unknown", ...}`` for ``sha256``.

    Raises :class:`InvalidHash` when ``sha256`` is not a SHA-256 hex digest.
    """
    sha = normalise(sha256)
    versions = session.execute(
        select(ProtocolVersion).where(or_(ProtocolVersion.original_sha256 == sha,
                                          ProtocolVersion.sealed_sha256 == sha))
    ).scalars().all()
    if not versions:
        return {"status": "unknown", "sha256": sha}
    version = min(versions, key=lambda v: (_RANK[_status(v)], -v.id))
    status = _status(version)
    protocol = version.protocol
    answer = {
        "status": status,
        "sha256": sha,
        "matched": "sealed" if version.sealed_sha256 == sha else "original",
        "organisation": protocol.board.organisation.name,
        "organisation_slug": protocol.board.organisation.slug,
        "board": protocol.board.name,
        "meeting_date": protocol.meeting_date.isoformat(),
        "original_sha256": version.original_sha256,
        "sealed_sha256": version.sealed_sha256 if status == "sealed" else None,
        "sealed_at": _iso(version.sealed_at) if status == "sealed" else None,
        "posted_at": None,
        "notice_status": None,
        "signers": [],
        "kind": protocol.kind or "protokoll",
        "paragraphs": list(protocol.paragraphs or []),
        "parent": _parent(protocol),
    }
    if status == "withdrawn":
        # A withdrawn or replaced version was never adjusted: who signed it is nobody's business.
        return answer
    answer["signers"] = [{"name": r.name, "role": r.role, "signed_at": _iso(r.signed_at)}
                         for r in version.requests if r.status == "signed"]
    if status == "sealed":
        notice = session.execute(select(Notice).filter_by(protocol_id=protocol.id)).scalar_one_or_none()
        if notice is not None:
            answer["posted_at"] = notice.posted_date.isoformat()
            answer["notice_status"] = notice.status
            answer["notice_id"] = notice.id
    return answer
