"""Signers' e-legitimation login: /signera/<token>/e-legitimation sends the browser to the
organisation's IdP; /oidc/callback (one address for the installation, registered at every IdP)
takes the answer back.

The browser's session remembers which link each pending login belongs to (so a callback from
another browser, or a second one with the same state, is refused) and for which links this
browser has logged in. A forwarded link therefore still needs its own login to sign.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from signering.oidc.errors import IdentityMismatch, IdpUnavailable, LoginRejected, LoginStateInvalid
from signering.workflow import identification, signing

from ..extensions import services
from .texts import heading

bp = Blueprint("oidc", __name__)

_PENDING = "oidc_pending"  # state -> link token, for logins under way
_DONE = "oidc_done"  # ids of the requests this browser logged in for
_MAX_PENDING = 5


def logged_in_ids() -> list[int]:
    return list(session.get(_DONE, []))


def logged_in(request_id: int) -> bool:
    return request_id in logged_in_ids()


def _ip() -> str:
    return request.remote_addr or ""


def start_page(view, token: str, *, error: str | None = None, status: int = 200):
    return render_template("sign/oidc_start.html", view=view, token=token, error=error,
                           heading=heading(view.kind, view.paragraphs)), status


@bp.get("/signera/<token>/e-legitimation")
def start(token: str):
    # A link, not a form: the page's CSP (form-action 'self') would stop a form's redirect to the IdP.
    svc = services()
    try:
        login = identification.start_login(svc, token, lang=g.get("lang", "sv"))
    except IdpUnavailable as exc:
        view, _sha = signing.view_for_token(svc, token)
        return start_page(view, token, error=exc.message(g.lang), status=exc.http_status)
    pending = dict(list(session.get(_PENDING, {}).items())[-(_MAX_PENDING - 1):])
    pending[login.state] = token
    session[_PENDING] = pending
    return redirect(login.url, code=303)


@bp.get("/oidc/callback")
def callback():
    svc = services()
    state = request.args.get("state", "")
    pending = dict(session.get(_PENDING, {}))
    token = pending.pop(state, None)
    session[_PENDING] = pending
    if token is None:
        raise LoginStateInvalid()
    if request.args.get("error"):
        # The signer cancelled at the IdP, or the IdP refused: the link is as it was.
        view, _sha = signing.view_for_token(svc, token)
        return start_page(view, token, error=_t("Inloggningen avbröts. Ingenting har signerats; du kan försöka igen.",
                                                "The login was cancelled. Nothing has been signed; you can try again."))
    try:
        done = identification.finish_login(svc, token, state=state, code=request.args.get("code", ""), ip=_ip())
    except (IdpUnavailable, LoginRejected) as exc:
        view, _sha = signing.view_for_token(svc, token)
        return start_page(view, token, error=exc.message(g.lang), status=exc.http_status)
    except IdentityMismatch as exc:
        return render_template("error.html", status=exc.http_status, message=exc.message(g.lang)), exc.http_status
    session[_DONE] = [*session.get(_DONE, [])[-19:], done.request_id]
    return redirect(url_for("sign.page", token=token), code=303)


def _t(sv: str, en: str) -> str:
    return en if g.get("lang") == "en" else sv
