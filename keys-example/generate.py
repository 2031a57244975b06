#!/usr/bin/env python3
"""Regenerate the DEMO PKI in this folder. NEVER use these keys in production.

    python keys-example/generate.py [--base-url http://localhost:8000]

Layout (all EC P-256, SHA-256):
    root.pem / root.key.pem              Signering DEMO Root CA (trust anchor for demo and tests)
    signing-ca.pem / signing-ca.key.pem  issues one short-lived certificate per signer and signature
    seal.pem / seal.key.pem / seal.p12   the organisation's e-sigill (the .p12 passphrase is "demo")
    tsa.pem / tsa.key.pem                the embedded RFC 3161 timestamp authority
    root.crl.pem                         the root's CRL (covers signing CA, seal and TSA)
The private keys are committed on purpose: they are public knowledge and worthless.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from signering.pki.certs import build_certificate, build_crl, name, new_key, pem  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ORG = "Demo kommun (DEMO, EJ FÖR PRODUKTION)"


def write(filename: str, data: bytes) -> None:
    path = os.path.join(HERE, filename)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://localhost:8000")
    args = parser.parse_args()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=20 * 365)
    root_crl_url = f"{args.base_url}/pki/root.crl"

    root_key = new_key()
    root_name = name("Signering DEMO Root CA", "Signering DEMO, EJ FÖR PRODUKTION")
    root = build_certificate(subject=root_name, public_key=root_key.public_key(), issuer=root_name,
                             issuer_key=root_key, not_before=start, not_after=end, ca=True, path_length=1,
                             usage="ca")

    def issue(common_name: str, usage: str, ca: bool = False):
        key = new_key()
        cert = build_certificate(subject=name(common_name, ORG), public_key=key.public_key(), issuer=root_name,
                                 issuer_key=root_key, not_before=start, not_after=end - dt.timedelta(days=1),
                                 ca=ca, path_length=0 if ca else None, usage=usage, crl_url=root_crl_url)
        return cert, key

    signing_ca, signing_ca_key = issue("Demo kommun Signeringstjänst CA", "ca", ca=True)
    seal, seal_key = issue("Demo kommun e-sigill", "sign")
    tsa, tsa_key = issue("Demo kommun tidsstämpeltjänst", "tsa")
    crl = build_crl(issuer_cert=root, issuer_key=root_key, revoked=[], this_update=start,
                    next_update=end - dt.timedelta(days=2), number=1)

    for base, cert, key in (("root", root, root_key), ("signing-ca", signing_ca, signing_ca_key),
                            ("seal", seal, seal_key), ("tsa", tsa, tsa_key)):
        write(f"{base}.pem", pem(cert))
        write(f"{base}.key.pem", pem(key))
    write("seal.p12", pkcs12.serialize_key_and_certificates(
        b"seal", seal_key, seal, [root], serialization.BestAvailableEncryption(b"demo")))
    write("root.crl.pem", pem(crl))
    print(f"Wrote the DEMO PKI to {HERE} (valid until {end:%Y-%m-%d}). Never use it in production.")


if __name__ == "__main__":
    main()
