"""The organisation's signing CA: one short-lived certificate per signer and signature.

This is the model of the Swedish federated signing services: once a person has proved who
they are, a certificate in their name (organisation and role in the subject, never an e-mail
address or personal identity number: the sealed PDF is public) is issued for a fresh key,
the key signs once and is then dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from cryptography import x509

from ..clock import utcnow
from .certs import build_certificate, build_crl, name, new_key
from .keys import KeyPair

ROLE_TITLES = {"sekreterare": "Sekreterare", "ordforande": "Ordförande", "justerare": "Justerare"}


@dataclass
class SigningCA:
    keypair: KeyPair
    crl_url: str
    clock: Callable[[], dt.datetime] = utcnow
    #: Long enough to cover clock skew and the timestamp, short enough to be useless if stolen.
    lifetime: dt.timedelta = dt.timedelta(hours=1)

    def issue(self, person_name: str, role: str, organisation: str) -> KeyPair:
        now = self.clock().replace(microsecond=0)
        key = new_key()
        cert = build_certificate(
            subject=name(person_name, organisation, ROLE_TITLES.get(role, role)),
            public_key=key.public_key(),
            issuer=self.keypair.certificate.subject,
            issuer_key=self.keypair.private_key,
            issuer_public_key=self.keypair.certificate.public_key(),
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + self.lifetime,
            usage="sign",
            crl_url=self.crl_url,
        )
        return KeyPair(certificate=cert, private_key=key, chain=[self.keypair.certificate, *self.keypair.chain])

    def crl(self, revoked: list[tuple[int, dt.datetime]] = (), validity: dt.timedelta = dt.timedelta(days=7)
            ) -> x509.CertificateRevocationList:
        now = self.clock().replace(microsecond=0)
        # CRL numbers must grow; the issue time in seconds does, without shared state.
        return build_crl(issuer_cert=self.keypair.certificate, issuer_key=self.keypair.private_key,
                         revoked=list(revoked), this_update=now - dt.timedelta(minutes=5),
                         next_update=now + validity, number=int(now.timestamp()))
