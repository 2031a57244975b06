""""Omedelbar justering vid sammanträdet": start a paragraph's route before the protocol exists.

The rules are in :mod:`signering.workflow.at_meeting`; this module reads the form.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from signering.errors import SigneringError
from signering.models import Organisation
from signering.workflow import at_meeting

from ..auth import current_org_id, me
from ..extensions import current_lang, services
from .finalize import boards
from .forms import FinalizeForm


def _page(form: FinalizeForm, fields: dict, *, error=None, status=200):
    with services().db.read() as s:
        oidc = s.get(Organisation, current_org_id()).signer_auth == "oidc"
        return render_template("staff/at_meeting.html", form=form, fields=fields, boards=boards(s),
                               error=error, ask_personnummer=oidc), status


def start_at_meeting():
    user = me()
    form, fields = FinalizeForm.blank(user.name, user.email), {}
    if request.method == "GET":
        return _page(form, fields)
    fields = {k: request.form.get(k, "")[:limit] for k, limit in (("paragraph", 20), ("title", 300),
                                                                   ("text", at_meeting.MAX_TEXT + 1))}
    try:
        form = FinalizeForm.from_request(request.form)
        upload = request.files.get("file")
        has_file = upload is not None and bool(upload.filename)
        new_id = at_meeting.start(services(), org_id=current_org_id(), board_name=form.board,
                                  meeting_date=form.date(), paragraph=fields["paragraph"], signers=form.signers(),
                                  title=fields["title"], text=fields["text"],
                                  upload=upload.stream if has_file else None,
                                  filename=upload.filename if has_file else "", actor=user.email)
    except SigneringError as exc:
        form.pad()
        return _page(form, fields, error=exc.message(current_lang()), status=exc.http_status)
    flash(_("Paragrafen är skickad för omedelbar justering. När protokollet från sammanträdet laddas upp kopplas "
            "paragrafen till det."), "ok")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)
