"""The signer's side: open a link, get a code, sign or decline.

Each step runs in one write transaction that first locks the request row, so two clicks on
the same link, or a reminder racing a signature, are serialised and the second one sees the
first one's result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..clock import aware as _aware
from ..mail import templates as mails
from ..errors import InputError
from ..models import Board, Notice, Organisation, Protocol, ProtocolVersion, SignatureRequest
from ..pdf.chain import Route, sign_step
from ..pdf.signature_page import PageSigner
from .audit import queue_mail, record
from . import claims, omedelbar
from .errors import (CodeExpired, Conflict, LinkExpired, LinkInvalid, LinkLocked, LinkUsed, LoginRequired,
                     SignatureInProgress, TooManyRequests, WrongCode)
from .blob_refs import drop_on_error, drop_unreferenced
from .finalize import activate, live
from .signer_auth import EMAIL_CODE, OIDC, requires_login
from .staff_addresses import staff_addresses
from .secrets import code_hash, codes_match, new_code, token_hash
from ..route import DONE, ProtocolStatus, RequestStatus


@dataclass(frozen=True)
class SigningView:
    """What the signer's page shows. No other signer's e-mail address."""
    request_id: int
    protocol_id: int
    organisation: str
    board: str
    meeting_date: dt.date
    name: str
    role: str
    position: int
    original_sha256: str
    working_sha256: str
    page_count: int
    code_sent: bool
    #: "code" or "oidc": how this signer must prove who they are before signing
    signer_auth: str
    signed_so_far: tuple[tuple[str, str, dt.datetime], ...]
    still_to_sign: tuple[tuple[str, str], ...]
    #: protokoll, utdrag or omedelbar, and an extract's paragraphs: what the page and its title name
    kind: str = "protokoll"
    paragraphs: tuple[int, ...] = ()


@dataclass(frozen=True)
class SignedLink:
    """What a used link tells its own signer: when they signed and where the protocol goes next.
    Nothing about anyone else but what the anslagstavla will show anyway."""
    board: str
    meeting_date: dt.date
    signed_at: dt.datetime
    organisation_slug: str
    #: this signature was the last one: the protocol is now sealed and posted
    was_last: bool
    #: the protocol's notice on the anslagstavla, once posted
    notice_id: int | None
    #: the immediately adjusted paragraphs (§ numbers) the protocol waits for before its seal
    waits_for: tuple[int, ...] = ()


def _signed_link(session, svc, request: SignatureRequest) -> SignedLink | None:
    """The used link's story while the link would still have been valid; None after that, or when
    its version was replaced or the protocol withdrawn (then the link just no longer works)."""
    version, protocol = request.version, request.version.protocol
    if (request.status != RequestStatus.SIGNED or version.voided or protocol.status == ProtocolStatus.WITHDRAWN
            or request.token_expires_at is None or _aware(request.token_expires_at) < svc.clock()):
        return None
    notice = session.execute(select(Notice.id).filter_by(protocol_id=protocol.id)).scalar_one_or_none()
    waits_for = tuple(n for child in omedelbar.under_way(session, protocol) for n in child.paragraphs or ()) \
        if version.seal_pending else ()
    return SignedLink(board=protocol.board.name, meeting_date=protocol.meeting_date, signed_at=request.signed_at,
                      organisation_slug=protocol.board.organisation.slug,
                      was_last=_is_last(version, request), notice_id=notice,
                      waits_for=waits_for)


def _is_last(version: ProtocolVersion, request: SignatureRequest) -> bool:
    return max(r.position for r in live(version)) == request.position


def signed_link(svc, token: str) -> SignedLink | None:
    """For the page after a signature: the same story as a used link tells."""
    if not token or len(token) > 200:
        return None
    with svc.db.read() as session:
        request = session.execute(select(SignatureRequest).filter_by(token_hash=token_hash(token))
                                  ).scalar_one_or_none()
        return _signed_link(session, svc, request) if request is not None else None


#: A link's request with what every step reads of it, in one query instead of one per hop.
_WITH_ROUTE = (joinedload(SignatureRequest.version, innerjoin=True).joinedload(ProtocolVersion.protocol, innerjoin=True)
               .joinedload(Protocol.board, innerjoin=True).joinedload(Board.organisation, innerjoin=True),)


def _find(session, svc, token: str, *, lock: bool) -> SignatureRequest:
    if not token or len(token) > 200:
        raise LinkInvalid()
    stmt = select(SignatureRequest).filter_by(token_hash=token_hash(token)).options(*_WITH_ROUTE)
    if lock:
        stmt = stmt.with_for_update(of=SignatureRequest)
    request = session.execute(stmt).scalar_one_or_none()
    if request is None:
        raise LinkInvalid()
    if request.status == RequestStatus.LOCKED:
        raise LinkLocked()
    if request.status == RequestStatus.SIGNED:
        signed = _signed_link(session, svc, request)
        raise LinkUsed(signed) if signed else LinkInvalid()
    status = request.status
    if status == RequestStatus.SIGNING and request.version.protocol.status == ProtocolStatus.SIGNING:
        _settle_claim(svc, request, lock=lock)
        status = RequestStatus.ACTIVE
    if status != RequestStatus.ACTIVE or request.version.voided or request.version.protocol.status != ProtocolStatus.SIGNING:
        raise LinkInvalid()
    return request


def _settle_claim(svc, request: SignatureRequest, *, lock: bool) -> None:
    """A link whose signature is under way answers "in progress", never "not found".

    When the claim's holder is certainly gone (it died on this host) or the claim is stale,
    the link is given back at once (for good inside a write transaction; a read just goes on).
    """
    at = request.verified_at
    stale = at is None or (svc.clock() - _aware(at)).total_seconds() >= claims.STALE_AFTER_SECONDS
    if not (stale or claims.holder_gone(request.claimed_by)):
        raise SignatureInProgress()
    if lock:
        request.status, request.claimed_by = RequestStatus.ACTIVE, None


def _check_fresh(svc, request: SignatureRequest) -> None:
    if request.token_expires_at is None or _aware(request.token_expires_at) < svc.clock():
        raise LinkExpired()


def _view(request: SignatureRequest) -> SigningView:
    version = request.version
    protocol = version.protocol
    org_name = protocol.board.organisation.name
    return SigningView(
        request_id=request.id, protocol_id=protocol.id, organisation=org_name, board=protocol.board.name,
        meeting_date=protocol.meeting_date, name=request.name, role=request.role, position=request.position,
        original_sha256=version.original_sha256, working_sha256=version.working_sha256,
        page_count=version.page_count,
        code_sent=request.code_expires_at is not None,
        signer_auth=protocol.board.organisation.signer_auth or "code",
        signed_so_far=tuple((r.name, r.role, r.signed_at) for r in version.requests if r.status == RequestStatus.SIGNED),
        still_to_sign=tuple((r.name, r.role) for r in version.requests
                            if r.position > request.position and r.status in (RequestStatus.WAITING, RequestStatus.ACTIVE)),
        kind=protocol.kind or "protokoll", paragraphs=tuple(protocol.paragraphs or ()),
    )


def find_active(session, svc, token: str, *, lock: bool = False) -> SignatureRequest:
    """The request behind a link that may be used now (else the typed error why not)."""
    request = _find(session, svc, token, lock=lock)
    _check_fresh(svc, request)
    return request


def open_link(svc, token: str, *, ip: str = "", user_agent: str = "") -> SigningView:
    with svc.db.write() as session:
        request = find_active(session, svc, token, lock=True)
        if request.opened_at is None:
            request.opened_at = svc.clock()
            record(session, svc, org_id=request.version.protocol.organisation_id, kind="opened",
                   protocol_id=request.version.protocol_id, request_id=request.id, actor=request.email,
                   ip=ip, user_agent=user_agent[:200])
        return _view(request)


def view_for_token(svc, token: str) -> tuple[SigningView, str]:
    """The view and the blob to show, without writing anything (for the PDF download)."""
    with svc.db.read() as session:
        request = find_active(session, svc, token, lock=False)
        return _view(request), request.version.working_sha256


def send_code(svc, token: str, *, ip: str = "") -> None:
    with svc.db.write() as session:
        request = find_active(session, svc, token, lock=True)
        if requires_login(request):
            raise LoginRequired()
        now = svc.clock()
        valid = dt.timedelta(minutes=svc.settings.code_valid_minutes)
        if request.code_expires_at is not None:
            sent_at = _aware(request.code_expires_at) - valid
            if (now - sent_at).total_seconds() < svc.settings.code_resend_seconds:
                raise TooManyRequests()
        code = new_code()
        request.code_hash = code_hash(svc.settings.secret_key, request.id, code)
        request.code_expires_at = now + valid
        protocol = request.version.protocol
        queue_mail(session, svc, mails.code(to=request.email, signer_name=request.name, code=code,
                                            minutes_valid=svc.settings.code_valid_minutes, lang=svc.settings.lang,
                                            kind=protocol.kind or "protokoll",
                                            paragraphs=list(protocol.paragraphs or [])),
                   org_id=request.version.protocol.organisation_id)
        record(session, svc, org_id=request.version.protocol.organisation_id, kind="code_sent",
               protocol_id=request.version.protocol_id, request_id=request.id, actor=request.email, ip=ip)


def _check_code(session, svc, request: SignatureRequest, code: str, ip: str) -> bool:
    """True when the code is right. A wrong code is counted and committed even though we then refuse."""
    if request.code_hash is None or request.code_expires_at is None or _aware(request.code_expires_at) < svc.clock():
        raise CodeExpired()
    code = (code or "").strip().replace(" ", "")
    if codes_match(request.code_hash, svc.settings.secret_key, request.id, code):
        return True
    protocol = request.version.protocol
    request.code_attempts += 1
    record(session, svc, org_id=protocol.organisation_id, kind="code_failed", protocol_id=protocol.id,
           request_id=request.id, actor=request.email, ip=ip, attempt=request.code_attempts)
    if request.code_attempts >= svc.settings.code_max_attempts:
        request.status = RequestStatus.LOCKED
        request.token_hash = None
        record(session, svc, org_id=protocol.organisation_id, kind="locked", protocol_id=protocol.id,
               request_id=request.id, actor=request.email, ip=ip)
        secretary = live(request.version)[0]
        queue_mail(session, svc, mails.link_locked(to_secretary=_secretary_address(session, protocol, secretary),
                                                   signer_name=request.name, board=protocol.board.name,
                                                   meeting_date=protocol.meeting_date,
                                                   protocol_url=svc.urls.staff_protocol(protocol.id), lang=svc.settings.lang),
                   org_id=protocol.organisation_id)
    return False


def _secretary_address(session, protocol: Protocol, secretary_request: SignatureRequest) -> str:
    return secretary_request.email


def decide(svc, token: str, code: str, decision: str, reason: str = "", *, ip: str = "",
           logged_in_for: Collection[int] = (), later: Callable[[Callable[[], None]], None] | None = None) -> str:
    """Sign or decline. Returns the new request status ("signed" or "declined").

    What the answer need not wait for (removing the superseded working copy and, after the last
    signature, the seal) is handed to ``later``, which the web API runs once the answer is sent;
    by default it runs at once, so the page after the last signature can link to the notice.
    Either way the version stays marked for sealing until it is sealed, and the worker's sweep
    seals it if this process stops first.

    A wrong code commits the attempt counter and then raises, so five wrong codes lock the
    link even though every attempt "failed". Where the organisation identifies signers with
    e-legitimation there is no code: the request must have been identified, and be among
    ``logged_in_for``, the requests this browser logged in for (the web layer's session keeps them).
    """
    if decision not in ("sign", "decline"):
        raise InputError('Beslutet ska vara "sign" eller "decline".', 'The decision must be "sign" or "decline".',
                         field="decision")
    reason = (reason or "").strip()
    if decision == "decline" and not reason:
        raise InputError("Skriv varför du inte kan justera protokollet; sekreteraren får beskedet.",
                         "Write why you cannot adjust the protocol; the secretary gets the message.",
                         field="reason")
    if len(reason) > 2000:
        raise InputError("Motiveringen får vara högst 2000 tecken.", "The reason may be at most 2000 characters.",
                         field="reason")
    wrong = locked = False
    job = None
    with svc.db.write() as session:
        request = find_active(session, svc, token, lock=True)
        if requires_login(request):
            if not (request.id in logged_in_for and request.identified_by == OIDC):
                raise LoginRequired()
        elif _check_code(session, svc, request, code, ip):
            request.identified_by, request.identified_at = EMAIL_CODE, svc.clock()
        else:
            wrong, locked = True, request.status == RequestStatus.LOCKED
        if not wrong:
            if decision == "sign":
                job = _claim(session, svc, request)
            else:
                _decline(session, svc, request, reason, ip)
        status = request.status
    if locked:
        raise LinkLocked()
    if wrong:
        raise WrongCode()
    later = later or _now
    if job is not None:
        status = _complete_signature(svc, job, ip, later)
    if status == RequestStatus.SIGNED and job is not None and job.last:
        from .sealing import seal_after_last_signature

        later(lambda: seal_after_last_signature(svc, job.version_id))
    return status


def _now(task: Callable[[], None]) -> None:
    task()


@dataclass(frozen=True)
class _SignJob:
    """What a claimed signature needs once the database lock is released."""
    request_id: int
    version_id: int
    base_sha: str
    original_sha: str
    route: Route
    position: int
    organisation_id: int
    identified_by: str
    #: for oidc: the IdP's issuer, named in the certificate's policy
    idp: str | None
    #: for a remote signing service that finds the signer's credential by address (signering.csc)
    email: str
    #: the last signer of the version: their signature makes it ready to seal
    last: bool


def _claim(session, svc, request: SignatureRequest) -> _SignJob:
    """Mark the request as being signed. A second click now finds no active link."""
    version: ProtocolVersion = session.execute(select(ProtocolVersion).filter_by(id=request.version_id)
                                               .with_for_update()).scalar_one()
    protocol = version.protocol
    org: Organisation = protocol.board.organisation
    # Routing order is enforced here, not only by who got a link: every earlier signer must be done.
    if any(r.status not in DONE for r in version.requests if r.position < request.position):
        raise LinkInvalid()
    request.status, request.verified_at, request.claimed_by = RequestStatus.SIGNING, svc.clock(), claims.this_process()
    route = Route(board=protocol.board.name, meeting_date=protocol.meeting_date,
                  signers=tuple(PageSigner(r.name, r.role) for r in live(version)), organisation=org.name)
    return _SignJob(request.id, version.id, version.working_sha256, version.original_sha256, route,
                    request.position, org.id, request.identified_by or EMAIL_CODE,
                    org.oidc_issuer if request.identified_by == OIDC else None, request.email,
                    last=_is_last(version, request))


def _complete_signature(svc, job: _SignJob, ip: str, later: Callable[[Callable[[], None]], None]) -> str:
    """Make the signature without holding the database, then apply it if nothing moved meanwhile.

    The PDF work (and the TSA round trip) used to run inside the write transaction; on a busy
    SQLite server that made other writers wait past their timeout.
    """
    with svc.db.read() as session:
        org = session.get(Organisation, job.organisation_id)
    try:
        signed = sign_step(svc.blobs.read(job.base_sha), job.route, job.position, None, None, job.original_sha,
                           svc.settings.lang, provider=svc.signature_provider_for(org),
                           identified_by=job.identified_by, idp=job.idp, email=job.email)
        new_sha = svc.blobs.put_bytes(signed)
    except BaseException:
        release_claim(svc, job.request_id)
        raise
    with drop_on_error(svc, new_sha), svc.db.write() as session:
        request = session.execute(select(SignatureRequest).filter_by(id=job.request_id).options(*_WITH_ROUTE)
                                  .with_for_update(of=SignatureRequest)
                                  .execution_options(populate_existing=True)).scalar_one()
        version = session.execute(select(ProtocolVersion).filter_by(id=job.version_id).with_for_update()
                                  .execution_options(populate_existing=True)).scalar_one()
        if (request.status != RequestStatus.SIGNING or version.voided or version.working_sha256 != job.base_sha
                or version.protocol.status != ProtocolStatus.SIGNING):
            raise Conflict()
        _apply_signature(session, svc, request, version, new_sha, ip)
    # The previous state is a prefix of the new one; a crash before it is dropped leaves it to the sweep.
    later(lambda: drop_unreferenced(svc, job.base_sha))
    return RequestStatus.SIGNED.value


def release_claim(svc, request_id: int) -> None:
    """Give the link back after a failed signature, so the signer can try again."""
    with svc.db.write() as session:
        request = session.execute(select(SignatureRequest).filter_by(id=request_id).with_for_update()
                                  ).scalar_one_or_none()
        if request is not None and request.status == RequestStatus.SIGNING:
            request.status, request.claimed_by = RequestStatus.ACTIVE, None


def _apply_signature(session, svc, request: SignatureRequest, version: ProtocolVersion, new_sha: str,
                     ip: str) -> None:
    protocol = version.protocol
    org: Organisation = protocol.board.organisation
    version.working_sha256 = new_sha
    now = svc.clock()
    # The token's hash stays: the used link can then tell its signer when they signed (LinkUsed).
    request.status, request.signed_at, request.claimed_by = RequestStatus.SIGNED, now, None
    protocol.updated_at = now
    record(session, svc, org_id=org.id, kind="signed", protocol_id=protocol.id, request_id=request.id,
           actor=request.email, ip=ip, position=request.position,
           webhook_payload={"protocol_id": protocol.id, "signer": request.name, "role": request.role,
                            "position": request.position})
    following = [r for r in version.requests if r.position > request.position and r.status == RequestStatus.WAITING]
    if following:
        activate(session, svc, org, protocol, version, following[0])
    else:
        version.seal_pending = True


def _decline(session, svc, request: SignatureRequest, reason: str, ip: str) -> None:
    version = request.version
    protocol = version.protocol
    now = svc.clock()
    request.status, request.decline_reason, request.token_hash = RequestStatus.DECLINED, reason, None
    protocol.status, protocol.updated_at = ProtocolStatus.DECLINED, now
    for other in version.requests:
        if other.status in (RequestStatus.WAITING, RequestStatus.ACTIVE):
            other.status, other.token_hash = RequestStatus.VOIDED, None
    record(session, svc, org_id=protocol.organisation_id, kind="declined", protocol_id=protocol.id,
           request_id=request.id, actor=request.email, ip=ip, reason=reason,
           webhook_payload={"protocol_id": protocol.id, "signer": request.name, "role": request.role,
                            "reason": reason})
    for address in staff_addresses(protocol, version):
        queue_mail(session, svc, mails.declined(to_secretary=address, signer_name=request.name,
                                                reason=reason, board=protocol.board.name,
                                                meeting_date=protocol.meeting_date,
                                                protocol_url=svc.urls.staff_protocol(protocol.id),
                                                lang=svc.settings.lang),
                   org_id=protocol.organisation_id)
