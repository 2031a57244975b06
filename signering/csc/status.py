"""The provider's OCSP answer for a signer's certificate, asked right after the signature.

Like the organisation's own CA (``signering.pdf.evidence``), the file must hold evidence of the
certificate's status from signing time; a verifier years later cannot ask the provider then.
The responder is the one the certificate names (Authority Information Access).
"""

from __future__ import annotations

import requests
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID

from .errors import CscRefused, CscUnavailable

TIMEOUT = 15


def ocsp_url(cert: asn1_x509.Certificate) -> str:
    """The certificate's OCSP responder; a certificate without one cannot be evidenced, so it is refused
    before anything is signed with it."""
    for url in cert.ocsp_urls:
        if url.startswith(("http://", "https://")):
            return url
    raise CscRefused(details=f"the certificate of {cert.subject.human_friendly} names no OCSP responder")


def fetch_status(cert: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bytes:
    """A successful OCSP response saying ``cert`` is good (DER)."""
    url = ocsp_url(cert)
    request = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_der_x509_certificate(cert.dump()), x509.load_der_x509_certificate(issuer.dump()), hashes.SHA256()
    ).build().public_bytes(serialization.Encoding.DER)
    try:
        answer = requests.post(url, data=request, headers={"Content-Type": "application/ocsp-request"},
                               timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise CscUnavailable(details=f"OCSP {url}: {exc.__class__.__name__}: {exc}") from exc
    if answer.status_code >= 500:
        raise CscUnavailable(details=f"OCSP {url}: HTTP {answer.status_code}")
    try:
        response = asn1_ocsp.OCSPResponse.load(answer.content)
        ok = response["response_status"].native == "successful"
        status = response.basic_ocsp_response["tbs_response_data"]["responses"][0]["cert_status"].name if ok else None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CscRefused(details=f"OCSP {url}: unreadable answer: {exc}") from exc
    if status != "good":
        raise CscRefused(details=f"OCSP {url}: certificate status {status or response['response_status'].native}")
    return answer.content


def issuer_of(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]) -> asn1_x509.Certificate:
    for candidate in chain:
        if candidate.subject == cert.issuer:
            return candidate
    raise CscRefused(details=f"the service gave no issuer certificate for {cert.subject.human_friendly}")
