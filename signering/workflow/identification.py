"""Signers who prove who they are with e-legitimation (OpenID Connect) before they may sign.

Three steps, each in its own short transaction, so no network call holds the database:

1. :func:`start_login` remembers a fresh state, nonce and PKCE verifier for the link and
   returns the IdP address to send the browser to;
2. :func:`finish_login` burns the state first (a replayed callback finds it used), then has the
   code exchanged and the ID token verified (``signering.oidc.client``), then
3. compares the person with the signer: the personnummer staff gave (as a keyed hash), or else
   the name. A match marks the request identified; a mismatch is recorded, the staff user is
   mailed and the signer told. The personnummer from the IdP is never stored, logged or mailed.

The web layer keeps which links this browser logged in for; :func:`signing.decide` asks for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from ..clock import aware as _aware
from ..emails import is_valid_email
from ..identity import names_match, personnummer_matches
from ..mail import templates as mails
from ..models import OidcLogin, Organisation
from ..oidc import client
from ..oidc.errors import IdentityMismatch, LoginStateInvalid, NotConfigured
from .audit import queue_mail, record
from .finalize import live
from .secrets import token_hash
from .signer_auth import OIDC, uses_oidc
from .signing import find_active

#: a login left at the IdP longer than this is not accepted back
LOGIN_VALID = dt.timedelta(minutes=15)
CALLBACK_PATH = "/oidc/callback"


def redirect_uri(svc) -> str:
    """The one redirect URI of the installation, registered at every IdP."""
    return svc.settings.base_url.rstrip("/") + CALLBACK_PATH


def config_for(svc, org: Organisation) -> client.OidcConfig:
    if not (org.oidc_issuer and org.oidc_client_id):
        raise NotConfigured()
    secret = svc.passphrase(org.oidc_client_secret_env) if org.oidc_client_secret_env else None
    if org.oidc_client_secret_env and not secret:
        raise NotConfigured()
    return client.OidcConfig(issuer=org.oidc_issuer, client_id=org.oidc_client_id, client_secret=secret,
                             redirect_uri=redirect_uri(svc),
                             personnummer_claim=org.oidc_personnummer_claim or client.DEFAULT_PERSONNUMMER_CLAIM)


def start_login(svc, token: str, *, lang: str = "sv") -> client.LoginStart:
    with svc.db.read() as session:
        request = find_active(session, svc, token)
        org = request.version.protocol.board.organisation
        if not uses_oidc(org):
            raise NotConfigured()
        config, request_id = config_for(svc, org), request.id
    start = client.begin(config, ui_locales=lang)  # discovery: may raise IdpUnavailable, nothing written yet
    with svc.db.write() as session:
        # Logins of this link that are used or too old can never be completed: keep the table small.
        session.execute(delete(OidcLogin).where(OidcLogin.request_id == request_id, or_(
            OidcLogin.used_at.is_not(None), OidcLogin.created_at < svc.clock() - LOGIN_VALID)))
        session.add(OidcLogin(request_id=request_id, state_hash=token_hash(start.state), nonce=start.nonce,
                              code_verifier=start.code_verifier, created_at=svc.clock()))
    return start


@dataclass(frozen=True)
class Identified:
    request_id: int
    match: str  # personnummer | name


def finish_login(svc, token: str, *, state: str, code: str, ip: str = "") -> Identified:
    """Complete the login for the link ``token`` (which the browser's session kept with ``state``)."""
    with svc.db.write() as session:
        login = session.execute(select(OidcLogin).filter_by(state_hash=token_hash(state or "")).with_for_update()
                                ).scalar_one_or_none()
        if login is None or login.used_at is not None or _aware(login.created_at) + LOGIN_VALID < svc.clock():
            raise LoginStateInvalid()
        # Burnt before anything else can fail: the same state is never accepted twice.
        login.used_at = svc.clock()
        nonce, verifier, request_id = login.nonce, login.code_verifier, login.request_id
    with svc.db.read() as session:
        request = find_active(session, svc, token)
        if request.id != request_id:
            raise LoginStateInvalid()
        config = config_for(svc, request.version.protocol.board.organisation)
    person = client.complete(config, code=code, nonce=nonce, code_verifier=verifier)
    mismatch = False
    with svc.db.write() as session:
        request = find_active(session, svc, token, lock=True)
        protocol = request.version.protocol
        if request.personnummer_hash:
            ok, match = (bool(person.personnummer) and personnummer_matches(
                request.personnummer_hash, svc.settings.secret_key, person.personnummer)), "personnummer"
        else:
            ok, match = names_match(request.name, person.name), "name"
        if ok:
            request.identified_by, request.identity_match, request.identified_at = OIDC, match, svc.clock()
            record(session, svc, org_id=protocol.organisation_id, kind="identified", protocol_id=protocol.id,
                   request_id=request.id, actor=request.email, ip=ip, method=OIDC, match=match,
                   issuer=config.issuer)
        else:
            mismatch = True
            # The name the IdP gave goes to the staff-only audit trail; the personnummer nowhere.
            record(session, svc, org_id=protocol.organisation_id, kind="identity_mismatch", protocol_id=protocol.id,
                   request_id=request.id, actor=request.email, ip=ip, method=OIDC, compared=match,
                   logged_in_as=person.name, issuer=config.issuer)
            queue_mail(session, svc, mails.identity_mismatch(
                to_staff=_staff_address(protocol, request.version), signer_name=request.name,
                logged_in_as=person.name, board=protocol.board.name, meeting_date=protocol.meeting_date,
                protocol_url=svc.urls.staff_protocol(protocol.id), lang=svc.settings.lang),
                org_id=protocol.organisation_id)
    if mismatch:
        raise IdentityMismatch()
    return Identified(request_id, match)


def _staff_address(protocol, version) -> str:
    """The staff user who sent the protocol; for one sent through the API, its secretary."""
    return protocol.created_by if is_valid_email(protocol.created_by or "") else live(version)[0].email
