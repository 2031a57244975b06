"""First step of "Nytt protokoll": read board, date and signers from the PDF into the form.

The file is read from the request and dropped: nothing is stored and nothing about it goes
into a hidden field, so the secretary chooses the file again when sending it for justering.
It is read in the capped child process, like every file from outside.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from signering.errors import SigneringError
from signering.ingest.untrusted import read_protocol_upload
from signering.members import name_key
from signering.models import Board
from signering.prefill import prefill

from ..auth import current_org_id, current_user
from ..extensions import current_lang, services
from .forms import FinalizeForm, Row


def _page(form: FinalizeForm, *, filled=None, filename: str = "", error: str | None = None, status: int = 200):
    # From the form, not from ``filled``: the secretary's own address may have been added to it.
    missing = [r.name for r in form.rows if r.name and not r.email] if filled else []
    with services().db.read() as s:
        boards = s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)
                           ).scalars().all()
        return render_template("staff/new.html", form=form, boards=boards, protocol=None, error=error,
                               prefilled=filled, prefilled_name=filename, missing_emails=missing), status


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
    try:
        info = read_protocol_upload(upload.stream, max_bytes=services().settings.max_upload_bytes)
    except SigneringError as exc:
        return _page(FinalizeForm.blank(me.name, me.email), error=exc.message(current_lang()),
                     status=exc.http_status)
    with services().db.read() as s:
        filled = prefill(s, current_org_id(), info)
    return _page(_form(filled, me), filled=filled, filename=upload.filename[:200])
