""""Nytt protokoll" and "ny version": the form that sends a protocol for justering."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from signering.errors import InputError, SigneringError
from signering.models import Board, Organisation
from signering.workflow.finalize import finalize

from ..auth import current_org_id, me
from ..extensions import current_lang, services
from . import protocol_page
from .forms import FinalizeForm
from signering.route import IN_PROGRESS


def _boards(s):
    return s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)).scalars().all()


def _page(form: FinalizeForm, *, protocol=None, error=None, status=200):
    with services().db.read() as s:
        oidc = s.get(Organisation, current_org_id()).signer_auth == "oidc"
        return render_template("staff/new.html", form=form, boards=_boards(s), protocol=protocol, error=error,
                               ask_personnummer=oidc), status


def _submit(form: FinalizeForm, protocol_id: int | None):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InputError("Välj protokollets PDF-fil.", "Choose the protocol's PDF file.", field="file")
    return finalize(services(), org_id=current_org_id(), board_name=form.board, meeting_date=form.date(),
                    signers=form.signers(), upload=upload.stream, filename=upload.filename,
                    actor=me().email, protocol_id=protocol_id)


def _view(protocol_id: int | None):
    protocol = None
    if protocol_id is not None:
        with services().db.read() as s:
            protocol = protocol_page.scoped_protocol(s, protocol_id)
            protocol.board  # loaded while the session is open; the template shows it
            if protocol.status not in IN_PROGRESS:
                return protocol_page.render(protocol_id, status=409, error=_(
                    "En ny version kan bara laddas upp medan protokollet är under justering eller åter hos "
                    "sekreteraren."))
            blank = FinalizeForm.from_protocol(protocol)
    else:
        user = me()
        blank = FinalizeForm.blank(user.name, user.email)
    if request.method == "GET":
        return _page(blank, protocol=protocol)
    form = blank
    try:
        form = FinalizeForm.from_request(request.form)
        new_id = _submit(form, protocol_id)
    except SigneringError as exc:
        form.pad()
        # The file cannot be put back into a file field: say so next to the error.
        return _page(form, protocol=protocol, error=exc.message(current_lang()), status=exc.http_status)
    flash(_("Protokollet är skickat för justering. Den första undertecknaren har fått en inbjudan via e-post."), "ok")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)


def new_protocol():
    return _view(None)


def new_version(protocol_id: int):
    return _view(protocol_id)
