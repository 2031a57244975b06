"""The public registry: what the service knows about a document, found by its SHA-256.

A protocol has hashes worth asking about: the original upload (printed on the signature page
and in the QR code) and each sealed PDF: the one the anslagstavla served, and every renewal of
its archive timestamp (:mod:`signering.pdf.renew`). Any of them finds it.
The answer is public, so it holds only what the published notice and the PDF itself show:
board, dates and the signers' names and roles, never e-mail addresses; once the notice has
come down, not the names either.

A hash belongs to the organisation that registered it first: :func:`reserve` refuses the same
bytes from any other organisation, and :func:`lookup` answers only from the first
registrant's protocols, so no later upload can make a public answer name someone else.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, or_, select

from .errors import InputError, SigneringError
from .models import Notice, Protocol, ProtocolVersion, SealedFile
from .route import JUSTERAT, NoticeStatus, ProtocolStatus, RegistryStatus, RequestStatus

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")

#: the better answer wins when one file was uploaded more than once
_RANK = {RegistryStatus.SEALED: 0, RegistryStatus.IN_PROGRESS: 1, RegistryStatus.WITHDRAWN: 2}


class InvalidHash(InputError):
    code = "invalid_sha256"
    http_status = 400
    default_sv = ("Hashvärdet är ogiltigt. Ett SHA-256-värde består av 64 tecken 0–9 och a–f; "
                  "kontrollera länken eller kopiera värdet på nytt.")
    default_en = ("The hash is invalid. A SHA-256 value is 64 characters 0–9 and a–f; "
                  "check the link or copy the value again.")


class RegisteredElsewhere(SigneringError):
    code = "registered_by_another_organisation"
    http_status = 409
    default_sv = ("Den här filen är redan registrerad i tjänsten av en annan organisation. Ett protokoll justeras "
                  "bara av den organisation som laddade upp det först. Kontrollera att du valt ert eget protokoll; "
                  "är filen verkligen er, kontakta tjänstens administratör.")
    default_en = ("This file is already registered in the service by another organisation. A protocol is adjusted "
                  "only by the organisation that uploaded it first. Check that you chose your own protocol; if the "
                  "file really is yours, contact the service's administrator.")


class AlreadyUploaded(SigneringError):
    code = "already_uploaded"
    http_status = 409
    default_sv = ("Filen är redan uppladdad som ett annat protokoll i er organisation. Ladda upp den som en ny "
                  "version av det protokollet i stället.")
    default_en = ("The file is already uploaded as another protocol in your organisation. Upload it as a new "
                  "version of that protocol instead.")


#: advisory-lock namespace (PostgreSQL) for "who registers this hash"; any constant unused elsewhere
_LOCK_NAMESPACE = 0x5347


def _lock(session, sha: str) -> None:
    """Serialise registrations of one hash until the transaction ends.

    Without it two organisations uploading the same bytes at once would both find the hash
    free under READ COMMITTED and both register it. SQLite needs nothing: write transactions
    start with BEGIN IMMEDIATE and so run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int(sha[:8], 16) - 2 ** 31  # int4; two hashes sharing a key only wait for each other
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, key)))


def reserve(session, sha256: str, *, org_id: int, protocol_id: int | None) -> None:
    """Check, inside the write transaction that will register ``sha256``, that it may.

    Refused: bytes any other organisation has registered (as an original or a sealed file, in
    any state: its public answer must never change hands), and bytes a live protocol of this
    organisation other than ``protocol_id`` already holds (one file, one protocol; upload it as
    a new version of that protocol instead). That holds for withdrawn protocols and replaced
    versions too: their signature pages print the hash and its QR code leads to
    ``/verifiera/<sha>``, which must keep naming that protocol, not a later meeting.
    """
    sha = normalise(sha256)
    _lock(session, sha)
    holders = session.execute(
        select(Protocol.organisation_id, Protocol.id, Protocol.status, ProtocolVersion.voided)
        .join(Protocol, ProtocolVersion.protocol_id == Protocol.id)
        .where(_holds(sha))
        .order_by(ProtocolVersion.id)
    ).all()
    if any(h.organisation_id != org_id for h in holders):
        raise RegisteredElsewhere(field="file")
    others = [h for h in holders if h.id != protocol_id]
    if not others:
        return
    live = [h for h in others if not h.voided and h.status != ProtocolStatus.WITHDRAWN]
    if not live:
        number = others[0].id
        raise AlreadyUploaded(
            f"Filen har redan använts i protokoll {number} (tillbakadraget eller ersatt av en ny version). Dess "
            f"signatursida och QR-kod visar filens kontrollsumma, så samma fil kan inte bli ett nytt protokoll. "
            f"Spara PDF:en på nytt från ordbehandlaren, så får den en egen kontrollsumma, och ladda upp den.",
            f"The file was already used in protocol {number} (withdrawn or replaced by a new version). Its "
            f"signature page and QR code show the file's checksum, so the same file cannot become a new protocol. "
            f"Save the PDF again from the word processor, which gives it a checksum of its own, and upload that.",
            field="file", protocol_id=number)
    number = live[0].id
    if live[0].status in JUSTERAT:
        raise AlreadyUploaded(
            f"Filen är redan justerad som protokoll {number}. Samma fil justeras bara en gång; "
            f"kontrollera att du valt rätt fil.",
            f"The file is already adjusted as protocol {number}. The same file is adjusted only once; "
            f"check that you chose the right file.", field="file", protocol_id=number)
    raise AlreadyUploaded(
        f"Filen är redan uppladdad som protokoll {number}. Ladda upp den som en ny version av det protokollet "
        f"(eller dra tillbaka det först) i stället för som ett nytt protokoll.",
        f"The file is already uploaded as protocol {number}. Upload it as a new version of that protocol "
        f"(or withdraw that one first) rather than as a new protocol.", field="file", protocol_id=number)


def _holds(sha: str):
    """The versions ``sha`` names: as their original, their sealed file, or a renewal of it."""
    # sealed_file.sha256 is unique: one version at most, found once, so the OR stays three index
    # lookups (an IN over a subquery made PostgreSQL read every version)
    renewed = select(SealedFile.version_id).where(SealedFile.sha256 == sha).scalar_subquery()
    return or_(ProtocolVersion.original_sha256 == sha, ProtocolVersion.sealed_sha256 == sha,
               ProtocolVersion.id == renewed)


def sealed_files(session, version_id: int) -> list[str]:
    """Every sealed file of the version, oldest first: the seal, then each renewal."""
    return list(session.execute(select(SealedFile.sha256).filter_by(version_id=version_id)
                                .order_by(SealedFile.number)).scalars())


def normalise(sha256: object) -> str:
    """Lowercase hex, or :class:`InvalidHash` for anything that is not 64 hex digits."""
    if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
        raise InvalidHash()
    return sha256.lower()


def _status(version: ProtocolVersion) -> str:
    protocol = version.protocol
    # Sealing, posting and archiving all happen after the last signature and the seal.
    if version.sealed_sha256 and protocol.status in JUSTERAT:
        return RegistryStatus.SEALED
    if version.voided or protocol.status == ProtocolStatus.WITHDRAWN:
        return RegistryStatus.WITHDRAWN
    return RegistryStatus.IN_PROGRESS


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _parent(protocol) -> dict | None:
    """For an extract: the full protocol it comes from, found again by its hash."""
    parent = protocol.parent
    if parent is None or parent.current is None:
        return None
    return {"original_sha256": parent.current.original_sha256, "board": parent.board.name,
            "meeting_date": parent.meeting_date.isoformat()}


def taken_down(notice: Notice | None, today: dt.date | None) -> bool:
    """The notice has come down, or its take-down day has come even if the sweep has not run yet."""
    if notice is None:
        return False
    return notice.status == NoticeStatus.ARCHIVED or (today is not None and notice.takedown_date <= today)


def lookup(session, sha256: str, today: dt.date | None = None) -> dict:
    """``{"status": "sealed" | "in_progress" | "withdrawn" | "unknown", ...}`` for ``sha256``.

    ``today`` (the Swedish calendar day) lets the answer drop the signers' names from the
    notice's take-down day on, without waiting for the sweep.
    Raises :class:`InvalidHash` when ``sha256`` is not a SHA-256 hex digest.
    """
    sha = normalise(sha256)
    versions = session.execute(select(ProtocolVersion).where(_holds(sha)).order_by(ProtocolVersion.id)
                               ).scalars().all()
    if not versions:
        return {"status": RegistryStatus.UNKNOWN.value, "sha256": sha}
    # The first registrant owns the hash. reserve() keeps others out; this keeps the answer
    # theirs even for rows written before it did.
    owner = versions[0].protocol.organisation_id
    versions = [v for v in versions if v.protocol.organisation_id == owner]
    version = min(versions, key=lambda v: (_RANK[_status(v)], -v.id))
    status = _status(version)
    protocol = version.protocol
    answer = {
        "status": status.value,
        "sha256": sha,
        "matched": "original" if version.original_sha256 == sha else "sealed",
        "organisation": protocol.board.organisation.name,
        "organisation_slug": protocol.board.organisation.slug,
        "board": protocol.board.name,
        "meeting_date": protocol.meeting_date.isoformat(),
        "original_sha256": version.original_sha256,
        "sealed_sha256": version.sealed_sha256 if status == RegistryStatus.SEALED else None,
        "sealed_at": _iso(version.sealed_at) if status == RegistryStatus.SEALED else None,
        "sealed_files": sealed_files(session, version.id) if status == RegistryStatus.SEALED else [],
        "posted_at": None,
        "notice_status": None,
        "signers": [],
        "kind": protocol.kind or "protokoll",
        "paragraphs": list(protocol.paragraphs or []),
        "parent": _parent(protocol),
    }
    if status == RegistryStatus.WITHDRAWN:
        # A withdrawn or replaced version was never adjusted: who signed it is nobody's business.
        return answer
    notice = None
    if status == RegistryStatus.SEALED:
        notice = session.execute(select(Notice).filter_by(protocol_id=protocol.id)).scalar_one_or_none()
        if notice is not None:
            answer["posted_at"] = notice.posted_date.isoformat()
            answer["notice_status"] = NoticeStatus.ARCHIVED.value if taken_down(notice, today) else notice.status
            answer["notice_id"] = notice.id
    if taken_down(notice, today):
        # The names were public for the appeal period only; the verdict, board and dates stay.
        return answer
    answer["signers"] = [{"name": r.name, "role": r.role, "signed_at": _iso(r.signed_at)}
                         for r in version.requests if r.status == RequestStatus.SIGNED]
    return answer
