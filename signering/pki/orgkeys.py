"""Everything one organisation signs with, loaded once.

``root`` is the trust anchor verifiers use; ``signing_ca`` issues per-signer certificates;
``seal`` is the organisation's e-sigill; ``tsa`` serves the embedded timestamp authority;
``root_crl`` is the revocation list for the certificates the root issued.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography import x509

from .ca import SigningCA
from .keys import DEMO_DIR, KeyPair, load_certificates, load_pem, load_pkcs12
from ..urls import PublicUrls


@dataclass
class OrgKeys:
    organisation: str
    root: x509.Certificate
    signing_ca: SigningCA
    seal: KeyPair
    tsa: KeyPair
    root_crl: x509.CertificateRevocationList | None = None

    def crls(self) -> list[x509.CertificateRevocationList]:
        """Revocation data for the long-lived certificates (signing CA, seal, TSA), for the DSS.

        The signing CA's own CRL is left out on purpose: issued at sealing, it says nothing about
        a signer certificate that expired days before, and an ETSI validator that finds it takes
        it as the newest evidence and slides past that certificate's life. Each signer
        certificate carries its own status response instead (:mod:`signering.pdf.evidence`).
        """
        return [self.root_crl] if self.root_crl is not None else []

    def all_certificates(self) -> list[x509.Certificate]:
        return [self.root, self.signing_ca.keypair.certificate, self.seal.certificate, self.tsa.certificate]


def _load_crl(path: str) -> x509.CertificateRevocationList | None:
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        data = fh.read()
    return x509.load_pem_x509_crl(data) if b"-----BEGIN" in data else x509.load_der_x509_crl(data)


def load_key_dir(directory: str, *, organisation: str, base_url: str, slug: str = "demo",
                 seal_p12_passphrase: str | None = None) -> OrgKeys:
    """Load the standard file layout of ``keys-example/`` from ``directory``.

    The seal is read from ``seal.p12`` when a passphrase is given, else from PEM files.
    """
    j = lambda f: os.path.join(directory, f)  # noqa: E731
    root = load_certificates(j("root.pem"))[0]
    ca_pair = load_pem(j("signing-ca.pem"), j("signing-ca.key.pem"), chain_paths=(j("root.pem"),))
    if seal_p12_passphrase is not None:
        seal = load_pkcs12(j("seal.p12"), seal_p12_passphrase)
    else:
        seal = load_pem(j("seal.pem"), j("seal.key.pem"), chain_paths=(j("root.pem"),))
    tsa = load_pem(j("tsa.pem"), j("tsa.key.pem"), chain_paths=(j("root.pem"),))
    pki = PublicUrls(base_url).pki(slug)
    ca = SigningCA(ca_pair, crl_url=f"{pki}/signing-ca.crl", ocsp_url=f"{pki}/ocsp", issuer_url=f"{pki}/signing-ca.crt")
    return OrgKeys(organisation=organisation, root=root, signing_ca=ca, seal=seal, tsa=tsa,
                   root_crl=_load_crl(j("root.crl.pem")))


def demo_keys(base_url: str = "http://localhost:8000", slug: str = "demo",
              organisation: str = "Demo kommun") -> OrgKeys:
    return load_key_dir(DEMO_DIR, organisation=organisation, base_url=base_url, slug=slug)
