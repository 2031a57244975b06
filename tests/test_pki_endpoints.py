"""The public PKI endpoints: the CRLs the certificates name, and the organisation's TSA over HTTP."""

from __future__ import annotations

import hashlib

import pytest
import test_api_support as api
from asn1crypto import tsp
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from signering.pki.orgkeys import demo_keys


def test_signing_ca_crl_is_served_signed_and_current(tmp_path):
    env = api.make_env(tmp_path)
    r = env.client.get("/pki/solleftea/signing-ca.crl")
    assert r.status_code == 200 and r.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(r.data)
    keys = demo_keys()
    assert crl.is_signature_valid(keys.signing_ca.keypair.certificate.public_key())
    assert crl.next_update_utc > crl.last_update_utc
    # The per-signer certificates name exactly this URL.
    cert = keys.signing_ca.issue("Test Person", "justerare", "Sollefteå kommun").certificate
    points = cert.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    assert points[0].full_name[0].value.endswith("/pki/demo/signing-ca.crl")
    assert env.client.get("/pki/okand/signing-ca.crl").status_code == 404


def test_root_crls(tmp_path):
    env = api.make_env(tmp_path)
    root = demo_keys().root
    for path in ("/pki/root.crl", "/pki/solleftea/root.crl"):
        r = env.client.get(path)
        assert r.status_code == 200, path
        assert x509.load_der_x509_crl(r.data).is_signature_valid(root.public_key())


def _timestamp_request() -> bytes:
    return tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"x").digest()},
        "nonce": 42, "cert_req": True}).dump()


def test_public_tsa_is_off_unless_the_operator_turns_it_on(tmp_path, monkeypatch):
    monkeypatch.delenv("SIGNERING_PUBLIC_TSA", raising=False)
    env = api.make_env(tmp_path)
    for method in ("post", "get"):
        r = getattr(env.client, method)("/tsa/solleftea", data=_timestamp_request(),
                                        content_type="application/timestamp-query")
        assert r.status_code == 404, method
    monkeypatch.setenv("SIGNERING_PUBLIC_TSA", "0")
    (tmp_path / "off").mkdir()
    assert api.make_env(tmp_path / "off").client.post("/tsa/solleftea", data=_timestamp_request(),
                                                       content_type="application/timestamp-query").status_code == 404


def test_a_mistyped_public_tsa_setting_stops_the_start(tmp_path, monkeypatch):
    from signering.runtime import ConfigError

    monkeypatch.setenv("SIGNERING_PUBLIC_TSA", "kanske")
    with pytest.raises(ConfigError) as caught:
        api.make_env(tmp_path)
    assert "SIGNERING_PUBLIC_TSA" in caught.value.message("sv")


def test_tsa_answers_rfc3161_over_http(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNERING_PUBLIC_TSA", "1")
    env = api.make_env(tmp_path)
    req = tsp.TimeStampReq.load(_timestamp_request())
    r = env.client.post("/tsa/solleftea", data=req.dump(), content_type="application/timestamp-query")
    assert r.status_code == 200 and r.mimetype == "application/timestamp-reply"
    token = tsp.TimeStampResp.load(r.data)["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 42
    assert env.client.get("/tsa/solleftea").status_code == 405


def _ocsp_request(cert, issuer) -> bytes:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    return ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build().public_bytes(
        serialization.Encoding.DER)


def test_signer_certificates_name_the_ocsp_responder_which_answers_good(tmp_path):
    from cryptography.x509 import ocsp
    from cryptography.x509.oid import AuthorityInformationAccessOID

    env = api.make_env(tmp_path)
    keys = demo_keys()
    cert = keys.signing_ca.issue("Test Person", "justerare", "Sollefteå kommun").certificate
    aia = {d.access_method: d.access_location.value
           for d in cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value}
    assert aia[AuthorityInformationAccessOID.OCSP].endswith("/pki/demo/ocsp")
    assert aia[AuthorityInformationAccessOID.CA_ISSUERS].endswith("/pki/demo/signing-ca.crt")

    ca_cert = keys.signing_ca.keypair.certificate
    r = env.client.post("/pki/solleftea/ocsp", data=_ocsp_request(cert, ca_cert),
                        content_type="application/ocsp-request")
    assert r.status_code == 200 and r.mimetype == "application/ocsp-response"
    answer = ocsp.load_der_ocsp_response(r.data)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == cert.serial_number
    ca_cert.public_key().verify(answer.signature, answer.tbs_response_bytes,
                                *_verify_args(ca_cert, answer))
    assert answer.next_update_utc > answer.this_update_utc

    served = env.client.get("/pki/solleftea/signing-ca.crt")
    assert served.status_code == 200 and x509.load_der_x509_certificate(served.data) == ca_cert


def _verify_args(ca_cert, answer):
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if isinstance(ca_cert.public_key(), ec.EllipticCurvePublicKey):
        return (ec.ECDSA(answer.signature_hash_algorithm),)
    assert isinstance(ca_cert.public_key(), rsa.RSAPublicKey)
    return (padding.PKCS1v15(), answer.signature_hash_algorithm)


def test_ocsp_responder_refuses_other_issuers_and_garbage(tmp_path):
    from cryptography.x509 import ocsp

    env = api.make_env(tmp_path)
    keys = demo_keys()
    # The seal is issued by the root, not by the signing CA: not this responder's to answer.
    r = env.client.post("/pki/solleftea/ocsp", data=_ocsp_request(keys.seal.certificate, keys.root),
                        content_type="application/ocsp-request")
    assert ocsp.load_der_ocsp_response(r.data).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    r = env.client.post("/pki/solleftea/ocsp", data=b"not ocsp", content_type="application/ocsp-request")
    assert ocsp.load_der_ocsp_response(r.data).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert env.client.post("/pki/solleftea/ocsp", data=b"x", content_type="text/plain").status_code == 415
    assert env.client.post("/pki/okand/ocsp", data=b"x", content_type="application/ocsp-request").status_code == 404
