"""Admin: how the organisation's signers prove who they are (e-mailed code or e-legitimation),
the same settings as ``signering org configure``; and, read only, who makes their signatures."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from signering import accounts
from signering.errors import InputError, SigneringError
from signering.models import Organisation
from signering.oidc import client
from signering.oidc.errors import IdpUnavailable
from signering.workflow.identification import redirect_uri

from ..auth import current_org_id
from ..extensions import current_lang, services

FIELDS = ("signer_auth", "oidc_issuer", "oidc_client_id", "oidc_client_secret_env", "oidc_personnummer_claim")
SERVICE_FIELDS = ("signature_service", "csc_url", "csc_api_version", "csc_credential")


def signer_auth_page():
    svc = services()
    error, status, typed = None, 200, None
    if request.method == "POST":
        typed = {k: request.form.get(k, "").strip()[:500] for k in FIELDS}
        try:
            if typed["signer_auth"] == "oidc" and typed["oidc_issuer"]:
                _check_issuer(typed["oidc_issuer"])
            with svc.db.write() as s:
                accounts.configure_signer_auth(
                    s, s.get(Organisation, current_org_id()), signer_auth=typed["signer_auth"],
                    issuer=typed["oidc_issuer"], client_id=typed["oidc_client_id"],
                    client_secret_env=typed["oidc_client_secret_env"] or None,
                    personnummer_claim=typed["oidc_personnummer_claim"] or None)
        except SigneringError as exc:
            error, status = exc.message(current_lang()), exc.http_status
        else:
            flash(_("Inställningen för hur undertecknare identifieras är sparad."), "ok")
            return redirect(url_for("staff.admin_signer_auth"), code=303)
    with svc.db.read() as s:
        org = s.get(Organisation, current_org_id())
        current = typed or {k: getattr(org, k) or "" for k in FIELDS}
        # Shown, not edited here: the signature service is the operator's (``org configure``).
        service = {k: getattr(org, k) for k in SERVICE_FIELDS}
    return render_template("staff/admin_signer_auth.html", typed=current, error=error, service=service,
                           redirect_uri=redirect_uri(svc), default_claim=client.DEFAULT_PERSONNUMMER_CLAIM), status


def _check_issuer(issuer: str) -> None:
    try:
        client.discover(issuer)
    except IdpUnavailable:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        raise InputError(f"Ingen användbar OpenID-konfiguration på {url}. Kontrollera adressen (issuer).",
                         f"No usable OpenID configuration at {url}. Check the address (issuer).",
                         field="oidc_issuer") from None
