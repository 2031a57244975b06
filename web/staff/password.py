"""A staff user changes their own password; their other sessions end with it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from signering import accounts
from signering.errors import SigneringError
from signering.models import User

from ..auth import SID, current_user, login_required


def _svc():
    from ..app import services

    return services()


def change_password():
    if request.method == "GET":
        return render_template("staff/password.html")
    me = current_user()
    try:
        with _svc().db.write() as s:
            accounts.change_password(s, s.get(User, me.id), request.form.get("current_password", "")[:1000],
                                     request.form.get("new_password", "")[:1000], keep_session=session.get(SID))
    except SigneringError as exc:
        return render_template("staff/password.html", error=exc.message(getattr(g, "lang", "sv"))), exc.http_status
    flash(_("Lösenordet är bytt. Du har loggats ut på alla andra ställen där du var inloggad."), "ok")
    return redirect(url_for("staff.protocols"), code=303)


def register(bp) -> None:
    bp.add_url_rule("/losenord", "change_password", login_required(change_password), methods=["GET", "POST"])
