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
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from ..clock import utcnow
from .certs import build_certificate, build_crl, name, new_key
from .keys import KeyPair
from ..route import Role

#: The policy every signer certificate is issued under: one person, one signature, a key used
#: once and dropped. A UUID-derived OID (ITU-T X.667, arc 2.25) needs no registration and
#: cannot collide; validators and archives can match on it.
SIGNER_POLICY_OID = x509.ObjectIdentifier("2.25.140706234831267866406377935773838674438")
_SIGNER_POLICY = x509.PolicyInformation(SIGNER_POLICY_OID, [x509.UserNotice(
    None, "Signering: certificate for one signature of a justerat protocol; the key signed once and was destroyed.")])
#: How the signer proved who they were, one policy per method beside the one above (same arc):
#: e-legitimation through an OpenID provider, or a one-time code sent by e-mail.
OIDC_POLICY_OID = x509.ObjectIdentifier("2.25.117260354069221137400728777833118256662")
EMAIL_CODE_POLICY_OID = x509.ObjectIdentifier("2.25.169361791904859704256400549010142601381")
#: policy OID -> the ``identified_by`` name that ``signering verify`` reports
IDENTIFICATION_POLICIES = {OIDC_POLICY_OID.dotted_string: "oidc", EMAIL_CODE_POLICY_OID.dotted_string: "email_code"}


def _policies(identified_by: str, idp: str | None) -> x509.CertificatePolicies:
    if identified_by == "oidc":
        method = x509.PolicyInformation(OIDC_POLICY_OID, [x509.UserNotice(
            None, f"Signer identified with e-legitimation via {idp or 'OpenID Connect'}"[:200])])
    else:
        method = x509.PolicyInformation(EMAIL_CODE_POLICY_OID, [x509.UserNotice(
            None, "Signer confirmed with a one-time code sent by e-mail (e-postkod)")])
    return x509.CertificatePolicies([_SIGNER_POLICY, method])


@dataclass
class SigningCA:
    keypair: KeyPair
    crl_url: str
    #: where the CA answers status requests (RFC 6960) and serves its own certificate
    ocsp_url: str | None = None
    issuer_url: str | None = None
    clock: Callable[[], dt.datetime] = utcnow
    #: Long enough to cover clock skew and the timestamp, short enough to be useless if stolen.
    lifetime: dt.timedelta = dt.timedelta(hours=1)
    #: How long an online status response is good for (the evidence in a signature, ``status_at``,
    #: is good until just before the certificate expires).
    status_validity: dt.timedelta = dt.timedelta(minutes=30)

    def issue(self, person_name: str, role: str, organisation: str, *, identified_by: str = "email_code",
              idp: str | None = None) -> KeyPair:
        # Not backdated: the certificate starts the second it is issued, just before it signs.
        now = self.clock().replace(microsecond=0)
        key = new_key()
        cert = build_certificate(
            subject=name(person_name, organisation, Role(role).title()),
            public_key=key.public_key(),
            issuer=self.keypair.certificate.subject,
            issuer_key=self.keypair.private_key,
            issuer_public_key=self.keypair.certificate.public_key(),
            not_before=now,
            not_after=now + self.lifetime,
            usage="sign",
            crl_url=self.crl_url,
            ocsp_url=self.ocsp_url,
            ca_issuers_url=self.issuer_url,
            policies=_policies(identified_by, idp),
        )
        return KeyPair(certificate=cert, private_key=key, chain=[self.keypair.certificate, *self.keypair.chain])

    def status_at(self, certificate: x509.Certificate, signed_at: dt.datetime) -> bytes:
        """An OCSP response (DER) saying ``certificate`` was good when it signed at ``signed_at``.

        This is the revocation evidence each signature carries. It is issued once the
        signature's timestamp exists, and says so: ``thisUpdate`` is the timestamp's time
        (rounded up to the second, the resolution of the field), never earlier, so it proves
        the status at signing time. ``nextUpdate`` lies before the certificate expires: a
        validator that slides its control time to ``nextUpdate`` (ETSI EN 319 102-1, 5.6.2)
        still finds the certificate valid there. The CA never revokes these certificates (the
        key is dropped after one signature), so the status is always good.
        """
        this_update = _ceil_second(signed_at)
        not_after = certificate.not_valid_after_utc
        if not certificate.not_valid_before_utc <= this_update < not_after:
            raise ValueError("the signature time lies outside the certificate's validity")
        # Good until just before the certificate expires, not for ``status_validity``: the key is
        # dropped after one signature and never revoked, so that is true; and a shorter answer
        # leaves a gap between its nextUpdate and the certificate's expiry in which the ETSI
        # current-time validation finds the evidence stale while the certificate is still valid
        # (pyHanko then reports CERTIFICATE_CHAIN_GENERAL_FAILURE, not TRY_LATER, because the
        # DSS also holds the other signers' responses) and no past validation follows.
        next_update = max(this_update, not_after - _EXPIRY_MARGIN)
        response = (
            ocsp.OCSPResponseBuilder()
            .add_response(cert=certificate, issuer=self.keypair.certificate, algorithm=hashes.SHA1(),
                          cert_status=ocsp.OCSPCertStatus.GOOD, this_update=this_update, next_update=next_update,
                          revocation_time=None, revocation_reason=None)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.keypair.certificate)
            .sign(self.keypair.private_key, hashes.SHA256())
        )
        return response.public_bytes(serialization.Encoding.DER)

    def crl(self, revoked: list[tuple[int, dt.datetime]] = (), validity: dt.timedelta = dt.timedelta(days=7)
            ) -> x509.CertificateRevocationList:
        now = self.clock().replace(microsecond=0)
        # CRL numbers must grow; the issue time in seconds does, without shared state.
        return build_crl(issuer_cert=self.keypair.certificate, issuer_key=self.keypair.private_key,
                         revoked=list(revoked), this_update=now,
                         next_update=now + validity, number=int(now.timestamp()))


#: ETSI validators allow a second of clock tolerance past ``nextUpdate``; keep clear of it. Kept
#: short: in these last seconds before a signer certificate expires, its signature reads
#: INDETERMINATE by the ETSI algorithm (stale status, certificate still valid).
_EXPIRY_MARGIN = dt.timedelta(seconds=5)


def _ceil_second(when: dt.datetime) -> dt.datetime:
    when = when.astimezone(dt.timezone.utc)
    whole = when.replace(microsecond=0)
    return whole if whole == when else whole + dt.timedelta(seconds=1)
