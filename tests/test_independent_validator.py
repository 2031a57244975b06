"""poppler's pdfsig and OpenSSL, independent validators, must agree with us.

pdfsig (poppler 22.12) checks the three signers' and the seal's signatures and certificates but
cannot validate the document timestamp ("Signature Type: unknown"); that one is cut out of the
file at the byte ranges pdfsig reports and checked with ``openssl ts -verify`` against the demo
root.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from conftest import SAMPLE_ROUTE
from signering.pdf.chain import run_chain
from signering.pki import ocsp
from signering.pki.embedded_tsa import running_tsa
from signering.pki.orgkeys import demo_keys
from signering.pki.tsa import serve_in_thread

DEMO_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "keys-example", "root.pem")
DEMO_SIGNING_CA = os.path.join(os.path.dirname(DEMO_ROOT), "signing-ca.pem")


@pytest.fixture(scope="module")
def nssdb(tmp_path_factory):
    db = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "demo-root", "-t", "CT,C,C", "-i", DEMO_ROOT],
                   check=True)
    # The signing CA too, as README tells verifiers (it is served at /pki/<org>/signing-ca.crt): with
    # the intermediate only inside each signature, poppler 22.12 + NSS fail the online OCSP check of
    # the second or third signature ("Unknown issue with Certificate"), though every answer is good.
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "demo-signing-ca", "-t", ",,", "-i", DEMO_SIGNING_CA],
                   check=True)
    return str(db)


@pytest.fixture(scope="module")
def online_sealed(protocol_pdf, tmp_path_factory):
    """A protocol sealed by keys whose certificates name a live OCSP responder (the signing CA's,
    served on loopback like /pki/<org>/ocsp), since pdfsig checks signer certificates online."""
    asked = []
    holder = {}

    def responder(environ, start_response):
        if environ["PATH_INFO"].endswith("/signing-ca.crt"):  # the caIssuers URL, as /pki/<org>/ serves it
            der = holder["keys"].signing_ca.keypair.certificate.public_bytes(serialization.Encoding.DER)
            start_response("200 OK", [("Content-Type", "application/pkix-cert"), ("Content-Length", str(len(der)))])
            return [der]
        if environ["REQUEST_METHOD"] == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        else:
            body = ocsp.request_from_path(environ["PATH_INFO"].split("/ocsp/", 1)[1])
        asked.append(environ["REQUEST_METHOD"])
        der = ocsp.respond(holder["keys"].signing_ca, body)
        start_response("200 OK", [("Content-Type", "application/ocsp-response"), ("Content-Length", str(len(der)))])
        return [der]

    url, stop = serve_in_thread(responder)
    keys = holder["keys"] = demo_keys(url)
    with running_tsa(keys) as timestamper:
        sealed = run_chain(protocol_pdf, SAMPLE_ROUTE, keys, timestamper, url)
    path = tmp_path_factory.mktemp("online") / "sealed.pdf"
    path.write_bytes(sealed)
    yield str(path), asked
    stop()


@pytest.fixture(scope="module")
def pdfsig_blocks(online_sealed, nssdb) -> list[str]:
    """pdfsig's report on the sealed protocol, one block per signature, in file order."""
    sealed_path, _asked = online_sealed
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdb}", sealed_path], capture_output=True, text=True)
    blocks = re.split(r"\nSignature #\d+:", proc.stdout)[1:]
    assert len(blocks) == 5, proc.stdout  # three signers, the seal, the document timestamp
    return blocks


def _field(block: str, name: str) -> str:
    match = re.search(rf"^  - {re.escape(name)}: (.*)$", block, re.M)
    assert match, (name, block)
    return match.group(1)


def test_pdfsig_finds_every_signature_valid_and_trusted(online_sealed, pdfsig_blocks):
    _sealed_path, asked = online_sealed
    signatures, doc_timestamp = pdfsig_blocks[:4], pdfsig_blocks[4]
    for block in signatures:
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
        assert "ETSI.CAdES.detached" in block
        assert "Not total document signed" in block, block  # each one is followed by more
    assert "Signature Field Name: Timestamp" in doc_timestamp
    assert "Total document signed" in doc_timestamp
    # Who signed, in the route's order: secretary, chair (ordförande), adjuster, then the seal.
    expected = [("signer-1", "Lina Åström", "Sekreterare"), ("signer-2", "Bengt Öhman", "Ordförande"),
                ("signer-3", "Yvonne Sjödahl", "Justerare")]
    for block, (field, name, title) in zip(signatures, expected):
        assert _field(block, "Signature Field Name") == field, block
        assert _field(block, "Signer Certificate Common Name") == name, block
        assert _field(block, "Signer full Distinguished Name") == (
            f"CN={name},title={title},O={SAMPLE_ROUTE.organisation},C=SE"), block
    seal = signatures[3]
    assert _field(seal, "Signature Field Name") == "seal", seal
    assert _field(seal, "Signer Certificate Common Name") == "Demo kommun e-sigill", seal
    assert _field(seal, "Signer full Distinguished Name") == (
        'CN=Demo kommun e-sigill,O="Demo kommun (DEMO, EJ FÖR PRODUKTION)",C=SE'), seal
    assert _field(doc_timestamp, "Signer Certificate Common Name") == "Demo kommun tidsstämpeltjänst"
    # pdfsig really asked the responder the signer certificates name.
    assert len(asked) >= 3, asked


def _signed_ranges(block: str) -> tuple[int, int, int, int]:
    """pdfsig's "Signed Ranges: [a - b], [c - d]": the file minus the signature's <hex> in b..c."""
    match = re.fullmatch(r"\[(\d+) - (\d+)\], \[(\d+) - (\d+)\]", _field(block, "Signed Ranges"))
    assert match, block
    return tuple(int(g) for g in match.groups())


def _der_prefix(blob: bytes) -> bytes:
    """The one DER value at the start of ``blob`` (the /Contents hole is padded with zeros)."""
    assert blob[0] == 0x30, blob[:4]
    if blob[1] < 0x80:
        return blob[:2 + blob[1]]
    n = blob[1] & 0x7F
    return blob[:2 + n + int.from_bytes(blob[2:2 + n], "big")]


def _openssl_ts_verify(data: bytes, token: bytes, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "signed.bin").write_bytes(data)
    (tmp_path / "token.der").write_bytes(token)
    return subprocess.run(["openssl", "ts", "-verify", "-data", str(tmp_path / "signed.bin"),
                           "-in", str(tmp_path / "token.der"), "-token_in", "-CAfile", DEMO_ROOT],
                          capture_output=True, text=True)


def test_openssl_verifies_the_document_timestamp(online_sealed, pdfsig_blocks, tmp_path):
    sealed_path, _asked = online_sealed
    with open(sealed_path, "rb") as f:
        pdf = f.read()
    a, b, c, d = _signed_ranges(pdfsig_blocks[4])
    assert a == 0 and d == len(pdf) and b < c, (a, b, c, d, len(pdf))  # the whole file but the hole
    hole = pdf[b:c]
    assert hole[:1] == b"<" and hole[-1:] == b">", hole[:8]
    token = _der_prefix(bytes.fromhex(hole[1:-1].decode("ascii")))
    signed = pdf[a:b] + pdf[c:d]

    proc = _openssl_ts_verify(signed, token, tmp_path)
    assert proc.returncode == 0 and "Verification: OK" in proc.stdout, proc.stdout + proc.stderr

    text = subprocess.run(["openssl", "ts", "-reply", "-in", str(tmp_path / "token.der"), "-token_in", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Hash Algorithm: sha256$", text, re.M), text
    assert "CN=Demo kommun tidsst" in text, text  # the TSA names itself (openssl escapes the UTF-8)
    when = re.search(r"^Time stamp: (.+) GMT$", text, re.M)
    assert when, text
    stamped = dt.datetime.strptime(re.sub(r"\.\d+", "", " ".join(when.group(1).split())),
                                   "%b %d %H:%M:%S %Y")
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert abs(now - stamped) < dt.timedelta(hours=1), (stamped, now)  # stamped when the fixture sealed it

    # The check is real: one changed byte of the document and OpenSSL refuses the token.
    tampered = bytearray(signed)
    tampered[len(signed) // 2] ^= 0x01
    proc = _openssl_ts_verify(bytes(tampered), token, tmp_path)
    assert proc.returncode != 0 and "Verification: OK" not in proc.stdout, proc.stdout


def test_pdfsig_sees_an_untrusted_root_as_untrusted(sealed_path, tmp_path):
    db = tmp_path / "empty"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{db}", sealed_path], capture_output=True, text=True)
    assert "Certificate is Trusted." not in proc.stdout
    assert "Signature is Valid." in proc.stdout
