"""Key loading: PEM, PKCS#12, a real PKCS#11 token (SoftHSM2), the demo warning, the demo PKI script."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.reader import PdfFileReader

from signering.errors import KeyMaterialError
from signering.pdf.chain import run_chain
from signering.pdf.seal import SEAL_FIELD
from signering.pdf.verify import verify_pdf
from signering.pki import keys as keys_mod
from signering.pki.certs import build_certificate, name, new_key, pem, to_asn1
from signering.pki.keys import (DEMO_DIR, Pkcs11Ref, close_pkcs11_sessions, load_pem, load_pkcs11, load_pkcs12)
from signering.pki.orgkeys import demo_keys, load_key_dir

from conftest import BASE_URL, SAMPLE_ROUTE
from softhsm import make_token

REPO = Path(__file__).resolve().parent.parent
DEMO = Path(DEMO_DIR)
DEMO_PHRASE = "demo keys, not for production"


def own_pki(tmp: Path, passphrase: bytes | None = None) -> tuple[Path, Path, Path]:
    """A fresh root and one signing certificate, not the demo PKI. Returns (cert, key, root) paths."""
    now = dt.datetime.now(dt.timezone.utc)
    root_key, leaf_key = new_key(), new_key()
    root_name = name("Testkommun Root CA", "Testkommun")
    root = build_certificate(subject=root_name, public_key=root_key.public_key(), issuer=root_name,
                             issuer_key=root_key, not_before=now - dt.timedelta(days=1),
                             not_after=now + dt.timedelta(days=30), ca=True, path_length=0, usage="ca")
    leaf = build_certificate(subject=name("Testkommun e-sigill", "Testkommun"), public_key=leaf_key.public_key(),
                             issuer=root_name, issuer_key=root_key, not_before=now - dt.timedelta(days=1),
                             not_after=now + dt.timedelta(days=29))
    cert_path, key_path, root_path = tmp / "leaf.pem", tmp / "leaf.key.pem", tmp / "root.pem"
    cert_path.write_bytes(pem(leaf))
    root_path.write_bytes(pem(root))
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    key_path.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                encryption))
    return cert_path, key_path, root_path


def demo_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and DEMO_PHRASE in r.getMessage()]


# --- PEM -----------------------------------------------------------------------------------------

def test_pem_unencrypted_key_with_chain(tmp_path):
    cert, key, root = own_pki(tmp_path)
    pair = load_pem(str(cert), str(key), chain_paths=(str(root),))
    assert "CN=Testkommun e-sigill" in pair.subject
    assert pair.private_key.public_key().public_numbers() == pair.certificate.public_key().public_numbers()
    assert [c.subject for c in pair.chain] == [x509.load_pem_x509_certificate(root.read_bytes()).subject]
    assert pair.pkcs11 is None


def test_pem_encrypted_key_needs_right_passphrase(tmp_path):
    cert, key, _ = own_pki(tmp_path, passphrase="hemligt lösen".encode())
    pair = load_pem(str(cert), str(key), passphrase="hemligt lösen")
    assert pair.private_key.public_key().public_numbers() == pair.certificate.public_key().public_numbers()
    for wrong in ("fel", None):
        with pytest.raises(KeyMaterialError) as err:
            load_pem(str(cert), str(key), passphrase=wrong)
        assert err.value.code == "key_error"
        assert "lösenord" in err.value.message_sv and str(key) in err.value.message_sv
        assert "passphrase" in err.value.message("en")


def test_pem_key_not_matching_certificate(tmp_path):
    first, other = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    other.mkdir()
    cert, _, _ = own_pki(first)
    _, other_key, _ = own_pki(other)
    with pytest.raises(KeyMaterialError) as err:
        load_pem(str(cert), str(other_key))
    assert "hör inte till certifikatet" in err.value.message_sv


def test_pem_missing_and_unreadable_files(tmp_path):
    cert, key, _ = own_pki(tmp_path)
    with pytest.raises(KeyMaterialError) as err:
        load_pem(str(tmp_path / "saknas.pem"), str(key))
    assert "kunde inte läsas" in err.value.message_sv and "saknas.pem" in err.value.message_sv
    with pytest.raises(KeyMaterialError):
        load_pem(str(cert), str(tmp_path / "saknas.key.pem"))
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(KeyMaterialError) as err:
        load_pem(str(garbage), str(key))
    assert "inget läsbart certifikat" in err.value.message_sv


# --- PKCS#12 -------------------------------------------------------------------------------------

def test_pkcs12_demo_seal(caplog):
    caplog.set_level(logging.WARNING, logger="signering.keys")
    pair = load_pkcs12(str(DEMO / "seal.p12"), "demo")
    seal_cert = x509.load_pem_x509_certificate((DEMO / "seal.pem").read_bytes())
    assert pair.certificate == seal_cert
    assert pair.private_key.public_key().public_numbers() == seal_cert.public_key().public_numbers()
    assert demo_warnings(caplog), "loading the demo seal must warn"


@pytest.mark.parametrize("passphrase", ["fel", None])
def test_pkcs12_wrong_passphrase(passphrase):
    with pytest.raises(KeyMaterialError) as err:
        load_pkcs12(str(DEMO / "seal.p12"), passphrase)
    assert "PKCS#12-filen" in err.value.message_sv and "lösenord" in err.value.message_sv


def test_key_dir_with_p12_seal_signs_a_verifiable_chain(protocol_pdf, keys, timestamper):
    org = load_key_dir(DEMO_DIR, organisation="Ekåsa kommun", base_url=BASE_URL, seal_p12_passphrase="demo")
    assert org.seal.certificate == keys.seal.certificate
    sealed = run_chain(protocol_pdf, SAMPLE_ROUTE, org, timestamper, BASE_URL)
    report = verify_pdf(sealed, [to_asn1(org.root)])
    assert report.valid, report.problems
    assert report.sealed and report.timestamped


# --- PKCS#11 (real SoftHSM2 token) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def soft_token(tmp_path_factory):
    before = os.environ.get("SOFTHSM2_CONF")
    token = make_token(tmp_path_factory.mktemp("softhsm"), DEMO / "seal.key.pem", DEMO / "seal.pem")
    yield token
    close_pkcs11_sessions()
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


def token_ref(token, pin=None) -> Pkcs11Ref:
    return Pkcs11Ref(token.module, token.label, token.key_label, pin or token.pin, cert_label=token.key_label)


def test_pkcs11_seal_on_softhsm_token(soft_token, keys, timestamper, protocol_pdf):
    pair = load_pkcs11(token_ref(soft_token), chain=[keys.root])
    assert pair.private_key is None, "a token key never leaves the token"
    assert pair.certificate == keys.seal.certificate
    org = dataclasses.replace(keys, seal=pair)
    sealed = run_chain(protocol_pdf, SAMPLE_ROUTE, org, timestamper, BASE_URL)

    report = verify_pdf(sealed, [to_asn1(keys.root)])
    assert report.valid, report.problems
    seal_reports = [s for s in report.signatures if s.kind == "seal"]
    assert len(seal_reports) == 1 and seal_reports[0].valid and seal_reports[0].trusted
    reader = PdfFileReader(io.BytesIO(sealed), strict=False)
    (seal_sig,) = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
    assert seal_sig.signer_cert.dump() == keys.seal.certificate.public_bytes(serialization.Encoding.DER)

    # Signing again reuses the one logged-in session instead of opening (and leaking) another.
    assert len(keys_mod._sessions) == 1
    pair.pyhanko_signer()
    pair.pyhanko_signer()
    assert len(keys_mod._sessions) == 1


def test_pkcs11_wrong_pin(soft_token):
    close_pkcs11_sessions()
    with pytest.raises(KeyMaterialError) as err:
        load_pkcs11(token_ref(soft_token, pin="0000"))
    assert "Fel PIN-kod" in err.value.message_sv and soft_token.label in err.value.message_sv
    assert keys_mod._sessions == {}
    # A wrong PIN is refused also while a correct session is logged in.
    load_pkcs11(token_ref(soft_token))
    with pytest.raises(KeyMaterialError):
        load_pkcs11(token_ref(soft_token, pin="0000"))


def test_pkcs11_unknown_token_or_label(soft_token):
    with pytest.raises(KeyMaterialError) as err:
        load_pkcs11(Pkcs11Ref(soft_token.module, "finns-inte", "seal", soft_token.pin))
    assert "finns-inte" in err.value.message_sv
    with pytest.raises(KeyMaterialError) as err:
        load_pkcs11(Pkcs11Ref(soft_token.module, soft_token.label, "annan", soft_token.pin))
    assert "Inget certifikat" in err.value.message_sv


# --- demo warning --------------------------------------------------------------------------------

def test_demo_keys_warn_loudly(caplog):
    caplog.set_level(logging.WARNING, logger="signering.keys")
    org = demo_keys(BASE_URL)
    messages = demo_warnings(caplog)
    assert any(org.seal.subject in m for m in messages)
    assert any(org.tsa.subject in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in caplog.records if DEMO_PHRASE in r.getMessage())


def test_own_keys_do_not_warn(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="signering.keys")
    cert, key, root = own_pki(tmp_path)
    load_pem(str(cert), str(key), chain_paths=(str(root),))
    assert demo_warnings(caplog) == []
    assert not any("demo" in r.getMessage().lower() for r in caplog.records)


# --- keys-example/generate.py --------------------------------------------------------------------

def test_generate_script_regenerates_a_demo_pki(tmp_path):
    target = tmp_path / "keys-example"
    target.mkdir()
    shutil.copy(DEMO / "generate.py", target / "generate.py")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(target / "generate.py"), "--base-url", "https://sign.example.se"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Never use it in production" in done.stdout

    expected = {"root.pem", "root.key.pem", "signing-ca.pem", "signing-ca.key.pem", "seal.pem", "seal.key.pem",
                "seal.p12", "tsa.pem", "tsa.key.pem", "root.crl.pem", "generate.py"}
    assert {p.name for p in target.iterdir()} == expected

    def cert(base: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((target / f"{base}.pem").read_bytes())

    root = cert("root")
    root.verify_directly_issued_by(root)
    for base in ("signing-ca", "seal", "tsa"):
        c = cert(base)
        c.verify_directly_issued_by(root)
        crl_dp = c.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert crl_dp[0].full_name[0].value == "https://sign.example.se/pki/root.crl"
        # Each key file holds the key of its certificate.
        load_pem(str(target / f"{base}.pem"), str(target / f"{base}.key.pem"))
    assert cert("signing-ca").extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    eku = cert("tsa").extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert load_pkcs12(str(target / "seal.p12"), "demo").certificate == cert("seal")
    crl = x509.load_pem_x509_crl((target / "root.crl.pem").read_bytes())
    assert crl.is_signature_valid(root.public_key())
    # The regenerated files are new keys, not a copy of the committed ones.
    assert root != x509.load_pem_x509_certificate((DEMO / "root.pem").read_bytes())
