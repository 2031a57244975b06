"""The RFC 3161 TSA (signering.pki.tsa) and its client (signering.pki.tsa_client).

A throwaway PKI is built per test module; the TSA runs on loopback over real HTTP, and
tokens are checked with pyHanko's own validators against a context that trusts only our root.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import urllib.error
import urllib.request

import pytest
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signering.errors import KeyMaterialError, TimestampError, TimestampRejected, TimestampUnavailable
from signering.pki.tsa import MAX_REQUEST_BYTES, TimeStampAuthority, serve_in_thread
from signering.pki.tsa_client import make_timestamper
from signering.textpdf import render_text_pdf

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


# -- throwaway PKI ---------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class ThrowawayPki:
    def __init__(self):
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = (
            self._builder(_name("Test Root CA"), self.root_key.public_key())
            .issuer_name(_name("Test Root CA"))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .sign(self.root_key, hashes.SHA256())
        )

    def _builder(self, subject, public_key):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=365))
        )

    def issue(self, cn, key, *, eku=(ExtendedKeyUsageOID.TIME_STAMPING,), eku_critical=True, **usage):
        builder = self._builder(_name(cn), key.public_key()).issuer_name(self.root.subject)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(_key_usage(**(usage or {"digital_signature": True})), critical=True)
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=eku_critical)
        return _to_asn1(builder.sign(self.root_key, hashes.SHA256()))

    def tsa(self, key, **kwargs) -> TimeStampAuthority:
        return TimeStampAuthority(key, self.issue("Test TSA", key), [_to_asn1(self.root)], **kwargs)

    def validation_context(self) -> ValidationContext:
        return ValidationContext(trust_roots=[_to_asn1(self.root)], allow_fetching=False)


def _key_usage(**flags) -> x509.KeyUsage:
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


@pytest.fixture(scope="module")
def throwaway_pki() -> ThrowawayPki:
    return ThrowawayPki()


@pytest.fixture(scope="module")
def tsa_keys():
    return {"ec": ec.generate_private_key(ec.SECP256R1()), "rsa": rsa.generate_private_key(65537, 3072)}


@pytest.fixture(scope="module", params=["ec", "rsa"])
def served(request, throwaway_pki, tsa_keys):
    """(tsa, url) for a TSA with an EC P-256 key and one with an RSA-3072 key."""
    tsa = throwaway_pki.tsa(tsa_keys[request.param])
    url, stop = serve_in_thread(tsa.wsgi_app)
    yield tsa, url
    stop()


@pytest.fixture(scope="module")
def ec_url(throwaway_pki, tsa_keys):
    url, stop = serve_in_thread(throwaway_pki.tsa(tsa_keys["ec"]).wsgi_app)
    yield url
    stop()


# -- helpers -----------------------------------------------------------------------------------


def _request(algorithm="sha256", digest=None, *, nonce=None, cert_req=True, **extra) -> bytes:
    if digest is None:
        digest = hashlib.new(algorithm, b"protokoll").digest()
    req = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "cert_req": cert_req,
        **extra,
    }
    if nonce is not None:
        req["nonce"] = nonce
    return tsp.TimeStampReq(req).dump()


def _post(url, body: bytes, content_type="application/timestamp-query", method="POST"):
    req = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _status(reply: bytes):
    # The client's schema, where a rejection (no token) parses.
    from signering.pki.tsa_client import _TimeStampResp

    return _TimeStampResp.load(reply)["status"].native


def _tst_info(token: cms.ContentInfo) -> dict:
    return token["content"]["encap_content_info"]["content"].parsed.native


def _validate_token(token: cms.ContentInfo, vc: ValidationContext, digest: bytes) -> TimestampSignatureStatus:
    kwargs = asyncio.run(validate_tst_signed_data(token["content"], vc, lambda _algo: digest))
    return TimestampSignatureStatus(**kwargs)


# -- tokens over HTTP through pyHanko's client ---------------------------------------------------


def test_token_from_http_client_is_intact_valid_and_trusted(served, throwaway_pki):
    tsa, url = served
    digest = hashlib.sha256(b"protokoll KS 2025-09-23").digest()
    token = asyncio.run(make_timestamper(url).async_timestamp(digest, "sha256"))

    status = _validate_token(token, throwaway_pki.validation_context(), digest)
    assert status.intact and status.valid and status.trusted, status.summary()
    info = _tst_info(token)
    assert info["policy"] == tsa.policy_oid
    assert info["message_imprint"]["hashed_message"] == digest
    assert abs(info["gen_time"] - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=30)

    signer_info = token["content"]["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
    assert set(attrs) == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    assert attrs["content_type"].native == "tst_info"
    ess = attrs["signing_certificate_v2"]["certs"][0]
    tsa_cert = status.signing_cert
    assert ess["hash_algorithm"]["algorithm"].native == "sha256"
    assert ess["cert_hash"].native == hashlib.sha256(tsa_cert.dump()).digest()


def test_token_is_rejected_by_a_validator_that_does_not_trust_our_root(served, throwaway_pki):
    _, url = served
    digest = hashlib.sha256(b"x").digest()
    token = asyncio.run(make_timestamper(url).async_timestamp(digest, "sha256"))
    other_root = ThrowawayPki()
    status = _validate_token(token, other_root.validation_context(), digest)
    assert status.intact and status.valid
    assert not status.trusted


@pytest.mark.parametrize("algorithm", ["sha384", "sha512"])
def test_sha384_and_sha512_imprints_are_granted(served, throwaway_pki, algorithm):
    _, url = served
    digest = hashlib.new(algorithm, b"protokoll").digest()
    token = asyncio.run(make_timestamper(url).async_timestamp(digest, algorithm))
    assert _tst_info(token)["message_imprint"]["hash_algorithm"]["algorithm"] == algorithm
    status = _validate_token(token, throwaway_pki.validation_context(), digest)
    assert status.intact and status.valid and status.trusted


def test_nonce_is_echoed_and_certs_follow_cert_req(ec_url):
    nonce = 0x1234_5678_9ABC_DEF0_1122
    status, headers, body = _post(ec_url, _request(nonce=nonce, cert_req=True))
    assert status == 200 and headers["Content-Type"] == "application/timestamp-reply"
    resp = tsp.TimeStampResp.load(body)
    assert resp["status"]["status"].native == "granted"
    token = resp["time_stamp_token"]
    assert _tst_info(token)["nonce"] == nonce
    subjects = [c.chosen.subject.native["common_name"] for c in token["content"]["certificates"]]
    assert sorted(subjects) == ["Test Root CA", "Test TSA"]

    _, _, body = _post(ec_url, _request(cert_req=False))
    token = tsp.TimeStampResp.load(body)["time_stamp_token"]
    assert _tst_info(token)["nonce"] is None
    assert not token["content"]["certificates"]


def test_fixed_clock_serial_policy_and_accuracy_land_in_the_token(throwaway_pki, tsa_keys):
    fixed = dt.datetime(2025, 10, 7, 9, 30, 15, 250000, tzinfo=dt.timezone.utc)
    tsa = throwaway_pki.tsa(tsa_keys["ec"], clock=lambda: fixed, serial_source=lambda: 4711,
                  policy_oid="1.2.752.999.1", accuracy=dt.timedelta(milliseconds=500))
    token = tsp.TimeStampResp.load(tsa.respond(_request()))["time_stamp_token"]
    info = _tst_info(token)
    assert info["gen_time"] == fixed
    assert info["serial_number"] == 4711
    assert info["policy"] == "1.2.752.999.1"
    assert info["accuracy"] == {"seconds": None, "millis": 500, "micros": None}
    signed = {a["type"].native: a["values"][0].native for a in token["content"]["signer_infos"][0]["signed_attrs"]}
    assert signed["signing_time"] == fixed.replace(microsecond=0)

    # Asking for another policy is refused, asking for ours is granted.
    assert _status(tsa.respond(_request(req_policy="1.2.752.999.2")))["fail_info"] == {"unaccepted_policy"}
    assert _status(tsa.respond(_request(req_policy="1.2.752.999.1")))["status"] == "granted"


def test_default_serials_are_fresh(throwaway_pki, tsa_keys):
    tsa = throwaway_pki.tsa(tsa_keys["ec"])
    serials = {_tst_info(tsp.TimeStampResp.load(tsa.respond(_request()))["time_stamp_token"])["serial_number"]
               for _ in range(20)}
    assert len(serials) == 20 and all(s > 0 for s in serials)


# -- rejections ----------------------------------------------------------------------------------


def test_unknown_hash_oid_gets_a_bad_alg_rejection_not_a_500(ec_url):
    status, headers, body = _post(ec_url, _request("1.2.3.4.5", b"\x00" * 32))
    assert status == 200 and headers["Content-Type"] == "application/timestamp-reply"
    reply = _status(body)
    assert reply["status"] == "rejection"
    assert reply["fail_info"] == {"bad_alg"}
    assert body[:64].find(b"\x02\x01\x02") != -1  # PKIStatus INTEGER 2 on the wire


@pytest.mark.parametrize(
    ("body", "fail_info"),
    [
        (b"this is not DER", "bad_request"),
        (b"", "bad_request"),
        (b"\x30\x03\x02\x01\x01", "bad_request"),  # a SEQUENCE with only a version
        (_request("sha1"), "bad_alg"),
        (_request("md5"), "bad_alg"),
        (_request("sha256", b"\x00" * 20), "bad_data_format"),
        (_request(version=2), "bad_request"),
        (_request(extensions=[{"extn_id": "1.2.3.4", "critical": False, "extn_value": b"x"}]), "unaccepted_extensions"),
        (_request(nonce=-5), "bad_request"),
    ],
)
def test_bad_requests_get_rejections(ec_url, body, fail_info):
    status, _, reply = _post(ec_url, body)
    assert status == 200
    assert _status(reply)["status"] == "rejection"
    assert _status(reply)["fail_info"] == {fail_info}


def test_http_errors(ec_url):
    status, headers, _ = _post(ec_url, b"", method="GET")
    assert status == 405 and headers["Allow"] == "POST"
    assert _post(ec_url, _request(), content_type="application/octet-stream")[0] == 400
    assert _post(ec_url, b"\x30" * (MAX_REQUEST_BYTES + 1))[0] == 400
    # Parameters on the media type are allowed.
    assert _post(ec_url, _request(), content_type="application/timestamp-query; charset=binary")[0] == 200


# -- configuration errors --------------------------------------------------------------------


def test_certificate_without_critical_timestamping_eku_is_refused(throwaway_pki, tsa_keys):
    key = tsa_keys["ec"]
    root = [_to_asn1(throwaway_pki.root)]
    with pytest.raises(KeyMaterialError):
        TimeStampAuthority(key, throwaway_pki.issue("no eku", key, eku=()), root)
    with pytest.raises(KeyMaterialError):
        TimeStampAuthority(key, throwaway_pki.issue("not critical", key, eku_critical=False), root)
    with pytest.raises(KeyMaterialError):
        TimeStampAuthority(key, throwaway_pki.issue("two purposes", key, eku=(
            ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING)), root)
    with pytest.raises(KeyMaterialError):
        TimeStampAuthority(ec.generate_private_key(ec.SECP256R1()), throwaway_pki.issue("other key", key), root)


def test_p384_key_signs_with_sha384(throwaway_pki):
    key = ec.generate_private_key(ec.SECP384R1())
    tsa = throwaway_pki.tsa(key)
    token = tsp.TimeStampResp.load(tsa.respond(_request()))["time_stamp_token"]
    assert token["content"]["signer_infos"][0]["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"
    status = _validate_token(token, throwaway_pki.validation_context(), hashlib.sha256(b"protokoll").digest())
    assert status.intact and status.valid and status.trusted


# -- client errors ---------------------------------------------------------------------------------


def test_client_reports_a_rejection_as_timestamp_rejected(ec_url):
    with pytest.raises(TimestampRejected) as caught:
        asyncio.run(make_timestamper(ec_url).async_timestamp(hashlib.sha1(b"x").digest(), "sha1"))
    assert "bad_alg" in caught.value.message("en")
    assert caught.value.code == "timestamp_rejected"


def test_client_reports_an_unreachable_service(throwaway_pki, tsa_keys):
    url, stop = serve_in_thread(throwaway_pki.tsa(tsa_keys["ec"]).wsgi_app)
    stop()  # the port is now closed
    with pytest.raises(TimestampUnavailable) as caught:
        asyncio.run(make_timestamper(url, timeout=2).async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
    assert url in caught.value.message("sv")


def _not_found_app(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no TSA here"]


def test_client_reports_a_wrong_url_and_a_wrong_nonce(throwaway_pki, tsa_keys):
    url, stop = serve_in_thread(_not_found_app)
    try:
        with pytest.raises(TimestampRejected) as caught:
            asyncio.run(make_timestamper(url).async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
        assert caught.value.details["http_status"] == 404
    finally:
        stop()

    # A server that replays an old reply: real TSA bytes, but not for this request.
    digest = hashlib.sha256(b"x").digest()
    old_reply = throwaway_pki.tsa(tsa_keys["ec"]).respond(_request(digest=digest, nonce=1))

    def replaying_app(environ, start_response):
        environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("200 OK", [("Content-Type", "application/timestamp-reply")])
        return [old_reply]

    url, stop = serve_in_thread(replaying_app)
    try:
        with pytest.raises(TimestampError) as caught:
            asyncio.run(make_timestamper(url).async_timestamp(digest, "sha256"))
        assert "nonce" in caught.value.message("en")
    finally:
        stop()


# -- a PDF signature with a timestamp from our TSA -------------------------------------------------


def test_pdf_signature_timestamp_is_trusted(served, throwaway_pki):
    _, url = served
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = throwaway_pki.issue("Anna Andersson", signer_key, eku=(), digital_signature=True, content_commitment=True)
    signer = signers.SimpleSigner(
        signing_cert=signer_cert,
        signing_key=_asn1_private_key(signer_key),
        cert_registry=SimpleCertificateStore.from_certs([_to_asn1(throwaway_pki.root)]),
    )
    pdf = render_text_pdf("Protokoll från kommunstyrelsen.")
    out = io.BytesIO()
    signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Justerare"), signer=signer, timestamper=make_timestamper(url)
    ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)

    sig = PdfFileReader(out).embedded_signatures[0]
    status = validate_pdf_signature(sig, throwaway_pki.validation_context(), ts_validation_context=throwaway_pki.validation_context())
    ts = status.timestamp_validity
    assert ts is not None
    assert ts.intact and ts.valid and ts.trusted, ts.summary()
    assert status.bottom_line, status.summary()
    assert abs(ts.timestamp - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=30)


def _asn1_private_key(key):
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)
