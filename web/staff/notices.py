"""Anslag staff post by hand (kungörelse, kallelse, underrättelse): the list and the form.

The rules (kinds, dates, board) live in :mod:`signering.notices`; this module only reads the
form, shows the organisation's notices and puts errors back next to what was typed.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signering import notices as core
from signering.errors import InvalidDate, SigneringError
from signering.models import Board, Notice

from ..auth import current_org_id, current_user
from ..extensions import current_lang, services
from signering.route import NoticeStatus

KIND_LABELS = {"kungorelse": _l("Kungörelse"), "kallelse": _l("Kallelse"), "underrattelse": _l("Underrättelse"),
               "bevis_om_justering": _l("Bevis om justering")}
FIELDS = ("kind", "title", "body", "board", "posted_date", "takedown_date")


def _status(notice: Notice, today: dt.date) -> str:
    if notice.status == NoticeStatus.ARCHIVED or notice.takedown_date <= today:
        return _("Nedtaget")
    if notice.posted_date > today:
        return _("Sätts upp %(day)s", day=notice.posted_date.isoformat())
    return _("Uppsatt")


def _page(typed: dict, *, error: str | None = None, error_field: str = "", status: int = 200,
          action_for: int | None = None):
    """``action_for``: the notice whose take-down or correction form the error belongs to."""
    svc = services()
    today = svc.today()
    with svc.db.read() as s:
        rows = s.execute(select(Notice).filter_by(organisation_id=current_org_id())
                         .order_by(Notice.posted_date.desc(), Notice.id.desc())).scalars().all()
        boards = s.execute(select(Board.name).filter_by(organisation_id=current_org_id()).order_by(Board.name)
                           ).scalars().all()
        shown = [{"id": n.id, "kind": KIND_LABELS.get(n.kind, n.kind), "title": n.title, "body": n.body,
                  "board": n.board_name, "posted": n.posted_date.isoformat(), "takedown": n.takedown_date.isoformat(),
                  "status": _status(n, today), "correction": n.correction_note, "takedown_reason": n.takedown_reason,
                  "up": n.status == NoticeStatus.POSTED and n.takedown_date > today,
                  "editable": n.kind in core.KINDS} for n in rows]
    return render_template("staff/notices.html", notices=shown, boards=boards, kinds=core.KINDS,
                           kind_labels=KIND_LABELS, typed=typed, error=error, error_field=error_field,
                           action_for=action_for), status


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(field=field) from None


def notices():
    if request.method == "GET":
        return _page({"kind": core.KINDS[0], "posted_date": services().today().isoformat()})
    typed = {k: request.form.get(k, "") for k in FIELDS}
    try:
        notice_id = core.post_notice(
            services(), current_org_id(), typed["kind"], typed["title"][:core.MAX_TITLE + 1],
            typed["body"][:core.MAX_BODY + 1], _date(typed["posted_date"], "posted_date"),
            _date(typed["takedown_date"], "takedown_date"), typed["board"][:200], actor=current_user().email)
    except SigneringError as exc:
        return _page(typed, error=exc.message(current_lang()), error_field=exc.details.get("field", ""),
                     status=exc.http_status)
    flash(_("Anslaget är uppsatt på anslagstavlan (nummer %(id)s).", id=notice_id), "ok")
    return redirect(url_for("staff.notices"), code=303)


def _act(notice_id: int, act, done: str):
    """Run a take-down or correction; errors come back on the page next to that notice's form."""
    try:
        act()
    except SigneringError as exc:
        return _page({"kind": core.KINDS[0], "posted_date": services().today().isoformat()},
                     error=exc.message(current_lang()), error_field=exc.details.get("field", ""),
                     status=exc.http_status, action_for=notice_id)
    flash(done, "ok")
    return redirect(url_for("staff.notices"), code=303)


def take_down(notice_id: int):
    reason = request.form.get("reason", "")[:core.MAX_NOTE + 1]
    return _act(notice_id, lambda: core.take_down(services(), current_org_id(), notice_id, reason,
                                                  actor=current_user().email),
                _("Anslaget är nedtaget. Det finns kvar i arkivet med skälet."))


def correct(notice_id: int):
    form = request.form
    title = form["title"][:core.MAX_TITLE + 1] if "title" in form else None
    body = form["body"][:core.MAX_BODY + 1] if "body" in form else None
    return _act(notice_id, lambda: core.correct(services(), current_org_id(), notice_id,
                                                form.get("note", "")[:core.MAX_NOTE + 1], title=title, body=body,
                                                actor=current_user().email),
                _("Anslaget är rättat. Rättelsen visas med anslaget."))
