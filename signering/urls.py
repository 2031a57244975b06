"""The public URLs the core puts into mails, PDFs and certificates, built in one place.

The web layer serves these paths (see web/*/blueprint.py); the core only needs to name them,
in an invitation, on the signature page's QR code or in a certificate's AIA. A path changed
here and not there (or the reverse) is caught by tests/test_urls.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicUrls:
    base_url: str

    @property
    def base(self) -> str:
        return self.base_url.rstrip("/")

    def verify(self, sha256: str) -> str:
        """The verification page for a protocol: the QR code's and the mails' "Verifiera" link."""
        return f"{self.base}/verifiera/{sha256}"

    def sealed_pdf(self, sha256: str) -> str:
        return f"{self.base}/protokoll/{sha256}.pdf"

    def signing_link(self, token: str) -> str:
        return f"{self.base}/signera/{token}"

    def staff_protocol(self, protocol_id: int) -> str:
        return f"{self.base}/sekreterare/protokoll/{protocol_id}"

    def pki(self, slug: str) -> str:
        """Where an organisation's CRLs, OCSP responder and CA certificate are served."""
        return f"{self.base}/pki/{slug}"
