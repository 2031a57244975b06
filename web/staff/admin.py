"""Administration (role admin): boards, staff accounts, webhooks (API tokens: :mod:`.api_tokens`). All scoped to the admin's organisation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from signering import accounts, webhook_guard, webhooks
from signering.errors import SigneringError
from signering.models import Board, Organisation, User, Webhook, WebhookDelivery

from ..auth import current_org_id, current_user
from ..extensions import current_lang, services
from .scope import scoped

DELIVERIES_SHOWN = 100


# -- boards -------------------------------------------------------------------------------

def boards():
    error, status, typed = None, 200, {}
    if request.method == "POST":
        typed = request.form.to_dict()
        try:
            with services().db.write() as s:
                org = s.get(Organisation, current_org_id())
                board = accounts.create_board(s, org, name=typed.get("name", "")[:200],
                                              kind=typed.get("kind", "namnd"),
                                              forvaringsplats=typed.get("forvaringsplats", "")[:300])
                name = board.name
        except SigneringError as exc:
            error, status = exc.message(current_lang()), exc.http_status
        else:
            flash(_("Nämnden %(name)s är upplagd.", name=name), "ok")
            return redirect(url_for("staff.admin_boards"), code=303)
    with services().db.read() as s:
        rows = s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)).scalars().all()
        return render_template("staff/admin_boards.html", boards=rows, error=error, typed=typed,
                               kinds=accounts.BOARD_KINDS), status


def board_update(board_id: int):
    place = request.form.get("forvaringsplats", "").strip()
    with services().db.write() as s:
        board = scoped(s, Board, board_id)
        board.forvaringsplats = place[:300]
        name = board.name
    flash(_("Förvaringsplatsen för %(name)s är sparad.", name=name), "ok")
    return redirect(url_for("staff.admin_boards"), code=303)


# -- users --------------------------------------------------------------------------------

def users():
    error, status, typed = None, 200, {}
    if request.method == "POST":
        typed = {k: v for k, v in request.form.items() if k != "password"}
        try:
            with services().db.write() as s:
                org = s.get(Organisation, current_org_id())
                user = accounts.create_user(s, org, email=typed.get("email", "")[:254],
                                            password=request.form.get("password", "")[:1000],
                                            role=typed.get("role", ""), name=typed.get("name", "").strip()[:200])
                email = user.email
        except SigneringError as exc:
            error, status = exc.message(current_lang()), exc.http_status
        else:
            flash(_("Kontot för %(email)s är skapat. Lämna lösenordet till personen på ett säkert sätt.",
                    email=email), "ok")
            return redirect(url_for("staff.admin_users"), code=303)
    with services().db.read() as s:
        rows = s.execute(select(User).filter_by(organisation_id=current_org_id()).order_by(User.email)).scalars().all()
        return render_template("staff/admin_users.html", users=rows, error=error, typed=typed,
                               roles=accounts.ROLES), status


def user_deactivate(user_id: int):
    me = current_user()
    with services().db.write() as s:
        user = scoped(s, User, user_id)
        if user.id == me.id:
            flash(_("Du kan inte stänga av ditt eget konto."), "error")
            return redirect(url_for("staff.admin_users"), code=303)
        accounts.deactivate_user(s, user)
        email = user.email
    flash(_("Kontot för %(email)s är avstängt.", email=email), "ok")
    return redirect(url_for("staff.admin_users"), code=303)


# -- webhooks -----------------------------------------------------------------------------

def _check_url(url: str) -> str:
    # The same check runs again before every delivery (signering.webhooks).
    webhook_guard.check(url, webhook_guard.Policy.from_settings(services().settings))
    return url


def webhooks_page():
    error, status, typed, new_secret = None, 200, {}, None
    if request.method == "POST":
        typed = request.form.to_dict()
        try:
            url = _check_url(typed.get("url", "").strip())
            secret = webhooks.new_secret()
            with services().db.write() as s:
                s.add(Webhook(organisation_id=current_org_id(), url=url, secret=secret, active=True))
        except SigneringError as exc:
            error, status = exc.message(current_lang()), exc.http_status
        else:
            # Shown in this response only (never flashed: flashes travel in the session cookie).
            new_secret, status, typed = secret, 201, {}
    with services().db.read() as s:
        hooks = s.execute(select(Webhook).filter_by(organisation_id=current_org_id()).order_by(Webhook.id)
                          ).scalars().all()
        deliveries = s.execute(
            select(WebhookDelivery).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(Webhook.organisation_id == current_org_id())
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(DELIVERIES_SHOWN)
        ).scalars().all()
        return render_template("staff/admin_webhooks.html", hooks=hooks, deliveries=deliveries, error=error,
                               typed=typed, new_secret=new_secret, hook_urls={h.id: h.url for h in hooks}), status


def webhook_deactivate(webhook_id: int):
    with services().db.write() as s:
        hook = scoped(s, Webhook, webhook_id)
        hook.active = False
    flash(_("Webhooken är avstängd. Inga fler händelser skickas dit."), "ok")
    return redirect(url_for("staff.admin_webhooks"), code=303)
