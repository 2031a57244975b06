"""The whole signing chain of one protocol, step by step, without a database.

The web workflow calls these steps one at a time (one signer per request); ``demo-seal``,
the tests and the benchmarks run them back to back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from pyhanko.sign.timestamps import TimeStamper

from ..pki.orgkeys import OrgKeys
from ..signature_provider import OrganisationCA
from .seal import seal
from .signature_page import PageSigner, SignaturePageInfo, add_signature_page, field_name
from .signing import SignerIdentity
from ..urls import PublicUrls



@dataclass(frozen=True)
class Route:
    board: str
    meeting_date: dt.date
    signers: tuple[PageSigner, ...]
    organisation: str


def prepare(original: bytes, route: Route, base_url: str, lang: str = "sv",
            log_fingerprint: str = "") -> tuple[bytes, str]:
    """Add the signature page; return (prepared PDF, SHA-256 of the original)."""
    sha = hashlib.sha256(original).hexdigest()
    info = SignaturePageInfo(board=route.board, meeting_date=route.meeting_date, sha256=sha,
                             verify_url=PublicUrls(base_url).verify(sha), signers=route.signers,
                             organisation=route.organisation, lang=lang, log_fingerprint=log_fingerprint)
    return add_signature_page(original, info), sha


def sign_step(pdf: bytes, route: Route, index: int, keys: OrgKeys, timestamper: TimeStamper | None,
              document_sha256: str, lang: str = "sv", provider=None, identified_by: str = "email_code",
              idp: str | None = None, email: str | None = None) -> bytes:
    """Signer ``index`` signs their field, through ``provider`` (default: the organisation's CA).
    ``identified_by`` (email_code | oidc, with the IdP's issuer) goes into the certificate and the box."""
    person = route.signers[index]
    provider = provider or OrganisationCA(keys, timestamper)
    return provider.sign_field(pdf, field_name=field_name(index),
                               who=SignerIdentity(person.name, person.role, route.organisation, identified_by, idp,
                                                  email),
                               document_sha256=document_sha256, lang=lang)


def run_chain(original: bytes, route: Route, keys: OrgKeys, timestamper: TimeStamper, base_url: str,
              lang: str = "sv") -> bytes:
    pdf, sha = prepare(original, route, base_url, lang)
    for index in range(len(route.signers)):
        pdf = sign_step(pdf, route, index, keys, timestamper, sha, lang)
    return seal(pdf, keys=keys, timestamper=timestamper, document_sha256=sha)
