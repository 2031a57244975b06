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


def _page(board_id: int, *, error: str | None = None, row_errors=(), typed: dict | None = None, status: int = 200,
          notes=()):
    with services().db.read() as s:
        board = _board(s, board_id)
        return render_template("staff/admin_members.html", board=board, members=members.board_members(s, board),
                               roles=MEMBER_ROLES, error=error, row_errors=[e.message(current_lang()) for e in row_errors],
                               typed=typed or {}, notes=notes), status


def _namesakes_note(namesakes: dict[str, list[str]]) -> str:
    people = "; ".join(f"{name} ({', '.join(emails)})" for name, emails in namesakes.items())
    return _("Samma namn finns nu flera gånger i registret, med olika e-postadresser: %(people)s. Båda behölls. "
             "Är det samma person med ny adress, ta bort den gamla raden; så länge båda finns fylls adressen "
             "inte i automatiskt.", people=people)


def members_page(board_id: int):
    if request.method == "GET":
        return _page(board_id)
    typed = request.form.to_dict()
    try:
        with services().db.write() as s:
            board = _board(s, board_id)
            member, created = members.add_member(s, board, name=typed.get("name", "")[:300],
                                                 email=typed.get("email", "")[:300], role=typed.get("role", ""))
            name = member.name
            same = members.namesakes(s, board, name)
    except SigneringError as exc:
        return _page(board_id, error=exc.message(current_lang()), typed=typed, status=exc.http_status)
    flash(_("%(name)s är tillagd.", name=name) if created else _("Uppgifterna för %(name)s är uppdaterade.",
                                                                   name=name), "ok")
    if len(same) > 1:
        flash(_namesakes_note({same[0].name: [m.email for m in same]}), "warning")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)


def members_import(board_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(board_id, error=_("Välj en CSV-fil."), status=422)
    data = upload.stream.read(CSV_MAX_BYTES + 1)
    if len(data) > CSV_MAX_BYTES:
        return _page(board_id, error=_("Filen är för stor (högst 1 MB)."), status=413)
    with services().db.write() as s:
        result = members.import_csv(s, _board(s, board_id), data)
    if result.errors:
        # The good rows are saved; the page lists the rows to correct.
        summary = _("%(added)d tillagda och %(updated)d uppdaterade. Dessa rader lästes inte in; rätta dem och "
                    "ladda upp filen igen:", added=result.added, updated=result.updated)
        notes = [_namesakes_note(result.namesakes)] if result.namesakes else []
        return _page(board_id, row_errors=result.errors, status=422, error=summary, notes=notes)
    flash(_("%(added)d tillagda och %(updated)d uppdaterade.", added=result.added, updated=result.updated), "ok")
    if result.namesakes:
        flash(_namesakes_note(result.namesakes), "warning")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)


def member_remove(board_id: int, member_id: int):
    with services().db.write() as s:
        removed = members.remove_member(s, _board(s, board_id), member_id)
    if not removed:
        abort(404)
    flash(_("Personen är borttagen ur registret."), "ok")
    return redirect(url_for("staff.admin_members", board_id=board_id), code=303)
