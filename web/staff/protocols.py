"""The protocol list, one protocol's page and PDF, and the manage steps taken from that page.

Every handler loads by (id, the session's organisation), so another organisation's ids
answer 404 exactly like ids that do not exist (see :mod:`signering.scoping`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from signering.errors import InputError, SigneringError
from signering.models import Protocol, ProtocolVersion
from signering.workflow import manage

from ..auth import current_org_id, me
from ..extensions import current_lang, services
from ..paging import page_arg, page_count
from . import protocol_page


#: protocols per page of the list: a municipality makes a thousand a year
PAGE = 25


def protocols():
    page = page_arg()
    org_id = current_org_id()
    with services().db.read() as s:
        total = s.execute(select(func.count(Protocol.id)).filter_by(organisation_id=org_id)).scalar_one()
        rows = s.execute(select(Protocol).filter_by(organisation_id=org_id)
                         .options(selectinload(Protocol.board),
                                  selectinload(Protocol.versions).selectinload(ProtocolVersion.requests))
                         .order_by(Protocol.meeting_date.desc(), Protocol.id.desc())
                         .offset((page - 1) * PAGE).limit(PAGE)).scalars().all()
        return render_template("staff/protocols.html", protocols=rows, page=page, pages=page_count(total, PAGE))


def protocol(protocol_id: int):
    return protocol_page.render(protocol_id)


def protocol_pdf(protocol_id: int):
    svc = services()
    with svc.db.read() as s:
        protocol = protocol_page.scoped_protocol(s, protocol_id)
        number = request.args.get("version", type=int)
        version = protocol.current if number is None else next(
            (v for v in protocol.versions if v.number == number), None)
        if version is None:
            abort(404)
        original = request.args.get("original") == "1"
        sha = version.original_sha256 if original else version.working_sha256
        stem = version.filename.rsplit(".", 1)[0] or "protokoll"
        suffix = "" if original else ("-justerat" if version.sealed_sha256 == sha else f"-v{version.number}")
    return send_file(svc.blobs.open(sha), mimetype="application/pdf", download_name=f"{stem}{suffix}.pdf",
                     max_age=0, conditional=False, etag=sha)


def _action(protocol_id: int, work):
    """Run one manage step on a protocol of this organisation; ``work`` returns the message to flash.

    Errors show the protocol page again, with what was typed, and the error's status.
    """
    with services().db.read() as s:
        protocol_page.scoped_protocol(s, protocol_id)
    try:
        message = work()
    except SigneringError as exc:
        return protocol_page.render(protocol_id, error=exc.message(current_lang()), form=request.form.to_dict(),
                                    status=exc.http_status)
    flash(message, "ok")
    return redirect(url_for("staff.protocol", protocol_id=protocol_id), code=303)


def remind(protocol_id: int):
    def work():
        # The person the secretary saw on the page: if they signed meanwhile, nobody else is reminded.
        request_id = request.form.get("request_id", type=int)
        name = manage.remind(services(), org_id=current_org_id(), protocol_id=protocol_id, actor=me().email,
                             request_id=request_id)
        return _("En påminnelse med en ny länk skickades till %(name)s.", name=name)

    return _action(protocol_id, work)


def replace(protocol_id: int):
    def work():
        try:
            position = int(request.form.get("position", ""))
        except ValueError:
            raise InputError("Välj vem som ska bytas ut.", "Choose who is to be replaced.") from None
        manage.replace_signer(services(), org_id=current_org_id(), protocol_id=protocol_id, position=position,
                              name=request.form.get("name", "")[:200], email=request.form.get("email", "")[:254],
                              actor=me().email)
        return _("Undertecknaren är utbytt.")

    return _action(protocol_id, work)


def withdraw(protocol_id: int):
    def work():
        reason = request.form.get("reason", "").strip()
        if not reason or len(reason) > 2000:
            raise InputError("Skriv varför protokollet dras tillbaka (högst 2000 tecken).",
                             "Write why the protocol is withdrawn (at most 2000 characters).")
        manage.withdraw(services(), org_id=current_org_id(), protocol_id=protocol_id, actor=me().email,
                        reason=reason)
        return _("Protokollet är tillbakadraget. Länkarna till undertecknarna gäller inte längre.")

    return _action(protocol_id, work)
