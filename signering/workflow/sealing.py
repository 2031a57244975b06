"""Seal a fully signed version and publish its notice ("bevis om justering").

A version whose last signer has signed carries ``seal_pending``. Sealing runs in its own
transaction right after that signature, and again from the worker and at start-up for any
version still pending, so a crash between the last signature and the seal heals itself.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from .. import legal_dates
from ..mail import templates as mails
from ..errors import SigneringError
from ..models import Notice, Protocol, ProtocolVersion, SealedFile
from ..pdf.renew import newest_timestamp
from ..pdf.seal import seal
from . import omedelbar, seal_block
from .audit import queue_mail, record
from .blob_refs import drop_on_error, drop_unreferenced
from .translog_store import append_sealed
from ..route import NoticeStatus, ProtocolKind, ProtocolStatus, RequestStatus

log = logging.getLogger("signering.sealing")


#: the lease (see Database.lease) a process holds on a version while it seals it
SEAL_LEASE = "seal"


def seal_pending(svc) -> int:
    """Seal every version that waits for its seal (the worker's sweep, and at start-up)."""
    with svc.db.read() as session:
        # Immediately adjusted paragraphs first: a protocol waiting for one is sealed in the same round.
        pending = session.execute(
            select(ProtocolVersion.id).join(Protocol, ProtocolVersion.protocol_id == Protocol.id)
            .filter(ProtocolVersion.seal_pending.is_(True), ProtocolVersion.voided.is_(False),
                    ProtocolVersion.seal_blocked.is_(None))
            .order_by((Protocol.kind == ProtocolKind.OMEDELBAR).desc(), ProtocolVersion.id)).scalars().all()
    return sum(seal_one(svc, version_id) for version_id in pending)


def seal_after_last_signature(svc, version_id: int) -> int:
    """The version its last signer just completed, then the protocol that waited only for it
    (an immediately adjusted paragraph's parent), so both go up in the same round."""
    done = seal_one(svc, version_id)
    with svc.db.read() as session:
        version = session.get(ProtocolVersion, version_id)
        parent_id = version.protocol.parent_id if version.protocol.kind == ProtocolKind.OMEDELBAR else None
        waiting = parent_id and session.execute(
            select(ProtocolVersion.id).filter_by(protocol_id=parent_id, seal_pending=True, voided=False)
            .where(ProtocolVersion.seal_blocked.is_(None))).scalars().first()
    return done + (seal_one(svc, waiting) if waiting else 0)


def seal_one(svc, version_id: int) -> int:
    """Seal one pending version unless another process is sealing it now; 1 if this call did.

    After the last signature only that version is sealed (and a parent that waited for it):
    sealing every pending one made that signer wait for other protocols' seals, which with
    several servers each did as well.
    """
    with svc.db.lease(SEAL_LEASE, version_id) as ours:
        if not ours:
            return 0
        try:
            return seal_version(svc, version_id)
        except SigneringError as exc:
            if seal_block.is_permanent(exc):
                if seal_block.block(svc, version_id, exc):
                    log.warning("seal of version %s blocked until the staff act: %s", version_id, exc.message("en"))
            else:
                log.warning("seal of version %s postponed: %s", version_id, exc.message("en"))
            return 0


def seal_version(svc, version_id: int) -> int:
    """Seal one pending version. The PDF work runs outside any transaction: a write lock held
    through ~100 ms of signing (much more on a busy machine) made every other writer wait.
    The result is applied only if the version is still what was sealed; else it is dropped."""
    with svc.db.read() as session:
        version = session.get(ProtocolVersion, version_id)
        if version is None or not version.seal_pending or version.voided or version.seal_blocked:
            return 0
        base_sha, original_sha = version.working_sha256, version.original_sha256
        org = version.protocol.board.organisation
        blocked = seal_block.precheck(version.protocol, svc.today())
        if omedelbar.under_way(session, version.protocol):
            return 0  # sealed once its immediately adjusted paragraphs are (see sealing after them)
    if blocked is not None:
        raise blocked
    keys = svc.keys_for(org)
    sealed = seal(svc.blobs.read(base_sha), keys=keys, timestamper=svc.timestamper_for(org),
                  document_sha256=original_sha)
    tsa_expires_at = newest_timestamp(sealed).tsa_not_after
    sealed_sha = svc.blobs.put_bytes(sealed)
    written: list[str] = [sealed_sha]
    superseded: list[str] = []
    applied = _apply_seal(svc, version_id, base_sha, sealed_sha, written, superseded, tsa_expires_at)
    for sha in superseded if applied else [sealed_sha]:
        drop_unreferenced(svc, sha)
    return int(applied)


def _apply_seal(svc, version_id: int, base_sha: str, sealed_sha: str, written: list, superseded: list,
                tsa_expires_at=None) -> bool:
    with drop_on_error(svc, written), svc.db.write() as session:
        version = session.execute(select(ProtocolVersion).filter_by(id=version_id).with_for_update()
                                  ).scalar_one_or_none()
        if (version is None or not version.seal_pending or version.voided or version.seal_blocked
                or version.working_sha256 != base_sha):
            return False  # another worker sealed it first, or it was withdrawn meanwhile
        protocol = version.protocol
        if omedelbar.under_way(session, protocol):
            return False  # a paragraph of it went for immediate justering meanwhile
        org = protocol.board.organisation
        superseded.append(version.working_sha256)
        now = svc.clock()
        version.sealed_sha256, version.working_sha256 = sealed_sha, sealed_sha
        version.sealed_at, version.seal_pending = now, False
        session.add(SealedFile(version_id=version.id, number=0, sha256=sealed_sha, created_at=now,
                               tsa_expires_at=tsa_expires_at))
        protocol.status, protocol.updated_at = ProtocolStatus.SEALED, now
        payload = {"protocol_id": protocol.id, "sha256": version.original_sha256, "sealed_sha256": sealed_sha}
        record(session, svc, org_id=org.id, kind="sealed", protocol_id=protocol.id, webhook_payload=payload)
        append_sealed(session, svc, org=org, protocol=protocol, version=version)
        if protocol.kind == ProtocolKind.UTDRAG:
            # An extract is no decision of its own: nothing is posted; it goes to the recipients.
            _send_extract(session, svc, org, protocol, version)
        else:
            _post_notice(session, svc, org, protocol, version)
            if protocol.kind == ProtocolKind.OMEDELBAR:
                omedelbar.note_on_parent(session, protocol)
        for person in version.requests:
            if person.status == RequestStatus.SIGNED and protocol.kind != ProtocolKind.UTDRAG:
                queue_mail(session, svc, mails.sealed(
                    to=person.email, board=protocol.board.name, meeting_date=protocol.meeting_date,
                    sealed_url=svc.urls.sealed_pdf(sealed_sha),
                    verify_url=svc.urls.verify(version.original_sha256), lang=svc.settings.lang,
                    kind=protocol.kind or "protokoll", paragraphs=list(protocol.paragraphs or [])),
                    org_id=org.id)
        return True


def _post_notice(session, svc, org, protocol, version) -> Notice:
    """Post the bevis om justering the day of justering (well within the two-day rule)."""
    justerat = svc.today()
    dates = legal_dates.compute(protocol.meeting_date, justerat, justerat)
    title = f"{protocol.board.name}, sammanträde {protocol.meeting_date.isoformat()}"
    if protocol.kind == ProtocolKind.OMEDELBAR:
        title += f" – omedelbar justering av {omedelbar.numbers_text(protocol.paragraphs)}"
    notice = Notice(
        organisation_id=org.id, protocol_id=protocol.id, kind="bevis_om_justering",
        title=title, body=_notice_body(session, protocol),
        board_name=protocol.board.name, meeting_date=protocol.meeting_date, justering_date=justerat,
        posted_date=justerat, appeal_last_day=dates.appeal_last_day, takedown_date=dates.takedown_earliest,
        forvaringsplats=protocol.board.forvaringsplats,
        signers=[{"name": r.name, "role": r.role} for r in version.requests if r.status == RequestStatus.SIGNED],
        status=NoticeStatus.POSTED, created_at=svc.clock(),
    )
    session.add(notice)
    protocol.status = ProtocolStatus.POSTED
    session.flush()
    record(session, svc, org_id=org.id, kind="posted", protocol_id=protocol.id,
           webhook_payload={"protocol_id": protocol.id, "notice_id": notice.id,
                            "posted": justerat.isoformat(), "takedown": notice.takedown_date.isoformat()})
    return notice


def _notice_body(session, protocol) -> str:
    """What the notice says beyond the dates: which paragraphs were adjusted at once, and when."""
    if protocol.kind == ProtocolKind.OMEDELBAR:
        return omedelbar.child_notice_body(session, protocol)
    return "\n".join(omedelbar.parent_notice_lines(session, protocol))


def _send_extract(session, svc, org, protocol, version) -> None:
    from .extracts import extract_recipients

    sealed_url = svc.urls.sealed_pdf(version.sealed_sha256)
    verify_url = svc.urls.verify(version.original_sha256)
    sent = []
    found, missing = extract_recipients(svc, session, protocol)
    for name, email in found:
        queue_mail(session, svc, mails.extract_sent(
            to=email, recipient_name=name, board=protocol.board.name, meeting_date=protocol.meeting_date,
            paragraphs=list(protocol.paragraphs or []), sealed_url=sealed_url, verify_url=verify_url,
            lang=svc.settings.lang), org_id=org.id)
        sent.append(email)
    record(session, svc, org_id=org.id, kind="extract_sent", protocol_id=protocol.id, to=", ".join(sent),
           missing=", ".join(missing))
