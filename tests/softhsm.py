"""A real SoftHSM2 token in a temporary directory, holding the demo seal key and certificate.

SoftHSM reads ``SOFTHSM2_CONF`` once, when the module is first initialised in the process,
so the token directory must be set before anything loads the module and stay for the session.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN_LABEL = "signering-test"
USER_PIN = "1234"
SO_PIN = "5678"
KEY_LABEL = "seal"
KEY_ID = b"\x01"


@dataclass(frozen=True)
class SoftToken:
    module: str
    label: str
    pin: str
    key_label: str


def module_path() -> str:
    for path in MODULE_CANDIDATES:
        if os.path.exists(path):
            return path
    raise RuntimeError("libsofthsm2.so not found: install the Debian package softhsm2 (make system-deps)")


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")


def make_token(directory: Path, key_pem: Path, cert_pem: Path) -> SoftToken:
    """Initialise a token under ``directory``, import the key with softhsm2-util and the certificate
    with python-pkcs11 (so no opensc/pkcs11-tool is needed). Sets ``SOFTHSM2_CONF`` for the process."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    _run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", USER_PIN, "--so-pin", SO_PIN)
    # softhsm2-util --import wants PKCS#8 PEM; the demo keys are written that way, but convert anyway
    # so a traditional-format key would work too.
    key = serialization.load_pem_private_key(key_pem.read_bytes(), None)
    pkcs8 = directory / "seal.pkcs8.pem"
    pkcs8.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    _run("softhsm2-util", "--import", str(pkcs8), "--token", TOKEN_LABEL, "--label", KEY_LABEL,
         "--id", KEY_ID.hex(), "--pin", USER_PIN)
    pkcs8.unlink()

    from asn1crypto.core import Integer
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pyhanko.sign.pkcs11 import p11_lib

    cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    module = module_path()
    session = p11_lib(module).get_token(token_label=TOKEN_LABEL).open(rw=True, user_pin=USER_PIN)
    try:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: KEY_LABEL,
            Attribute.ID: KEY_ID,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.SERIAL_NUMBER: Integer(cert.serial_number).dump(),  # DER-encoded, as PKCS#11 wants
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })
    finally:
        session.close()
    return SoftToken(module=module, label=TOKEN_LABEL, pin=USER_PIN, key_label=KEY_LABEL)
