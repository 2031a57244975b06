"""How a signer's signature is made, behind one small interface.

Today: :class:`OrganisationCA`, the organisation's own signing CA issuing a one-off
certificate per signer. Later an external federated signing service (BankID, Freja or SITHS
through the Swedish signservice protocol) fits here as another provider: it gets the same
prepared PDF and signer, and pyHanko's interrupted signing lets it return the signature
from elsewhere. The workflow only ever calls :meth:`SignatureProvider.sign_field`.
"""

from __future__ import annotations

from typing import Protocol

from pyhanko.sign.timestamps import TimeStamper

from .pdf.signing import SignerIdentity, sign_as
from .pki.orgkeys import OrgKeys


class SignatureProvider(Protocol):
    def sign_field(self, pdf: bytes, *, field_name: str, who: SignerIdentity, document_sha256: str,
                   lang: str = "sv") -> bytes:
        """Return ``pdf`` with ``who``'s signature in ``field_name`` (an incremental update)."""


class OrganisationCA:
    """Signs with a short-lived certificate from the organisation's own signing CA."""

    def __init__(self, keys: OrgKeys, timestamper: TimeStamper | None):
        self.keys = keys
        self.timestamper = timestamper

    def sign_field(self, pdf: bytes, *, field_name: str, who: SignerIdentity, document_sha256: str,
                   lang: str = "sv") -> bytes:
        return sign_as(pdf, field_name=field_name, who=who, ca=self.keys.signing_ca,
                       document_sha256=document_sha256, timestamper=self.timestamper, lang=lang)
