"""The signer's pages: /signera/<token>. The token in the URL is the only credential, so
these pages send no Referer, are never cached and never show anyone else's e-mail address."""

from __future__ import annotations

import os

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from signering.errors import InputError, SigneringError
from signering.pdf.preview import page_png
from signering.workflow import signing
from signering.workflow.errors import LinkInvalid, LinkUsed, LoginRequired, TooManyRequests

from ..extensions import services
from .oidc import logged_in, logged_in_ids, start_page
from .texts import heading

bp = Blueprint("sign", __name__, url_prefix="/signera")


def _ip() -> str:
    return request.remote_addr or ""


#: where the page lands after "Skicka kod" or a failed try: the code field with its message
CODE_ANCHOR = "beslut"


@bp.errorhandler(LinkUsed)
def _used(exc: LinkUsed):
    # Only the link's holder gets here; they learn when they signed and where to follow it.
    body = render_template("sign/done.html", status="used", signed=exc.signed)
    return body, 200 if request.endpoint in ("sign.page", "sign.decide") else 404


@bp.get("/<token>")
def page(token: str):
    view = signing.open_link(services(), token, ip=_ip(), user_agent=request.user_agent.string or "")
    if view.signer_auth == "oidc":
        if not logged_in(view.request_id):
            return start_page(view, token)
        template = "sign/page_oidc.html"
    else:
        template = "sign/page.html"
    total = view.page_count + 1  # the protocol and its signature page
    number = request.args.get("sida", default=1, type=int)
    number = min(max(1, number), total)
    return render_template(template, view=view, token=token, page=number, total=total,
                           heading=heading(view.kind, view.paragraphs))


@bp.get("/<token>/protokoll.pdf")
def pdf(token: str):
    svc = services()
    view, sha = signing.view_for_token(svc, token)
    _require_login(view)
    return send_file(svc.blobs.path(sha), mimetype="application/pdf", as_attachment=False,
                     download_name=f"protokoll-{view.meeting_date.isoformat()}.pdf", max_age=0)


@bp.get("/<token>/sida/<int:number>.png")
def page_image(token: str, number: int):
    svc = services()
    view, sha = signing.view_for_token(svc, token)
    _require_login(view)
    if not 1 <= number <= view.page_count + 1:
        abort(404)
    cache = os.path.join(os.path.dirname(svc.blobs.root.rstrip("/")), "previews")
    return send_file(page_png(svc.blobs.path(sha), sha, number, cache), mimetype="image/png", max_age=0)


@bp.post("/<token>/kod")
def send_code(token: str):
    try:
        signing.send_code(services(), token, ip=_ip())
        flash(_t("En kod med sex siffror har skickats till din e-post. Den gäller i 10 minuter.",
                 "A six-digit code has been sent to your e-mail. It is valid for 10 minutes."), "ok")
    except TooManyRequests as exc:
        flash(exc.message(g.lang), "error")
    return redirect(url_for("sign.page", token=token, _anchor=CODE_ANCHOR))


@bp.post("/<token>")
def decide(token: str):
    decision = request.form.get("decision", "")
    try:
        # Read before deciding: once signed the link no longer opens, and the page after it
        # must still say what was signed and what happens next.
        before, _sha = signing.view_for_token(services(), token)
    except SigneringError:
        before = None  # decide() below gives the answer for a link that does not open
    try:
        status = signing.decide(services(), token, request.form.get("code", ""), decision,
                                request.form.get("reason", ""), ip=_ip(), logged_in_for=logged_in_ids())
    except LinkInvalid:
        raise
    except InputError as exc:
        # Wrong code, missing reason: show the page again with the message, keeping the reason typed.
        flash(exc.message(g.lang), "error")
        return redirect(url_for("sign.page", token=token, _anchor=CODE_ANCHOR))
    signed = signing.signed_link(services(), token) if status == "signed" else None
    return render_template("sign/done.html", status=status, signed=signed,
                           kind=before.kind if before else "protokoll",
                           heading=heading(before.kind, before.paragraphs) if before else "",
                           paragraphs=list(before.paragraphs) if before else [],
                           last=before is not None and not before.still_to_sign)


def _require_login(view) -> None:
    """Where signers log in with e-legitimation, the document is shown only after the login."""
    if view.signer_auth == "oidc" and not logged_in(view.request_id):
        raise LoginRequired()


def _t(sv: str, en: str) -> str:
    return en if g.get("lang") == "en" else sv
