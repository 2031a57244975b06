"""One protocol's staff page: loading it within the session's organisation, and drawing it.

Several handlers end on this page (viewing it, a manage step or an extract that failed, a new
version refused), so it lives apart from all of them.
"""

from __future__ import annotations

import logging

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signering.errors import SigneringError
from signering.models import Event, Protocol, ProtocolVersion, User
from signering.workflow import extracts as core_extracts
from signering.workflow import meeting_dates, omedelbar

from ..auth import current_org_id
from ..extensions import current_lang, services
from ..public.page_cache import app_cache
from . import present
from .scope import scoped
from signering.route import JUSTERAT, PENDING, ProtocolKind, ProtocolStatus

log = logging.getLogger("web.staff.extracts")

#: the states in which a protocol's page offers an extract of its own kind
EXTRACT_OFFER = {ProtocolKind.UTDRAG: JUSTERAT, ProtocolKind.OMEDELBAR: (ProtocolStatus.SIGNING,)}


def scoped_protocol(session, protocol_id: int) -> Protocol:
    return scoped(session, Protocol, protocol_id,
                  options=[selectinload(Protocol.versions).selectinload(ProtocolVersion.requests)])


def extract_context(session, protocol: Protocol) -> dict:
    """What the protocol page shows about extracts: the paragraphs to choose from and the children."""
    children = session.execute(select(Protocol).filter_by(parent_id=protocol.id, organisation_id=protocol.organisation_id)
                               .order_by(Protocol.id)).scalars().all()
    offer = [kind for kind, states in EXTRACT_OFFER.items()
             if protocol.kind == "protokoll" and protocol.status in states]
    paragraphs, unreadable = [], None
    if offer:
        # Reading a protocol's text takes a good tenth of a second; the file never changes under its hash.
        cache = app_cache("staff_paragraphs", max_entries=256, ttl=3600)
        key = protocol.current.original_sha256
        paragraphs = cache.get(key)
        if paragraphs is None:
            try:
                paragraphs = core_extracts.paragraphs_of(services(), org_id=protocol.organisation_id,
                                                         protocol_id=protocol.id)
            except SigneringError as exc:
                # A file the reader cannot read simply offers no paragraphs; the page must still show.
                log.info("no paragraphs for protocol %s: %s", protocol.id, exc.message("en"))
                paragraphs, unreadable = [], exc.message(current_lang())
            else:
                cache.put(key, paragraphs)
    # Addresses are looked up on every view: one added a moment ago must show.
    names = list(dict.fromkeys(n for p in paragraphs for n in p.get("recipients", ())))
    found = core_extracts.addresses(session, protocol, names) if ProtocolKind.UTDRAG in offer else {}
    # Say why no form is offered rather than leave it out without a word.
    no_paragraphs = (unreadable or _("Inga paragrafer hittades i protokollets text: rubrikerna ska börja med "
                                     "”§ 12” eller vara numrerade ”1. Mötets öppnande”, ”2. …”. En inskannad PDF "
                                     "utan textlager går inte att läsa.")) if offer and not paragraphs else None
    return {"extract_children": children, "extract_offer": offer if paragraphs else [],
            "extract_no_paragraphs": no_paragraphs,
            "extract_paragraphs": paragraphs, "recipient_addresses": found,
            "recipients_without_address": [n for n in names if n in found and found[n] is None]}


def render(protocol_id: int, *, error: str | None = None, form: dict | None = None, status: int = 200):
    with services().db.read() as s:
        protocol = scoped_protocol(s, protocol_id)
        events = s.execute(select(Event).filter_by(organisation_id=current_org_id(), protocol_id=protocol.id)
                           .order_by(Event.at, Event.id)).scalars().all()
        people = {r.id: r for v in protocol.versions for r in v.requests}
        version = protocol.current
        declined = present.decline(protocol)
        if declined is not None:
            replaceable = [declined]  # the mail to the secretary offers exactly this
        elif version is not None and protocol.status == ProtocolStatus.SIGNING and not version.seal_blocked:
            replaceable = [r for r in version.requests if r.status in PENDING]
        else:
            replaceable = []
        # Uploads record the staff user's address; people know each other by name.
        uploader = s.execute(select(User.name).filter_by(organisation_id=protocol.organisation_id,
                                                         email=protocol.created_by)).scalar_one_or_none()
        return render_template("staff/protocol.html", protocol=protocol, version=version, events=events,
                               people=people, uploader=uploader or protocol.created_by,
                               turn=present.current_turn(protocol), declined=declined,
                               replaceable=replaceable, error=error, form=form or {},
                               blocked=present.blocked(protocol), warnings=_warnings(events, version),
                               waits_for=_waits_for(s, protocol),
                               **extract_context(s, protocol)), status


def _waits_for(session, protocol) -> list[Protocol]:
    """The immediately adjusted paragraphs a fully signed protocol waits for before its seal."""
    version = protocol.current
    if version is None or version.voided or not version.seal_pending:
        return []
    return omedelbar.under_way(session, protocol)


def _warnings(events, version) -> list[str]:
    """The upload warnings of the version in use (the typed meeting date against the PDF's)."""
    if version is None or version.voided or version.sealed_sha256:
        return []
    found = [meeting_dates.from_event(e.detail or {}) for e in events
             if e.kind == "date_mismatch" and (e.detail or {}).get("version") == version.number]
    return [w.message(current_lang()) for w in found if w is not None]


def upload_warnings(protocol_id: int) -> list[str]:
    """What to tell the secretary right after an upload was accepted."""
    with services().db.read() as s:
        protocol = scoped_protocol(s, protocol_id)
        events = s.execute(select(Event).filter_by(organisation_id=current_org_id(), protocol_id=protocol.id,
                                                   kind="date_mismatch")).scalars().all()
        return _warnings(events, protocol.current)
