"""Staff forms for protokollsutdrag and omedelbar justering on a protocol's page.

The rules (who signs, from which states) live in :mod:`signering.workflow.extracts`; this
module reads the form. What the page shows about extracts is in :mod:`.protocol_page`.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from signering import members
from signering.errors import SigneringError
from signering.workflow import extracts as core

from ..auth import current_org_id, current_user
from ..extensions import current_lang, services
from . import protocol_page


def _create(protocol_id: int, kind: str, paragraphs: list[str]):
    try:
        new_ids = core.create_extracts(services(), org_id=current_org_id(), parent_id=protocol_id,
                                       paragraphs=[p for p in paragraphs if p.strip()][:200], kind=kind,
                                       actor=current_user().email)
    except SigneringError as exc:
        return protocol_page.render(protocol_id, error=exc.message(current_lang()), form=request.form.to_dict(),
                                    status=exc.http_status)
    if len(new_ids) > 1:
        flash(_("%(count)d utdrag är skapade, ett för varje grupp av mottagare, och skickade till sekreteraren "
                "för signering. Var och en får bara sina paragrafer.", count=len(new_ids)), "ok")
        return redirect(url_for("staff.protocol", protocol_id=protocol_id, _anchor="utdrag"), code=303)
    new_id = new_ids[0]
    if kind == "utdrag":
        flash(_("Utdraget är skapat och skickat till sekreteraren för signering."), "ok")
    else:
        flash(_("Paragrafen är skickad för omedelbar justering till samma undertecknare som protokollet."), "ok")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)


def make_extract(protocol_id: int):
    return _create(protocol_id, "utdrag", request.form.getlist("paragraph"))


def adjust_at_once(protocol_id: int):
    return _create(protocol_id, "omedelbar", [request.form.get("paragraph", "")])


def add_recipient(protocol_id: int):
    """Give a recipient of the protocol's decisions an address: a register entry of role
    mottagare in the protocol's board (an authority or official, not a member)."""
    name, email = request.form.get("name", "")[:300], request.form.get("email", "")[:300]
    try:
        with services().db.write() as s:
            protocol = protocol_page.scoped_protocol(s, protocol_id)
            members.add_member(s, protocol.board, name=name, email=email, role="mottagare")
    except SigneringError as exc:
        return protocol_page.render(protocol_id, error=exc.message(current_lang()), form=request.form.to_dict(),
                                    status=exc.http_status)
    flash(_("%(name)s får utdrag på %(email)s.", name=" ".join(name.split()), email=email.strip().lower()), "ok")
    return redirect(url_for("staff.protocol", protocol_id=protocol_id, _anchor="utdrag"), code=303)
