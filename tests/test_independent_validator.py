"""poppler's pdfsig, an independent validator, must agree with us."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

DEMO_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "keys-example", "root.pem")


@pytest.fixture(scope="module")
def nssdb(tmp_path_factory):
    db = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "demo-root", "-t", "CT,C,C", "-i", DEMO_ROOT],
                   check=True)
    return str(db)


def test_pdfsig_finds_every_signature_valid_and_trusted(sealed_path, nssdb):
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


def test_pdfsig_sees_an_untrusted_root_as_untrusted(sealed_path, tmp_path):
    db = tmp_path / "empty"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{db}", sealed_path], capture_output=True, text=True)
    assert "Certificate is Trusted." not in proc.stdout
    assert "Signature is Valid." in proc.stdout
