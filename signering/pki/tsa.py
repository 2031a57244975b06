"""An RFC 3161 Time-Stamp Authority: TimeStampReq in, TimeStampResp out.

Written on ``cryptography`` and ``asn1crypto`` because pyHanko's DummyTimeStamper signs with
RSA only and spends ~90 ms a token; this one signs with EC P-256/P-384 or RSA in well under
a millisecond of key time. The tokens carry the signed attributes PAdES validators expect
(content-type, message-digest, signing-time, signingCertificateV2).

Bad input never raises: every request we cannot serve gets a ``rejection`` response with the
RFC's failInfo, so a client always learns why. Misconfiguration (a certificate without the
timeStamping purpose, a key that does not match it) raises at construction instead, because
a TSA that starts anyway would only hand out tokens no validator accepts.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from asn1crypto import algos, cms, core, tsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from signering.errors import KeyMaterialError

log = logging.getLogger(__name__)

#: Our own policy OID, under the UUID arc 2.25 (ITU-T X.667) so it needs no registration.
#: Configure your organisation's policy OID when it has one.
DEFAULT_POLICY_OID = "2.25.38232316083829772635150325190553126507"

#: RFC 3161 requests are ~100 bytes; anything near this limit is not a timestamp request.
MAX_REQUEST_BYTES = 64 * 1024

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"

# Imprint algorithms we accept, with their digest length (the RFC asks us to check it).
_IMPRINT_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}

_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


class _TimeStampResp(tsp.TimeStampResp):
    # asn1crypto marks the token mandatory, but RFC 3161 omits it in every rejection.
    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class _Rejection(Exception):
    """Internal: carries the failInfo bit and text of a refused request."""

    def __init__(self, fail_info: str, text: str):
        super().__init__(text)
        self.fail_info = fail_info
        self.text = text


def _default_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _default_serial() -> int:
    # 128 random bits: unique without shared state, so several TSA processes need no counter.
    return secrets.randbits(128) or 1


def _cms_time(when: dt.datetime) -> cms.Time:
    # CMS (RFC 5652, 11.3) wants UTCTime for 1950-2049 and GeneralizedTime otherwise.
    if 1950 <= when.year < 2050:
        return cms.Time({"utc_time": core.UTCTime(when.replace(microsecond=0))})
    return cms.Time({"generalized_time": core.GeneralizedTime(when.replace(microsecond=0))})


def _attribute(name: str, value) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": name, "values": [value]})


class TimeStampAuthority:
    """Issues RFC 3161 timestamp tokens; ``respond`` for bytes, ``wsgi_app`` for HTTP."""

    def __init__(
        self,
        private_key,
        certificate: x509.Certificate,
        chain: Iterable[x509.Certificate] = (),
        policy_oid: str = DEFAULT_POLICY_OID,
        clock: Callable[[], dt.datetime] = _default_clock,
        serial_source: Callable[[], int] = _default_serial,
        accuracy: dt.timedelta | None = dt.timedelta(seconds=1),
    ):
        _check_certificate(certificate)
        _check_key_matches(private_key, certificate)
        self.certificate = certificate
        self.policy_oid = policy_oid
        self._clock = clock
        self._serial_source = serial_source
        self._accuracy = _accuracy(accuracy)
        self._sign, digest, sig_algo = _signing_scheme(private_key)
        self._hash = _HASHES[digest]
        self._digest_algo = algos.DigestAlgorithm({"algorithm": digest})
        self._sig_algo = algos.SignedDigestAlgorithm({"algorithm": sig_algo})
        # The parts that are the same in every token are encoded once and re-loaded per token:
        # a freshly loaded asn1crypto value dumps its cached bytes, while a reused built one is
        # copied and re-encoded down to every name attribute (7 ms a token instead of <1 ms).
        issuer_serial = {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        self._sid_der = cms.SignerIdentifier({"issuer_and_serial_number": issuer_serial}).dump()
        self._ess_attr_der = _attribute("signing_certificate_v2", _signing_certificate_v2(certificate)).dump()
        self._ct_attr_der = _attribute("content_type", "tst_info").dump()
        self._tsa_name_der = x509.GeneralName({"directory_name": certificate.subject}).dump()
        self._cert_ders = [c.dump() for c in (certificate, *chain)]

    # -- RFC 3161 over bytes ---------------------------------------------------------------

    def respond(self, request_der: bytes) -> bytes:
        """Answer one DER ``TimeStampReq`` with a DER ``TimeStampResp`` (granted or rejected)."""
        try:
            request = _parse_request(request_der, self.policy_oid)
        except _Rejection as rejection:
            log.info("timestamp request rejected: %s", rejection.text)
            return _rejection_response(rejection)
        token = self._issue(request)
        return _TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()

    def _issue(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the TSA clock must return an aware datetime")
        now = now.astimezone(dt.timezone.utc)
        serial = self._serial_source()
        if serial <= 0:
            raise ValueError("the TSA serial source must return a positive integer")

        tst_info = {
            "version": "v1",
            "policy": self.policy_oid,
            "message_imprint": request["message_imprint"],
            "serial_number": serial,
            "gen_time": core.GeneralizedTime(now),
            "tsa": x509.GeneralName.load(self._tsa_name_der),
        }
        if self._accuracy is not None:
            tst_info["accuracy"] = self._accuracy
        if request["nonce"].native is not None:
            tst_info["nonce"] = request["nonce"].native
        tst_info_der = tsp.TSTInfo(tst_info).dump()

        digest = hashes.Hash(self._hash())
        digest.update(tst_info_der)
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute.load(self._ct_attr_der),
                _attribute("signing_time", _cms_time(now)),
                _attribute("message_digest", digest.finalize()),
                cms.CMSAttribute.load(self._ess_attr_der),
            ]
        )
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self._sid_der),
                "digest_algorithm": self._digest_algo,
                "signed_attrs": signed_attrs,
                "signature_algorithm": self._sig_algo,
                # The signature covers the attributes' DER as a SET (RFC 5652, 5.4).
                "signature": self._sign(signed_attrs.dump()),
            }
        )
        signed_data = {
            "version": "v3",
            "digest_algorithms": [self._digest_algo],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info_der)},
            "signer_infos": [signer_info],
        }
        if request["cert_req"].native:
            signed_data["certificates"] = [cms.CertificateChoices.load(der) for der in self._cert_ders]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})

    # -- HTTP (RFC 3161, 3.4) ------------------------------------------------------------------

    def wsgi_app(self, environ, start_response):
        """WSGI callable: POST application/timestamp-query in, application/timestamp-reply out."""
        if environ.get("REQUEST_METHOD") != "POST":
            return _plain(start_response, "405 Method Not Allowed", "Use POST.\n", [("Allow", "POST")])
        media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media_type != QUERY_TYPE:
            return _plain(start_response, "400 Bad Request", f"Content-Type must be {QUERY_TYPE}.\n")
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        stream = environ["wsgi.input"]
        if length > MAX_REQUEST_BYTES:
            return _plain(start_response, "400 Bad Request", "Request body too large.\n")
        if length >= 0:
            body = stream.read(length)
        elif environ.get("wsgi.input_terminated"):
            # Chunked upload: the server ends the stream, so reading one byte past the limit is safe.
            body = stream.read(MAX_REQUEST_BYTES + 1)
            if len(body) > MAX_REQUEST_BYTES:
                return _plain(start_response, "400 Bad Request", "Request body too large.\n")
        else:
            return _plain(start_response, "411 Length Required", "Content-Length is required.\n")
        reply = self.respond(body)
        start_response("200 OK", [("Content-Type", REPLY_TYPE), ("Content-Length", str(len(reply)))])
        return [reply]


def _parse_request(request_der: bytes, policy_oid: str) -> tsp.TimeStampReq:
    try:
        request = tsp.TimeStampReq.load(request_der, strict=True)
        # asn1crypto parses lazily; .native forces every field so errors surface here.
        request.native
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError… on junk
        raise _Rejection("bad_request", "The request is not a DER TimeStampReq.") from exc
    if request["version"].native != "v1":
        raise _Rejection("bad_request", "Only TimeStampReq version 1 is supported.")
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in _IMPRINT_LENGTHS:
        raise _Rejection("bad_alg", f"Unsupported hash algorithm {algorithm}; use sha256, sha384 or sha512.")
    if len(imprint["hashed_message"].native) != _IMPRINT_LENGTHS[algorithm]:
        raise _Rejection("bad_data_format", f"The imprint length does not match {algorithm}.")
    requested_policy = request["req_policy"].native
    if requested_policy is not None and request["req_policy"].dotted != policy_oid:
        raise _Rejection("unaccepted_policy", f"This TSA only issues under policy {policy_oid}.")
    if request["extensions"].native:
        raise _Rejection("unaccepted_extensions", "This TSA supports no request extensions.")
    nonce = request["nonce"].native
    if nonce is not None and nonce < 0:
        raise _Rejection("bad_request", "The nonce must not be negative.")
    return request


def _rejection_response(rejection: _Rejection) -> bytes:
    status = {"status": "rejection", "status_string": [rejection.text], "fail_info": {rejection.fail_info}}
    return _TimeStampResp({"status": status}).dump()


def _plain(start_response, status: str, text: str, extra_headers=()):
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *extra_headers]
    start_response(status, headers)
    return [body]


def _accuracy(accuracy: dt.timedelta | None) -> tsp.Accuracy | None:
    if accuracy is None:
        return None
    micros_total = round(accuracy.total_seconds() * 1_000_000)
    if micros_total <= 0:
        raise ValueError("accuracy must be positive or None")
    seconds, rest = divmod(micros_total, 1_000_000)
    millis, micros = divmod(rest, 1000)
    # RFC 3161: absent fields mean zero, and millis/micros must lie in 1..999 when present.
    fields = {name: value for name, value in (("seconds", seconds), ("millis", millis), ("micros", micros)) if value}
    return tsp.Accuracy(fields)


def _signing_certificate_v2(certificate: x509.Certificate) -> tsp.SigningCertificateV2:
    # RFC 5035: ESSCertIDv2 with SHA-256 (the default algorithm, so it is left out of the DER).
    cert_hash = hashes.Hash(hashes.SHA256())
    cert_hash.update(certificate.dump())
    issuer_serial = {
        "issuer": [x509.GeneralName({"directory_name": certificate.issuer})],
        "serial_number": certificate.serial_number,
    }
    return tsp.SigningCertificateV2({"certs": [{"cert_hash": cert_hash.finalize(), "issuer_serial": issuer_serial}]})


def _signing_scheme(private_key):
    """Return (sign(bytes) -> signature, digest name, CMS signature algorithm name)."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        # Match the digest to the curve's strength (P-256 → SHA-256, P-384 → SHA-384, …).
        digest = {256: "sha256", 384: "sha384"}.get(private_key.curve.key_size, "sha512")
        algorithm = ec.ECDSA(_HASHES[digest]())
        return (lambda data: private_key.sign(data, algorithm)), digest, f"{digest}_ecdsa"
    if isinstance(private_key, rsa.RSAPrivateKey):
        digest = "sha256"
        return (lambda data: private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())), digest, f"{digest}_rsa"
    raise KeyMaterialError(
        "Tidsstämpelnyckeln har en typ som inte stöds. Använd en EC-nyckel (P-256 eller P-384) eller RSA.",
        "The timestamp key has an unsupported type. Use an EC key (P-256 or P-384) or RSA.",
        key_type=type(private_key).__name__,
    )


def _check_certificate(certificate: x509.Certificate) -> None:
    # RFC 3161, 2.3: the TSA certificate has exactly one EKU, id-kp-timeStamping, marked critical.
    purposes = certificate.extended_key_usage_value
    if (
        purposes is None
        or purposes.native != ["time_stamping"]
        or "extended_key_usage" not in certificate.critical_extensions
    ):
        raise KeyMaterialError(
            "Tidsstämpelcertifikatet saknar användningsområdet tidsstämpling (kritisk extendedKeyUsage "
            "id-kp-timeStamping som enda syfte). Ställ ut ett certifikat för tidsstämpling.",
            "The timestamp certificate lacks the time-stamping purpose (critical extendedKeyUsage "
            "id-kp-timeStamping as its only purpose). Issue a certificate for time-stamping.",
            subject=certificate.subject.human_friendly,
        )


def _check_key_matches(private_key, certificate: x509.Certificate) -> None:
    try:
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except AttributeError:
        public_der = None
    if public_der != certificate.public_key.dump():
        raise KeyMaterialError(
            "Tidsstämpelnyckeln hör inte till tidsstämpelcertifikatet. Kontrollera att rätt nyckelfil är konfigurerad.",
            "The timestamp key does not belong to the timestamp certificate. Check that the right key file is configured.",
            subject=certificate.subject.human_friendly,
        )


# -- a small threaded HTTP server for the CLI demo and tests ----------------------------------


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    # wsgiref writes headers and body separately; with Nagle on, the body waits for the
    # client's delayed ACK (~20 ms on loopback), which was most of a signature's time.
    disable_nagle_algorithm = True

    # The default handler prints every request to stderr; callers log what they need.
    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        log.debug("%s - %s", self.address_string(), format % args)


def serve_in_thread(wsgi_app, host: str = "127.0.0.1", port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve ``wsgi_app`` from a background thread; return its URL and a function that stops it.

    Meant for loopback use (demo, tests); production mounts ``wsgi_app`` in the web app.
    """
    server_class = _ThreadingWSGIServer
    if ":" in host:
        import socket

        server_class = type("_ThreadingWSGIServer6", (_ThreadingWSGIServer,), {"address_family": socket.AF_INET6})
    server = make_server(host, port, wsgi_app, server_class=server_class, handler_class=_QuietHandler)
    # A short poll interval makes stop() return in ~50 ms instead of the default 0.5 s.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"wsgi-{server.server_port}", daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join()
        server.server_close()

    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{server.server_port}/", stop
