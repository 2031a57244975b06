"""Administration of the organisation's API tokens: list, create (shown once), revoke."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signering import accounts
from signering.errors import InputError, SigneringError
from signering.models import Organisation

from ..auth import current_org_id
from ..extensions import current_lang, services

TOKEN_STATE = {"active": _l("Gäller"), "expired": _l("Har gått ut"), "revoked": _l("Återkallad")}


def _valid_days(raw: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 5:
        raise InputError("Giltighetstiden ska vara ett antal dagar (en siffra), eller tom för ingen sista dag.",
                         "The validity must be a number of days, or empty for no end date.", field="valid_days")
    return int(raw)


def tokens_page():
    error, status, typed, new_token = None, 200, {}, None
    svc = services()
    if request.method == "POST":
        typed = request.form.to_dict()
        try:
            valid_days = _valid_days(typed.get("valid_days", ""))
            with svc.db.write() as s:
                org = s.get(Organisation, current_org_id())
                token = accounts.create_api_token(s, org, typed.get("name", "")[:200], valid_days=valid_days,
                                                  now=svc.clock())
        except SigneringError as exc:
            error, status = exc.message(current_lang()), exc.http_status
        else:
            # Shown in this response only (never flashed: flashes travel in the session cookie).
            new_token, status, typed = token, 201, {}
    now = svc.clock()
    with svc.db.read() as s:
        rows = accounts.api_tokens(s, current_org_id())
        states = {row.id: accounts.token_state(row, now) for row in rows}
        return render_template("staff/admin_api_tokens.html", tokens=rows, states=states, state_labels=TOKEN_STATE,
                               error=error, typed=typed, new_token=new_token), status


def token_revoke(token_id: int):
    svc = services()
    # Scoped to the admin's organisation: another organisation's id is a 404, like one that does not exist.
    with svc.db.write() as s:
        name = accounts.revoke_api_token(s, current_org_id(), token_id, svc.clock()).name
    flash(_("API-nyckeln %(name)s är återkallad. Anrop med den avvisas från och med nu.", name=name), "ok")
    return redirect(url_for("staff.admin_api_tokens"), code=303)
