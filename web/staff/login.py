"""Logging in and out, with the throttle on failed attempts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from signering import accounts

from ..auth import end_session, me, start_session
from ..extensions import services
from .throttle import LoginThrottle


def _throttle() -> LoginThrottle:
    ext = current_app.extensions
    if "staff_login_throttle" not in ext:
        ext["staff_login_throttle"] = LoginThrottle(clock=services().clock)
    return ext["staff_login_throttle"]


def _local_path(target: str) -> bool:
    """Only paths on this site: no scheme, no host, and nothing a browser reads as one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def login():
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if me() is not None:
            return redirect(next_url if _local_path(next_url) else url_for("staff.protocols"))
        return render_template("staff/login.html", email="", next=next_url)
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1000]
    ip = request.remote_addr or ""
    throttle = _throttle()
    if throttle.blocked(email, ip):
        error = _("För många misslyckade inloggningsförsök. Vänta 15 minuter och försök igen, "
                  "eller be administratören om ett nytt lösenord.")
        return render_template("staff/login.html", email=email, next=next_url, error=error), 429
    with services().db.read() as s:
        user = accounts.authenticate(s, email, password)
        found = (user.id, user.organisation_id) if user is not None else None
    if found is None:
        throttle.failed(email, ip)
        error = _("Fel e-postadress eller lösenord. Kontrollera uppgifterna och försök igen.")
        return render_template("staff/login.html", email=email, next=next_url, error=error), 401
    throttle.succeeded(email, ip)
    # A fresh session on login: nothing from before (e.g. a planted session) carries over.
    start_session(*found)
    return redirect(next_url if _local_path(next_url) else url_for("staff.protocols"), code=303)


def logout():
    end_session()
    flash(_("Du är utloggad."), "ok")
    return redirect(url_for("staff.login"), code=303)
