"""Finalize: an uploaded protocol becomes a frozen version with a signing route.

Order of effects, for crash safety: the upload goes through ``ingest`` (streamed to a
temporary file and hashed, checked in the capped child, only then named by its hash in the
blob store), the signature page is added and stored; only then does one transaction create
the rows and queue the first invitation. A refused file leaves nothing behind; a crash before
the commit leaves only blobs that no row names (or temp files), which the start-up sweep removes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select

from .. import extracts, registry
from ..mail import templates as mails
from ..errors import InputError, SigneringError
from ..ingest import ingest
from ..ingest.untrusted import read_protocol_isolated
from ..models import Board, Organisation, Protocol, ProtocolVersion, SignatureRequest
from ..pdf.chain import Route, prepare
from ..pdf.signature_page import PageSigner
from ..scoping import one_in_organisation
from . import meeting_dates, omedelbar
from .audit import queue_mail, record
from .blob_refs import drop_on_error, drop_unreferenced
from .errors import NotAllowed, UnknownBoard
from .secrets import new_token, token_hash
from ..emails import is_valid_email
from ..identity import normalise_personnummer, personnummer_hash
from .signer_auth import uses_oidc
from ..route import JUSTERAT, PENDING, ROLES, ProtocolStatus, RequestStatus, RouteError, check_order



@dataclass(frozen=True)
class SignerInput:
    name: str
    email: str
    role: str
    #: optional; compared with an e-legitimation login, stored only as a keyed hash
    personnummer: str = ""


def validate_signers(signers: list[SignerInput], *, secretary_only: bool = False) -> list[SignerInput]:
    """Clean and check a route. ``secretary_only`` is the route of a protokollsutdrag: the
    secretary alone certifies the extract."""
    cleaned = []
    for i, s in enumerate(signers, 1):
        name, email, role = (s.name or "").strip(), (s.email or "").strip().lower(), (s.role or "").strip()
        if not name or len(name) > 200:
            raise InputError(f"Undertecknare {i}: namn saknas (eller är längre än 200 tecken).",
                             f"Signer {i}: the name is missing (or longer than 200 characters).", field="signers")
        if not is_valid_email(email):
            raise InputError(f"Undertecknare {i} ({name}): e-postadressen \"{email}\" ser inte giltig ut.",
                             f"Signer {i} ({name}): the e-mail address \"{email}\" does not look valid.",
                             field="signers")
        if role not in ROLES:
            raise InputError(f"Undertecknare {i} ({name}): okänd roll \"{role}\". Använd sekreterare, ordforande "
                             f"eller justerare.", f"Signer {i} ({name}): unknown role \"{role}\". Use sekreterare, "
                             f"ordforande or justerare.", field="signers")
        personnummer = (s.personnummer or "").strip()
        if personnummer:
            try:
                personnummer = normalise_personnummer(personnummer)
            except InputError:
                raise InputError(f"Undertecknare {i} ({name}): personnumret ser inte giltigt ut (ÅÅÅÅMMDD-NNNN).",
                                 f"Signer {i} ({name}): the personal identity number does not look valid "
                                 "(YYYYMMDD-NNNN).", field="signers") from None
        cleaned.append(SignerInput(name, email, role, personnummer))
    try:
        check_order([s.role for s in cleaned], secretary_alone=secretary_only)
    except RouteError as exc:
        raise InputError(exc.sv, exc.en, field="signers") from None
    return cleaned


def _board(session, org: Organisation, board_name: str) -> Board:
    board = session.execute(select(Board).filter_by(organisation_id=org.id, name=(board_name or "").strip())
                            ).scalar_one_or_none()
    if board is None:
        raise UnknownBoard(f"Nämnden \"{board_name}\" finns inte hos {org.name}. Välj en befintlig nämnd.",
                           f"The board \"{board_name}\" does not exist in {org.name}. Choose an existing board.",
                           field="board")
    return board


def finalize(svc, *, org_id: int, board_name: str, meeting_date: dt.date, signers: list[SignerInput],
             upload, filename: str = "protokoll.pdf", actor: str = "", protocol_id: int | None = None,
             kind: str = "protokoll", parent_id: int | None = None, paragraphs: list[int] | None = None,
             recipients: list[str] | None = None, confirm_late: bool = False) -> int:
    """Store, check and route an uploaded protocol. Returns the protocol id.

    With ``protocol_id`` the upload becomes a new version of that protocol and the old
    route is voided (its links die, its signers are told nothing more is needed).
    ``kind`` "utdrag" or "omedelbar" makes a new protocol that is an extract of ``parent_id``
    (see :mod:`signering.workflow.extracts`); an utdrag's route is the secretary alone.

    A meeting date in the future is refused; one whose justering deadline has passed needs
    ``confirm_late`` (asked of a protocol, not of the extracts taken from it). A meeting date that differs
    from the one printed in the PDF is recorded as a ``date_mismatch`` event for the pages to show.
    """
    if kind not in ("protokoll", "utdrag", "omedelbar"):
        raise ValueError(f"unknown protocol kind {kind!r}")
    if protocol_id is not None:
        # A new version keeps what the protocol is: an utdrag stays the secretary's alone and
        # must still hold its paragraphs.
        with svc.db.read() as session:
            existing = one_in_organisation(session, Protocol, protocol_id, org_id)
            kind, paragraphs = existing.kind or "protokoll", list(existing.paragraphs or [])
    signers = validate_signers(signers, secretary_only=kind == "utdrag")
    if not isinstance(meeting_date, dt.date):
        raise InputError("Sammanträdesdatum saknas.", "The meeting date is missing.", field="meeting_date")
    # The future is refused at once; the late question waits until everything else is known good,
    # so that a confirmation is never followed by another error.
    meeting_dates.check(meeting_date, svc.today(), confirm_late=True)
    with svc.db.read() as session:
        org = session.get(Organisation, org_id)
        board = _board(session, org, board_name)
        board_label, org_name = board.name, org.name

    # Checked in a child process with a memory ceiling before it gets its real name: a crafted
    # file can neither take the web worker down nor leave a blob behind.
    ingested = ingest(upload, svc.blobs, max_bytes=svc.settings.max_upload_bytes)
    sha, size, pages = ingested.sha256, ingested.size, ingested.page_count
    try:
        # An extract is taken from a protocol whose upload was already asked about.
        meeting_dates.check(meeting_date, svc.today(), confirm_late=confirm_late, deadline_applies=kind == "protokoll")
        # Extracts are made here from a protocol already checked; only an upload is compared.
        mismatch, numbers = _read_upload(ingested.path, meeting_date) if kind == "protokoll" else (None, set())
        original = svc.blobs.read(sha)
        if protocol_id is not None and kind != "protokoll":
            extracts.check_holds(_paragraphs_in(ingested.path), paragraphs)
        elif kind == "omedelbar" and parent_id is None:
            # Started at the meeting: the file is all there is of the paragraph; it must be it.
            extracts.check_holds(_paragraphs_in(ingested.path), paragraphs, new_version=False)
        route = Route(board=board_label, meeting_date=meeting_date,
                      signers=tuple(PageSigner(s.name, s.role) for s in signers), organisation=org_name)
        prepared, _ = prepare(original, route, svc.settings.base_url, svc.settings.lang,
                              log_fingerprint=svc.log_signer.fingerprint)
        working = svc.blobs.put_bytes(prepared)
    except Exception:
        drop_unreferenced(svc, sha)
        raise

    now = svc.clock()
    with drop_on_error(svc, sha, working), svc.db.write() as session:
        org = session.get(Organisation, org_id)
        board = _board(session, org, board_name)
        # Checked here, in the transaction that registers the hash, so two uploads of the same
        # bytes cannot both pass.
        registry.reserve(session, sha, org_id=org.id, protocol_id=protocol_id)
        known: dict[str, str] = {}
        if kind == "omedelbar" and protocol_id is None:
            # Checked again here, where the route is written, so two submits cannot both pass.
            omedelbar.check_start(session, org_id=org.id, board_id=board.id, meeting_date=meeting_date,
                                  parent_id=parent_id, paragraphs=list(paragraphs or []), lock=True)
        if protocol_id is None:
            protocol = Protocol(organisation_id=org.id, board_id=board.id, meeting_date=meeting_date,
                                status=ProtocolStatus.SIGNING, created_by=actor, created_at=now, updated_at=now,
                                kind=kind, parent_id=parent_id, paragraphs=list(paragraphs or []),
                                recipients=list(recipients or []))
            session.add(protocol)
            session.flush()
            number = 1
        else:
            protocol = one_in_organisation(session, Protocol, protocol_id, org.id, lock=True)
            if protocol.status in JUSTERAT:
                raise NotAllowed("Protokollet är redan justerat; en ny version kan inte laddas upp.",
                                 "The protocol is already adjusted; a new version cannot be uploaded.")
            # A new version keeps the personnummer staff gave before for the same person.
            known = {r.email: r.personnummer_hash for old in protocol.versions for r in old.requests
                     if r.personnummer_hash}
            for old in protocol.versions:
                if not old.voided:
                    void_version(session, svc, org, protocol, old, actor)
            number = len(protocol.versions) + 1
            protocol.board_id, protocol.meeting_date = board.id, meeting_date
            protocol.status, protocol.updated_at = ProtocolStatus.SIGNING, now
        version = ProtocolVersion(protocol_id=protocol.id, number=number, original_sha256=sha, original_size=size,
                                  page_count=pages, filename=_safe_filename(filename), working_sha256=working,
                                  created_at=now, uploaded_by=actor[:254] or None)
        session.add(version)
        session.flush()
        requests = [SignatureRequest(version_id=version.id, position=i, name=s.name, email=s.email, role=s.role,
                                     personnummer_hash=(personnummer_hash(svc.settings.secret_key, s.personnummer)
                                                        if s.personnummer else known.get(s.email)))
                    for i, s in enumerate(signers)]
        session.add_all(requests)
        session.flush()
        record(session, svc, org_id=org.id, kind="created", protocol_id=protocol.id, actor=actor,
               version=number, sha256=sha, webhook_payload={"protocol_id": protocol.id, "sha256": sha})
        if mismatch is not None:
            record(session, svc, org_id=org.id, kind="date_mismatch", protocol_id=protocol.id, actor=actor,
                   version=number, typed=mismatch.typed.isoformat(), in_pdf=mismatch.in_pdf.isoformat())
        if kind == "protokoll":
            omedelbar.link_started_at_meeting(session, svc, protocol, numbers, actor=actor)
        activate(session, svc, org, protocol, version, requests[0], actor=actor)
        return protocol.id


def _paragraphs_in(path: str) -> set[int]:
    """The § numbers the upload reader finds in the file, read in the capped child."""
    try:
        return {p.number for p in read_protocol_isolated(path).paragraphs}
    except SigneringError:
        return set()


def _read_upload(path: str, typed: dt.date):
    """Read in the capped child: the PDF's own meeting date against the typed one (None if equal
    or unread), and the § numbers it holds (for linking paragraphs adjusted at the meeting)."""
    try:
        found = read_protocol_isolated(path)
    except SigneringError:
        return None, set()  # a file the reader cannot read is still a valid upload; there is nothing to compare
    return meeting_dates.mismatch(typed, found.meeting_date), {p.number for p in found.paragraphs}


def activate(session, svc, org, protocol, version, request: SignatureRequest, *, actor: str = "",
             reminder: bool = False) -> None:
    """Give ``request`` a fresh link and queue the invitation (or reminder) mail."""
    token = new_token()
    now = svc.clock()
    request.status = RequestStatus.ACTIVE
    request.token_hash = token_hash(token)
    request.token_expires_at = now + dt.timedelta(days=svc.settings.link_valid_days)
    request.code_hash, request.code_expires_at, request.code_attempts = None, None, 0
    if reminder:
        request.last_reminded_at = now
    else:
        request.sent_at = now
    template = mails.reminder if reminder else mails.invitation
    message = template(to=request.email, signer_name=request.name, role=request.role,
                       board=protocol.board.name, meeting_date=protocol.meeting_date, link=svc.link(token),
                       deadline=request.token_expires_at.date(), secretary_name=live(version)[0].name
                       if version.requests else "", lang=svc.settings.lang, kind=protocol.kind or "protokoll",
                       paragraphs=list(protocol.paragraphs or []),
                       e_legitimation=uses_oidc(org))
    queue_mail(session, svc, message, org_id=org.id)
    record(session, svc, org_id=org.id, kind="reminded" if reminder else "sent", protocol_id=protocol.id,
           request_id=request.id, actor=actor, to=request.email, position=request.position)


def live(version) -> list[SignatureRequest]:
    """The route as it stands: one request per position, replaced people left out."""
    return [r for r in version.requests if r.status != RequestStatus.REPLACED]


def void_version(session, svc, org, protocol, version, actor):
    """Take ``version`` out of use: its open links die, and the event is recorded."""
    version.voided = True
    for req in version.requests:
        if req.status in (*PENDING, RequestStatus.SIGNING):
            req.status = RequestStatus.VOIDED
            req.token_hash = None
    record(session, svc, org_id=org.id, kind="voided", protocol_id=protocol.id, actor=actor, version=version.number)


def _safe_filename(name: str) -> str:
    # Only for display; blobs are stored by hash, so the name never touches the filesystem.
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "<>:\"|?*").strip(" .")
    return (base or "protokoll.pdf")[:200]
