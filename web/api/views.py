"""The JSON shapes the API returns (described in :mod:`web.api.openapi`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from signering.models import Event, Protocol, SignatureRequest
from signering.workflow import meeting_dates
from signering.workflow.signing import SigningView


def when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite hands back naive datetimes; everything stored is UTC.
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()


def signer(request: SignatureRequest) -> dict:
    return {"name": request.name, "email": request.email, "role": request.role, "position": request.position,
            "status": request.status, "signed_at": when(request.signed_at)}


def protocol_summary(protocol: Protocol) -> dict:
    version = protocol.current
    return {
        "id": protocol.id,
        "board": protocol.board.name,
        "meeting_date": protocol.meeting_date.isoformat(),
        "status": protocol.status,
        "sha256": version.original_sha256 if version else None,
        "sealed_sha256": version.sealed_sha256 if version else None,
        "version": version.number if version else None,
        "created_at": when(protocol.created_at),
        "updated_at": when(protocol.updated_at),
        "kind": protocol.kind or "protokoll",
        "parent_id": protocol.parent_id,
        "paragraphs": list(protocol.paragraphs or []),
    }


def protocol(protocol: Protocol) -> dict:
    version = protocol.current
    requests = sorted(version.requests, key=lambda r: (r.position, r.id)) if version else []
    return {**protocol_summary(protocol), "signers": [signer(r) for r in requests]}


def signing_view(view: SigningView) -> dict:
    """What a signer may see: names and roles of the others, never their addresses."""
    return {
        "organisation": view.organisation,
        "board": view.board,
        "meeting_date": view.meeting_date.isoformat(),
        "name": view.name,
        "role": view.role,
        "position": view.position,
        "original_sha256": view.original_sha256,
        "page_count": view.page_count,
        "code_sent": view.code_sent,
        "signed_so_far": [{"name": name, "role": role, "signed_at": when(at)} for name, role, at in view.signed_so_far],
        "still_to_sign": [{"name": name, "role": role} for name, role in view.still_to_sign],
    }


def upload_warnings(session, protocol: Protocol, lang: str) -> list[dict]:
    """What the upload of the protocol's current version was warned about (the meeting date
    differing from the PDF's); the protocol was accepted all the same."""
    number = protocol.current.number if protocol.current else None
    details = session.execute(select(Event.detail).filter_by(protocol_id=protocol.id, kind="date_mismatch",
                                                             organisation_id=protocol.organisation_id)).scalars()
    found = [meeting_dates.from_event(d) for d in details if (d or {}).get("version") == number]
    return [w.to_dict(lang) for w in found if w is not None]
