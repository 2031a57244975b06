""""Nytt protokoll" and "ny version": the form that sends a protocol for justering."""

from __future__ import annotations

import contextlib

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from signering import kept_uploads
from signering.errors import InputError, SigneringError
from signering.models import Board, Organisation
from signering.workflow.finalize import finalize

from ..auth import SID, current_org_id, me
from ..extensions import current_lang, services
from . import present, protocol_page
from .forms import FinalizeForm
from signering.route import IN_PROGRESS


def boards(s):
    return s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)).scalars().all()


def _kept() -> tuple[str, str, str | None]:
    """The file read in at "Läs in från PDF", if this session still has it: (ref, name, path)."""
    ref, name = request.form.get("kept_file", ""), request.form.get("kept_name", "")[:200]
    svc = services()
    path = kept_uploads.find(kept_uploads.directory_for(svc.blobs.root), session.get(SID, ""), ref, svc.clock())
    return ref, name, path


def _page(form: FinalizeForm, *, protocol=None, error=None, error_code=None, status=200, kept=None):
    with services().db.read() as s:
        oidc = s.get(Organisation, current_org_id()).signer_auth == "oidc"
        return render_template("staff/new.html", form=form, boards=boards(s), protocol=protocol, error=error,
                               error_code=error_code,
                               declined=present.decline(protocol) if protocol else None,
                               kept=kept, ask_personnummer=oidc), status


def _submit(form: FinalizeForm, protocol_id: int | None):
    upload = request.files.get("file")
    ref, name, kept_path = _kept()
    with contextlib.ExitStack() as stack:
        if upload is not None and upload.filename:
            stream, filename = upload.stream, upload.filename
        elif kept_path is not None:
            stream, filename = stack.enter_context(open(kept_path, "rb")), name or "protokoll.pdf"
        elif ref:
            raise InputError("Den inlästa filen finns inte kvar (den sparas en timme). Välj protokollets PDF-fil igen.",
                             "The file read in is no longer kept (it is kept for an hour). Choose the protocol's PDF "
                             "file again.", field="file")
        else:
            raise InputError("Välj protokollets PDF-fil.", "Choose the protocol's PDF file.", field="file")
        new_id = finalize(services(), org_id=current_org_id(), board_name=form.board, meeting_date=form.date(),
                          signers=form.signers(), upload=stream, filename=filename,
                          actor=me().email, protocol_id=protocol_id,
                          confirm_late=form.confirm_late)
    if ref:
        kept_uploads.drop(kept_uploads.directory_for(services().blobs.root), session.get(SID, ""), ref)
    return new_id


def _view(protocol_id: int | None):
    protocol = None
    if protocol_id is not None:
        with services().db.read() as s:
            protocol = protocol_page.scoped_protocol(s, protocol_id)
            protocol.board  # loaded while the session is open; the template shows it
            present.decline(protocol)  # the decline reason too, shown where the new version is made
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
        # A file chosen here cannot be put back into a file field; one read in earlier is still kept.
        ref, name, path = _kept()
        return _page(form, protocol=protocol, error=exc.message(current_lang()), error_code=exc.code,
                     status=exc.http_status,
                     kept={"ref": ref, "name": name} if path else None)
    flash(_("Protokollet är skickat för justering. Den första undertecknaren har fått en inbjudan via e-post."), "ok")
    for warning in protocol_page.upload_warnings(new_id):
        flash(warning, "warning")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)


def new_protocol():
    return _view(None)


def new_version(protocol_id: int):
    return _view(protocol_id)
