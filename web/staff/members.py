"""Administration of each board's member register: list, add, remove, import a CSV file."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signering import members
from signering.errors import SigneringError
from signering.models import Board

from ..extensions import current_lang, services
from .scope import scoped

MEMBER_ROLES = {"ledamot": _l("Ledamot"), "ersattare": _l("Ersättare"), "ordforande": _l("Ordförande"),
                "justerare": _l("Justerare"), "sekreterare": _l("Sekreterare"),
                "mottagare": _l("Mottagare av beslut (ej ledamot)")}
#: a register of a few thousand people is far below this
CSV_MAX_BYTES = 1024 * 1024


def _board(s, board_id: int) -> Board:
    return scoped(s, Board, board_id)


def _page(board_id: int, *, error: str | None = None, row_errors=(), typed: dict | None = None, status: int = 200):
    with services().db.read() as s:
        board = _board(s, board_id)
        return render_template("staff/admin_members.html", board=board, members=members.board_members(s, board),
                               roles=MEMBER_ROLES, error=error, row_errors=[e.message(current_lang()) for e in row_errors],
                               typed=typed or {}), status


def members_page(board_id: int):
    if request.method == "GET":
        return _page(board_id)
    typed = request.form.to_dict()
    try:
        with services().db.write() as s:
            member, created = members.add_member(s, _board(s, board_id), name=typed.get("name", "")[:300],
                                                 email=typed.get("email", "")[:300], role=typed.get("role", ""))
            name = member.name
    except SigneringError as exc:
        return _page(board_id, error=exc.message(current_lang()), typed=typed, status=exc.http_status)
    flash(_("%(name)s är tillagd.", name=name) if created else _("Uppgifterna för %(name)s är uppdaterade.",
                                                                   name=name), "ok")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)


def members_import(board_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(board_id, error=_("Välj en CSV-fil."), status=422)
    data = upload.stream.read(CSV_MAX_BYTES + 1)
    if len(data) > CSV_MAX_BYTES:
        return _page(board_id, error=_("Filen är för stor (högst 1 MB)."), status=413)
    with services().db.write() as s:
        added, updated, errors = members.import_csv(s, _board(s, board_id), data)
    if errors:
        # The good rows are saved; the page lists the rows to correct.
        return _page(board_id, row_errors=errors, status=422, error=_(
            "%(added)d tillagda och %(updated)d uppdaterade. Dessa rader lästes inte in; rätta dem och ladda upp "
            "filen igen:", added=added, updated=updated))
    flash(_("%(added)d tillagda och %(updated)d uppdaterade.", added=added, updated=updated), "ok")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)


def member_remove(board_id: int, member_id: int):
    with services().db.write() as s:
        removed = members.remove_member(s, _board(s, board_id), member_id)
    if not removed:
        abort(404)
    flash(_("Personen är borttagen ur registret."), "ok")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)
