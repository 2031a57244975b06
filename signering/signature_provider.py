"""How a signer's signature is made, behind one small interface.

:class:`OrganisationCA`, the organisation's own signing CA issuing a one-off certificate per
signer, or :class:`signering.csc.provider.CscProvider`, a remote signing service speaking the
CSC API (``Services.signature_provider_for`` chooses by the organisation's setting). Both get the
same prepared PDF and signer and sign in one step; a provider that must send the signer to its own
pages first would make this two-phase (pyHanko's interrupted signing). The workflow only ever
calls :meth:`SignatureProvider.sign_field`.
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
