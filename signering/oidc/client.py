"""The relying party: discovery, the authorization request (code flow with PKCE, state and
nonce) and the ID token's verification, all through Authlib.

Nothing here is checked by hand: Authlib's OAuth2Session builds the request and exchanges the
code with the PKCE verifier, and its OpenID mixin verifies the ID token's signature against
the IdP's JWKS, issuer, audience, expiry and nonce. This module only supplies the metadata
and keeps what the IdP said in our own types.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata

from .errors import IdpUnavailable, LoginRejected

log = logging.getLogger(__name__)

DEFAULT_PERSONNUMMER_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
#: what the Swedish OIDC profile asks for to get the name and the personal identity number
SCOPE = "openid profile https://id.oidc.se/scope/naturalPersonNumber"
TIMEOUT_S = 10


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    personnummer_claim: str = DEFAULT_PERSONNUMMER_CLAIM


@dataclass(frozen=True)
class LoginStart:
    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class Identity:
    """The verified person. ``personnummer`` is held only long enough to be compared."""
    subject: str
    name: str
    personnummer: str | None

    def __repr__(self) -> str:  # keep the number out of any log line or traceback
        return f"Identity(subject={self.subject!r}, name={self.name!r})"


def discover(issuer: str) -> dict:
    """The IdP's metadata from ``<issuer>/.well-known/openid-configuration``, checked.

    Fetched for every login, not cached: a login is rare, and an IdP that is down must be
    noticed before the signer is sent there (they get our message instead of a browser error)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT_S)
        response.raise_for_status()
        metadata = OpenIDProviderMetadata(response.json())
        metadata.validate()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OIDC discovery at %s failed: %s", url, exc)
        raise IdpUnavailable() from exc
    except Exception as exc:  # Authlib's metadata errors: an IdP we cannot use
        log.warning("OIDC discovery at %s gave unusable metadata: %s", url, exc)
        raise IdpUnavailable() from exc
    if metadata["issuer"] != issuer:
        # OpenID Connect Discovery 1.0, 4.3: the issuer must be exactly the one asked for.
        log.warning("OIDC discovery at %s names issuer %s", url, metadata["issuer"])
        raise IdpUnavailable()
    return dict(metadata)


def _session(config: OidcConfig) -> OAuth2Session:
    return OAuth2Session(config.client_id, config.client_secret, scope=SCOPE, redirect_uri=config.redirect_uri,
                         code_challenge_method="S256", default_timeout=TIMEOUT_S)


def begin(config: OidcConfig, *, ui_locales: str = "sv") -> LoginStart:
    """Where to send the signer's browser, and what to remember for the callback."""
    metadata = discover(config.issuer)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    with _session(config) as session:
        url, _ = session.create_authorization_url(metadata["authorization_endpoint"], state=state,
                                                  code_verifier=verifier, nonce=nonce, ui_locales=ui_locales)
    return LoginStart(url=url, state=state, nonce=nonce, code_verifier=verifier)


class _Verifier(OpenIDMixin):
    """Authlib's ID token checks, fed with metadata we fetched ourselves."""

    def __init__(self, config: OidcConfig, metadata: dict):
        self.client_id = config.client_id
        self.server_metadata = metadata
        self._config = config

    def load_server_metadata(self):
        return self.server_metadata

    def _get_session(self):
        return _session(self._config)


def complete(config: OidcConfig, *, code: str, nonce: str, code_verifier: str) -> Identity:
    """Exchange the code (with the PKCE verifier) and verify the ID token; the person in it."""
    metadata = discover(config.issuer)
    try:
        with _session(config) as session:
            token = session.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                        code_verifier=code_verifier)
    except requests.RequestException as exc:
        log.warning("OIDC token request to %s failed: %s", metadata["token_endpoint"], exc)
        raise IdpUnavailable() from exc
    except Exception as exc:  # an OAuth error answer (invalid_grant …): the code is no good
        log.warning("OIDC token request refused: %s", exc)
        raise LoginRejected() from exc
    if "id_token" not in token:
        log.warning("OIDC token response without id_token")
        raise LoginRejected()
    try:
        # Authlib checks the issuer by default but the audience only when told to.
        options = {"iss": {"essential": True, "value": metadata["issuer"]},
                   "aud": {"essential": True, "value": config.client_id},
                   "exp": {"essential": True}}
        claims = _Verifier(config, metadata).parse_id_token(token, nonce=nonce, claims_options=options, leeway=60)
    except requests.RequestException as exc:
        raise IdpUnavailable() from exc
    except Exception as exc:  # joserfc/Authlib: bad signature, wrong issuer or audience, expired, nonce
        log.warning("OIDC ID token rejected: %s", type(exc).__name__)
        raise LoginRejected() from exc
    name = (claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p))
    number = claims.get(config.personnummer_claim)
    return Identity(subject=str(claims.get("sub", "")), name=str(name or "").strip(),
                    personnummer=str(number) if number else None)
