"""One protocol's staff page: loading it within the session's organisation, and drawing it.

Several handlers end on this page (viewing it, a manage step or an extract that failed, a new
version refused), so it lives apart from all of them.
"""

from __future__ import annotations

import logging

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signering.errors import SigneringError
from signering.models import Event, Protocol, ProtocolVersion, User
from signering.workflow import extracts as core_extracts

from ..auth import current_org_id
from ..extensions import services
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
    paragraphs = []
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
                paragraphs = []
            cache.put(key, paragraphs)
    return {"extract_children": children, "extract_offer": offer if paragraphs else [],
            "extract_paragraphs": paragraphs}


def render(protocol_id: int, *, error: str | None = None, form: dict | None = None, status: int = 200):
    with services().db.read() as s:
        protocol = scoped_protocol(s, protocol_id)
        events = s.execute(select(Event).filter_by(organisation_id=current_org_id(), protocol_id=protocol.id)
                           .order_by(Event.at, Event.id)).scalars().all()
        people = {r.id: r for v in protocol.versions for r in v.requests}
        version = protocol.current
        replaceable = [r for r in version.requests if r.status in PENDING] \
            if version is not None and protocol.status == ProtocolStatus.SIGNING else []
        # Uploads record the staff user's address; people know each other by name.
        uploader = s.execute(select(User.name).filter_by(organisation_id=protocol.organisation_id,
                                                         email=protocol.created_by)).scalar_one_or_none()
        return render_template("staff/protocol.html", protocol=protocol, version=version, events=events,
                               people=people, uploader=uploader or protocol.created_by, turn=present.current_turn(protocol), declined=present.decline(protocol),
                               replaceable=replaceable, error=error, form=form or {},
                               **extract_context(s, protocol)), status
