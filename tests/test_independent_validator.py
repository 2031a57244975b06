"""poppler's pdfsig, an independent validator, must agree with us."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from conftest import SOLLEFTEA_ROUTE
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
        sealed = run_chain(protocol_pdf, SOLLEFTEA_ROUTE, keys, timestamper, url)
    path = tmp_path_factory.mktemp("online") / "sealed.pdf"
    path.write_bytes(sealed)
    yield str(path), asked
    stop()


def test_pdfsig_finds_every_signature_valid_and_trusted(online_sealed, nssdb):
    sealed_path, asked = online_sealed
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdb}", sealed_path], capture_output=True, text=True)
    out = proc.stdout
    blocks = re.split(r"\nSignature #\d+:", out)[1:]
    assert len(blocks) == 5, out  # three signers, the seal, the document timestamp
    signatures, doc_timestamp = blocks[:4], blocks[4]
    for block in signatures:
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
        assert "ETSI.CAdES.detached" in block
    assert "Signature Field Name: Timestamp" in doc_timestamp
    assert "Total document signed" in doc_timestamp
    assert "Siv Sjödin" in signatures[0] and "John Åberg" in signatures[2]
    # pdfsig really asked the responder the signer certificates name.
    assert len(asked) >= 3, asked


def test_pdfsig_sees_an_untrusted_root_as_untrusted(sealed_path, tmp_path):
    db = tmp_path / "empty"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{db}", sealed_path], capture_output=True, text=True)
    assert "Certificate is Trusted." not in proc.stdout
    assert "Signature is Valid." in proc.stdout
