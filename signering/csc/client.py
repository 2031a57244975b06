"""Talking to a CSC service: its settings, its ``info``, a token, a credential and hash-pinned SAD.

pyHanko's CSC client (``pyhanko.sign.signers.csc_signer``) calls ``credentials/info`` and
``signatures/signHash``; what it leaves to the caller is here: authenticating to the service and
getting the Signature Activation Data from ``credentials/authorize``. Supported: services that
authenticate the client themselves or not at all (``authType`` "external") and services that take
an OAuth2 client-credentials token ("oauth2client"), with credentials whose ``authMode`` is
"implicit". A service that wants the signer sent to it (``oauth2code``) or a PIN/OTP ("explicit")
is refused plainly: that needs a redirect in the signing page, which is not built yet.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp
from pyhanko.sign.signers.csc_signer import (CSCAuthorizationInfo, CSCAuthorizationManager, CSCCredentialInfo,
                                             CSCServiceSessionInfo, fetch_certs_in_csc_credential)

from .errors import CscRefused, CscUnavailable

log = logging.getLogger("signering.csc")

#: the setting's value -> the path segment (/csc/v1/...). Version 2 moves the same calls; pyHanko
#: still sends version 1.0.4's request bodies, so only 1.0.4 is tested.
API_VERSIONS = {"1.0.4": "v1", "2": "v2"}
DEFAULT_API_VERSION = "1.0.4"
#: the ways the service may authenticate Signering that need no signer at the service's pages
CLIENT_AUTH_TYPES = ("external", "oauth2client")
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass(frozen=True)
class CscConfig:
    url: str
    credential: str
    api_version: str = DEFAULT_API_VERSION
    client_id: str | None = None
    client_secret: str | None = None

    @property
    def api_ver(self) -> str:
        return API_VERSIONS[self.api_version]

    def endpoint(self, name: str) -> str:
        return f"{self.url.rstrip('/')}/csc/{self.api_ver}/{name}"

    def credential_for(self, email: str | None) -> str:
        """The credential ID for a signer: the setting itself, or with {email} filled in."""
        if "{email}" in self.credential and not email:
            raise CscRefused(details="the credential template needs the signer's e-mail address")
        return self.credential.replace("{email}", (email or "").strip().lower())


async def _post(session: aiohttp.ClientSession, url: str, body: dict, headers: dict | None = None,
                data: dict | None = None) -> dict:
    """One call; a service that cannot be reached is CscUnavailable, any other failure CscRefused."""
    try:
        async with session.post(url, json=None if data else body, data=data, headers=headers or {},
                                timeout=TIMEOUT) as response:
            if response.status >= 500:
                raise CscUnavailable(details=f"{url}: HTTP {response.status}")
            if response.status >= 400:
                raise CscRefused(details=f"{url}: HTTP {response.status} {(await response.text())[:300]}")
            return await response.json(content_type=None)
    except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
        raise CscUnavailable(details=f"{url}: {exc.__class__.__name__}: {exc}") from exc
    except (aiohttp.ClientError, ValueError) as exc:
        raise CscRefused(details=f"{url}: {exc.__class__.__name__}: {exc}") from exc


async def service_info(session: aiohttp.ClientSession, config: CscConfig) -> dict:
    info = await _post(session, config.endpoint("info"), {})
    offered = info.get("authType") or []
    if not any(kind in offered for kind in CLIENT_AUTH_TYPES):
        raise CscRefused(details=f"the service's authType {offered} needs the signer at its own pages "
                                 f"(supported: {', '.join(CLIENT_AUTH_TYPES)})")
    return info


def check_service(config: CscConfig) -> dict:
    """For ``org configure``: the service answers ``info`` and authenticates in a way we support."""
    async def run() -> dict:
        async with aiohttp.ClientSession() as session:
            return await service_info(session, config)
    return asyncio.run(run())


async def access_token(session: aiohttp.ClientSession, config: CscConfig, info: dict) -> str | None:
    """An OAuth2 client-credentials token when the service asks for one; else none is sent."""
    if "external" in (info.get("authType") or []):
        return None
    base = info.get("oauth2")
    if not (base and config.client_id and config.client_secret):
        raise CscRefused(details="the service wants an OAuth2 client token: set its oauth2 URL, client ID and secret")
    answer = await _post(session, f"{base.rstrip('/')}/oauth2/token", {}, data={
        "grant_type": "client_credentials", "client_id": config.client_id, "client_secret": config.client_secret})
    token = answer.get("access_token")
    if not token:
        raise CscRefused(details="the token endpoint gave no access_token")
    return token


async def open_credential(session: aiohttp.ClientSession, config: CscConfig,
                          credential_id: str) -> tuple[CSCServiceSessionInfo, CSCCredentialInfo]:
    """The credential's certificates (signer first, then the chain) and what it allows."""
    info = await service_info(session, config)
    session_info = CSCServiceSessionInfo(service_url=config.url.rstrip("/"), credential_id=credential_id,
                                         oauth_token=await access_token(session, config, info),
                                         api_ver=config.api_ver)
    # pyHanko's own call; reachability was proven by ``info`` just now, so a failure here is the credential's.
    try:
        credential = await fetch_certs_in_csc_credential(session, session_info)
    except Exception as exc:  # pyHanko wraps the HTTP error in its SigningError
        cause = exc.__cause__ or exc
        if isinstance(cause, (aiohttp.ClientConnectionError, asyncio.TimeoutError)):
            raise CscUnavailable(details=f"credentials/info: {cause}") from exc
        raise CscRefused(details=f"credentials/info for {credential_id}: {cause}") from exc
    mode = credential.response_data.get("authMode", "implicit")
    if mode != "implicit":
        raise CscRefused(details=f"credential {credential_id} has authMode {mode!r}; only 'implicit' is supported")
    return session_info, credential


class PinnedAuthorization(CSCAuthorizationManager):
    """``credentials/authorize`` for exactly the hashes about to be signed (SCAL 2 and SCAL 1 alike)."""

    def __init__(self, session: aiohttp.ClientSession, session_info: CSCServiceSessionInfo,
                 credential: CSCCredentialInfo, description: str):
        super().__init__(session_info, credential)
        self.session = session
        self.description = description

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = self.format_csc_auth_request(hash_b64s=hash_b64s, description=self.description[:500])
        answer = await _post(self.session, self.csc_session_info.endpoint_url("credentials/authorize"), body,
                             headers=self.auth_headers)
        return self.parse_csc_auth_response(answer)
