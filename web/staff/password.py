"""A staff user changes their own password; their other sessions end with it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from signering import accounts
from signering.errors import SigneringError
from signering.models import User

from ..auth import SID, current_user
from ..extensions import current_lang, services


def change_password():
    if request.method == "GET":
        return render_template("staff/password.html")
    me = current_user()
    try:
        with services().db.write() as s:
            accounts.change_password(s, s.get(User, me.id), request.form.get("current_password", "")[:1000],
                                     request.form.get("new_password", "")[:1000], keep_session=session.get(SID))
    except SigneringError as exc:
        return render_template("staff/password.html", error=exc.message(current_lang())), exc.http_status
    flash(_("Lösenordet är bytt. Du har loggats ut på alla andra ställen där du var inloggad."), "ok")
    return redirect(url_for("staff.protocols"), code=303)
