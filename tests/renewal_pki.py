"""A key directory like keys-example/, but with a TSA certificate valid for a chosen time.

The demo root issues it (its key is public demo material), so files sealed with it chain to the
same trust anchor as everything else in the tests. The root's CRL is issued anew each time,
as an operator publishes a current one: ``thisUpdate`` is now, never earlier.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

from signering.pki.certs import build_certificate, build_crl, name, new_key, pem
from signering.pki.keys import DEMO_DIR, load_certificates, load_pem

KEPT = ("root.pem", "signing-ca.pem", "signing-ca.key.pem", "seal.pem", "seal.key.pem")


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _root():
    pair = load_pem(os.path.join(DEMO_DIR, "root.pem"), os.path.join(DEMO_DIR, "root.key.pem"))
    return pair.certificate, pair.private_key


def issue_root_crl(directory: str, *, valid_for: dt.timedelta = dt.timedelta(days=30)) -> None:
    root, root_key = _root()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    crl = build_crl(issuer_cert=root, issuer_key=root_key, revoked=[], this_update=now,
                    next_update=now + valid_for, number=int(now.timestamp()))
    _write(os.path.join(directory, "root.crl.pem"), pem(crl))


def rotate_tsa(directory: str, *, not_before: dt.datetime, not_after: dt.datetime, label: str = "",
               crl_valid_for: dt.timedelta = dt.timedelta(days=30)) -> None:
    """Give ``directory`` a new TSA key and certificate (what an operator does at key rotation)."""
    root, root_key = _root()
    key = new_key()
    cert = build_certificate(subject=name(f"Testkommun tidsstämpeltjänst {label}".strip(), "Testkommun (TEST)"),
                             public_key=key.public_key(), issuer=root.subject, issuer_key=root_key,
                             not_before=not_before.replace(microsecond=0), not_after=not_after.replace(microsecond=0),
                             usage="tsa", crl_url="http://localhost:8000/pki/root.crl")
    _write(os.path.join(directory, "tsa.pem"), pem(cert))
    _write(os.path.join(directory, "tsa.key.pem"), pem(key))
    issue_root_crl(directory, valid_for=crl_valid_for)


def key_dir(directory: str, *, tsa_valid_for: dt.timedelta, label: str = "1") -> str:
    """A fresh key directory whose TSA certificate is valid from an hour ago for ``tsa_valid_for``."""
    os.makedirs(directory, exist_ok=True)
    for f in KEPT:
        shutil.copy(os.path.join(DEMO_DIR, f), os.path.join(directory, f))
    now = dt.datetime.now(dt.timezone.utc)
    rotate_tsa(directory, not_before=now - dt.timedelta(hours=1), not_after=now + tsa_valid_for, label=label)
    return directory


def tsa_not_after(directory: str) -> dt.datetime:
    return load_certificates(os.path.join(directory, "tsa.pem"))[0].not_valid_after_utc
