"""The public PKI endpoints: the CRLs the certificates name, and the organisation's TSA over HTTP."""

from __future__ import annotations

import hashlib

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


def test_tsa_answers_rfc3161_over_http(tmp_path):
    env = api.make_env(tmp_path)
    req = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"x").digest()},
        "nonce": 42, "cert_req": True})
    r = env.client.post("/tsa/solleftea", data=req.dump(), content_type="application/timestamp-query")
    assert r.status_code == 200 and r.mimetype == "application/timestamp-reply"
    token = tsp.TimeStampResp.load(r.data)["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 42
    assert env.client.get("/tsa/solleftea").status_code == 405
