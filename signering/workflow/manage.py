"""The secretary's actions on a protocol under justering: remind, replace a signer, withdraw."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..clock import aware
from ..mail import templates as mails
from ..models import Protocol, ProtocolVersion, SignatureRequest
from ..scoping import one_in_organisation
from .audit import queue_mail, record
from .errors import NotAllowed, NotFound
from .finalize import SignerInput, activate, live, void_version
from ..emails import is_valid_email
from ..route import IN_PROGRESS, PENDING, ProtocolStatus, RequestStatus

#: the request whose turn it is: it has a link (a locked one gets a new link by a reminder)
_HAS_LINK = (RequestStatus.ACTIVE, RequestStatus.LOCKED)


def _protocol(session, org_id: int, protocol_id: int, *, lock: bool = True) -> Protocol:
    return one_in_organisation(session, Protocol, protocol_id, org_id, lock=lock)


def _active(protocol: Protocol) -> tuple[ProtocolVersion, SignatureRequest]:
    version = protocol.current
    if protocol.status != ProtocolStatus.SIGNING or version is None or version.voided:
        raise NotAllowed("Protokollet är inte under justering.", "The protocol is not under justering.")
    current = next((r for r in version.requests if r.status in _HAS_LINK), None)
    if current is None:
        raise NotAllowed("Ingen väntar på att signera just nu.", "Nobody is waiting to sign right now.")
    return version, current


def remind(svc, *, org_id: int, protocol_id: int, actor: str, request_id: int | None = None,
           due: dt.datetime | None = None) -> str:
    """Send the current signer a reminder with a new link (the old link stops working).

    ``request_id`` names the signer the caller means to remind. Without it, a signature that
    lands just before the reminder turns it on the next signer, whose invitation, still in the
    outbox, would then carry a dead link. ``due`` (automatic reminders): only if the signer has
    had their link, or last reminder, since before then; checked under the lock, since another
    worker may have reminded them after this one chose them.
    """
    with svc.db.write() as session:
        # The protocol row is not locked: signing locks the request and then updates the
        # protocol, so holding the protocol while waiting for the request deadlocks on PostgreSQL.
        protocol = _protocol(session, org_id, protocol_id, lock=False)
        version, current = _active(protocol)
        if request_id is not None and current.id != request_id:
            raise NotAllowed("Personen har redan signerat.", "The person has already signed.")
        # populate_existing: the row is already in the session as read before the lock; the
        # locked read must replace it, or a signature committed meanwhile goes unseen.
        current = session.execute(select(SignatureRequest).filter_by(id=current.id).with_for_update()
                                  .execution_options(populate_existing=True)).scalar_one()
        if current.status not in _HAS_LINK:
            # A signature (or a withdrawal or replacement) won the race: nothing to remind about.
            raise NotAllowed("Personen har redan signerat.", "The person has already signed.")
        last = current.last_reminded_at or current.sent_at
        if due is not None and last is not None and aware(last) > due:
            raise NotAllowed("Personen har nyss fått en påminnelse.", "The person has just been reminded.")
        activate(session, svc, protocol.board.organisation, protocol, version, current, actor=actor, reminder=True)
        return current.name


def auto_remind(svc) -> int:
    """Remind signers who have had their link longer than the configured number of days."""
    due = svc.clock() - dt.timedelta(days=svc.settings.reminder_after_days)
    with svc.db.read() as session:
        rows = session.execute(
            select(Protocol.id, Protocol.organisation_id, SignatureRequest.id, SignatureRequest.sent_at,
                   SignatureRequest.last_reminded_at)
            .join(ProtocolVersion, ProtocolVersion.protocol_id == Protocol.id)
            .join(SignatureRequest, SignatureRequest.version_id == ProtocolVersion.id)
            .where(Protocol.status == ProtocolStatus.SIGNING, ProtocolVersion.voided.is_(False),
                   SignatureRequest.status == RequestStatus.ACTIVE)).all()
    count = 0
    for protocol_id, org_id, request_id, sent_at, reminded_at in rows:
        last = reminded_at or sent_at
        if last is not None and aware(last) <= due:
            try:
                remind(svc, org_id=org_id, protocol_id=protocol_id, actor="automatisk påminnelse",
                       request_id=request_id, due=due)
                count += 1
            except (NotAllowed, NotFound):
                continue
    return count


def replace_signer(svc, *, org_id: int, protocol_id: int, position: int, name: str, email: str,
                   actor: str) -> None:
    """Put someone else in a signer's place; if it was their turn, the new person gets a link.

    After a decline, the one who declined may be replaced too: the new person (same role, same
    place) gets a link at once, and the signers after them, whose links the decline voided,
    wait for their turn again. The signatures already made stay.
    """
    with svc.db.write() as session:
        protocol = _protocol(session, org_id, protocol_id)
        version = protocol.current
        if protocol.status not in IN_PROGRESS or version is None or version.voided:
            raise NotAllowed("Protokollet är inte under justering.", "The protocol is not under justering.")
        old = next((r for r in version.requests if r.position == position and r.status != RequestStatus.REPLACED), None)
        after_decline = protocol.status == ProtocolStatus.DECLINED
        allowed = (RequestStatus.DECLINED,) if after_decline else PENDING
        if old is None or old.status not in allowed:
            raise NotAllowed("Den personen kan inte bytas ut (har redan signerat eller finns inte).",
                             "That person cannot be replaced (already signed or not found).")
        new = _one(name, email, old.role)
        was_turn = old.status in _HAS_LINK or after_decline
        old.status, old.token_hash = RequestStatus.REPLACED, None
        session.flush()
        replacement = SignatureRequest(version_id=version.id, position=old.position, name=new.name, email=new.email,
                                       role=old.role, status=RequestStatus.WAITING)
        session.add(replacement)
        if after_decline:
            for later in version.requests:
                if later.position > position and later.status == RequestStatus.VOIDED:
                    later.status = RequestStatus.WAITING
            protocol.status, protocol.updated_at = ProtocolStatus.SIGNING, svc.clock()
        session.flush()
        session.refresh(version)
        record(session, svc, org_id=org_id, kind="replaced", protocol_id=protocol.id, request_id=replacement.id,
               actor=actor, old=old.name, new=new.name, position=position,
               **({"after_decline": True} if after_decline else {}))
        if was_turn and not after_decline:
            # One who declined needs no word that they need not sign; one who was waiting does.
            queue_mail(session, svc, mails.replaced(to_old_signer=old.email, signer_name=old.name, board=protocol.board.name,
                                                    meeting_date=protocol.meeting_date,
                                                    secretary_name=live(version)[0].name, lang=svc.settings.lang),
                       org_id=org_id)
        if was_turn:
            activate(session, svc, protocol.board.organisation, protocol, version, replacement, actor=actor)


def _one(name: str, email: str, role: str) -> SignerInput:
    from ..errors import InputError

    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name or not is_valid_email(email):
        raise InputError("Ange namn och en giltig e-postadress för den nya personen.",
                         "Give a name and a valid e-mail address for the new person.")
    return SignerInput(name, email, role)


def withdraw(svc, *, org_id: int, protocol_id: int, actor: str, reason: str = "") -> None:
    with svc.db.write() as session:
        protocol = _protocol(session, org_id, protocol_id)
        if protocol.status not in IN_PROGRESS:
            raise NotAllowed("Bara protokoll som inte är justerade kan dras tillbaka.",
                             "Only protocols not yet adjusted can be withdrawn.")
        current = protocol.current
        # Told before the links die: whoever has (or had) the turn, and everyone who already signed.
        told = [r for r in current.requests if r.status in (*_HAS_LINK, RequestStatus.SIGNING, RequestStatus.SIGNED,
                                                            RequestStatus.DECLINED)] if current else []
        for version in protocol.versions:
            if not version.voided:
                void_version(session, svc, protocol.board.organisation, protocol, version, actor)
        protocol.status, protocol.updated_at = ProtocolStatus.WITHDRAWN, svc.clock()
        record(session, svc, org_id=org_id, kind="withdrawn", protocol_id=protocol.id, actor=actor, reason=reason)
        secretary = live(current)[0].name if current else ""
        for person in told:
            queue_mail(session, svc, mails.withdrawn(to=person.email, signer_name=person.name,
                                                     board=protocol.board.name, meeting_date=protocol.meeting_date,
                                                     reason=reason, secretary_name=secretary, lang=svc.settings.lang),
                       org_id=org_id)
        waiting_parent = protocol.parent_id is not None
    if waiting_parent:
        # A protocol that waited for this paragraph goes on without it.
        from .sealing import seal_pending

        seal_pending(svc)
