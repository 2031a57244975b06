"""Staff forms for protokollsutdrag and omedelbar justering on a protocol's page.

The rules (who signs, from which states) live in :mod:`signering.workflow.extracts`; this
module reads the form, and lists the paragraphs and the extracts already made for the page.
"""

from __future__ import annotations

import logging

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from signering.errors import SigneringError
from signering.models import Protocol
from signering.workflow import extracts as core

from ..auth import current_org_id, current_user, login_required
from ..public.page_cache import app_cache

log = logging.getLogger("web.staff.extracts")

#: the states in which a protocol's page offers an extract of its own kind
_OFFER = {"utdrag": ("sealed", "posted", "archived"), "omedelbar": ("signing",)}


def _svc():
    from ..app import services

    return services()


def page_context(session, protocol: Protocol) -> dict:
    """What the protocol page shows about extracts: the paragraphs to choose from and the children."""
    children = session.execute(select(Protocol).filter_by(parent_id=protocol.id, organisation_id=protocol.organisation_id)
                               .order_by(Protocol.id)).scalars().all()
    offer = [kind for kind, states in _OFFER.items() if protocol.kind == "protokoll" and protocol.status in states]
    paragraphs = []
    if offer:
        # Reading a protocol's text takes a good tenth of a second; the file never changes under its hash.
        cache = app_cache("staff_paragraphs", max_entries=256, ttl=3600)
        key = protocol.current.original_sha256
        paragraphs = cache.get(key)
        if paragraphs is None:
            try:
                paragraphs = core.paragraphs_of(_svc(), org_id=protocol.organisation_id, protocol_id=protocol.id)
            except SigneringError as exc:
                # A file the reader cannot read simply offers no paragraphs; the page must still show.
                log.info("no paragraphs for protocol %s: %s", protocol.id, exc.message("en"))
                paragraphs = []
            cache.put(key, paragraphs)
    return {"extract_children": children, "extract_offer": offer if paragraphs else [],
            "extract_paragraphs": paragraphs}


def _create(protocol_id: int, kind: str, paragraphs: list[str]):
    from .blueprint import _lang, _protocol_page

    try:
        new_id = core.create_extract(_svc(), org_id=current_org_id(), parent_id=protocol_id,
                                     paragraphs=[p for p in paragraphs if p.strip()][:200], kind=kind,
                                     actor=current_user().email)
    except SigneringError as exc:
        return _protocol_page(protocol_id, error=exc.message(_lang()), form=request.form.to_dict(),
                              status=exc.http_status)
    if kind == "utdrag":
        flash(_("Utdraget är skapat och skickat till sekreteraren för signering."), "ok")
    else:
        flash(_("Paragrafen är skickad för omedelbar justering till samma undertecknare som protokollet."), "ok")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)


def register(bp) -> None:
    @bp.post("/protokoll/<int:protocol_id>/utdrag")
    @login_required
    def make_extract(protocol_id: int):
        return _create(protocol_id, "utdrag", request.form.getlist("paragraph"))

    @bp.post("/protokoll/<int:protocol_id>/omedelbar-justering")
    @login_required
    def adjust_at_once(protocol_id: int):
        return _create(protocol_id, "omedelbar", [request.form.get("paragraph", "")])
