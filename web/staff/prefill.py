"""First step of "Nytt protokoll": read board, date and signers from the PDF into the form.

The file is read in the capped child process, like every file from outside, and then kept on
the server for the send step (``kept_uploads``, bound to this staff session, for an hour): the
form carries only its reference, so the secretary does not choose the same file twice.
"""

from __future__ import annotations

from flask import render_template, request, session
from flask_babel import gettext as _
from sqlalchemy import select

from signering import kept_uploads
from signering.errors import SigneringError
from signering.ingest.untrusted import read_protocol_isolated
from signering.members import name_key
from signering.models import Board
from signering.prefill import prefill
from signering.spool import spooled

from ..auth import SID, current_org_id, current_user
from ..extensions import current_lang, services
from .forms import FinalizeForm, Row


def _page(form: FinalizeForm, *, filled=None, filename: str = "", kept: str = "", error: str | None = None,
          status: int = 200):
    # From the form, not from ``filled``: the secretary's own address may have been added to it.
    missing = [r.name for r in form.rows if r.name and not r.email] if filled else []
    with services().db.read() as s:
        boards = s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)
                           ).scalars().all()
        return render_template("staff/new.html", form=form, boards=boards, protocol=None, error=error,
                               prefilled=filled, prefilled_name=filename, missing_emails=missing,
                               kept={"ref": kept, "name": filename} if kept else None), status


def _form(filled, me) -> FinalizeForm:
    rows = [Row(s.role, s.name, s.email) for s in filled.signers]
    secretary = next((r for r in rows if r.role == "sekreterare"), None)
    if secretary is None:
        rows.insert(0, Row("sekreterare", me.name, me.email))
    elif not secretary.email and name_key(secretary.name) == name_key(me.name or ""):
        # The one uploading is usually the secretary named in the protocol.
        secretary.email = me.email
    form = FinalizeForm(board=filled.board or "",
                        meeting_date=filled.meeting_date.isoformat() if filled.meeting_date else "", rows=rows)
    form.pad()
    return form


def read_pdf():
    me = current_user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(FinalizeForm.blank(me.name, me.email), error=_("Välj protokollets PDF-fil."), status=422)
    svc = services()
    directory = kept_uploads.directory_for(svc.blobs.root)
    try:
        with spooled(upload.stream, max_bytes=svc.settings.max_upload_bytes, directory=directory) as spool:
            info = read_protocol_isolated(spool.path)
            kept = kept_uploads.keep(directory, session.get(SID, ""), spool, svc.clock())
    except SigneringError as exc:
        return _page(FinalizeForm.blank(me.name, me.email), error=exc.message(current_lang()),
                     status=exc.http_status)
    with svc.db.read() as s:
        filled = prefill(s, current_org_id(), info)
    return _page(_form(filled, me), filled=filled, filename=upload.filename[:200], kept=kept)
