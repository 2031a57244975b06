"""The signing CA's OCSP responder (RFC 6960), served at ``/pki/<org>/ocsp``.

Signer certificates name this responder in their AIA. The evidence that matters is embedded
in each signature's revision when it is made (:meth:`SigningCA.status_at`); this endpoint lets
a validator that checks online get the same answer. The CA never revokes a signer certificate
(its key is dropped after one signature), so every serial it is asked about is "good": RFC 6960
2.2 defines that as "not revoked", which is true.
"""

from __future__ import annotations

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .ca import SigningCA

MAX_REQUEST_BYTES = 4096


def _failure(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def request_from_path(path_part: str) -> bytes:
    """The DER request of an RFC 6960 A.1 GET (``…/ocsp/<url-encoded base64>``); b"" if unreadable."""
    import base64
    import binascii
    from urllib.parse import unquote

    try:
        return base64.b64decode(unquote(path_part), validate=False)
    except (binascii.Error, ValueError):
        return b""


def respond(ca: SigningCA, request_der: bytes) -> bytes:
    """The DER OCSPResponse for ``request_der``: good, unauthorized (another CA) or malformed."""
    if len(request_der) > MAX_REQUEST_BYTES:
        return _failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _failure(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    issuer = ca.keypair.certificate
    algorithm = request.hash_algorithm
    if (_name_hash(issuer, algorithm), _key_hash(issuer, algorithm)) != (request.issuer_name_hash,
                                                                        request.issuer_key_hash):
        return _failure(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    now = ca.clock().replace(microsecond=0)
    response = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
                              serial_number=request.serial_number, algorithm=request.hash_algorithm,
                              cert_status=ocsp.OCSPCertStatus.GOOD, this_update=now,
                              next_update=now + ca.status_validity, revocation_time=None, revocation_reason=None)
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        .sign(ca.keypair.private_key, hashes.SHA256())
    )
    return response.public_bytes(serialization.Encoding.DER)


def _name_hash(cert, algorithm) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(cert.subject.public_bytes())
    return h.finalize()


def _key_hash(cert, algorithm) -> bytes:
    spki = asn1_keys.PublicKeyInfo.load(cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    h = hashes.Hash(algorithm)
    h.update(spki["public_key"].contents[1:])  # the key bits, without the unused-bits octet
    return h.finalize()
