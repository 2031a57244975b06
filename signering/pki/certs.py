"""Certificate building blocks shared by the demo-key script and the signing CA.

Everything here uses ``cryptography``; pyHanko and certvalidator want ``asn1crypto``
objects, so :func:`to_asn1` converts at the boundary.
"""

from __future__ import annotations

import datetime as dt
import secrets

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID


def new_key(kind: str = "ec") -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    # P-256: a fresh key per signature costs ~0.05 ms, RSA-3072 would cost ~100 ms.
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return ec.generate_private_key(ec.SECP256R1())


def name(common_name: str, organisation: str | None = None, title: str | None = None,
         country: str = "SE") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def serial() -> int:
    # 159 random bits: positive, unpredictable, within the 20-octet limit of RFC 5280.
    return secrets.randbits(159) | 1


def build_certificate(*, subject: x509.Name, public_key, issuer: x509.Name, issuer_key,
                      not_before: dt.datetime, not_after: dt.datetime, ca: bool = False,
                      path_length: int | None = None, usage: str = "sign",
                      crl_url: str | None = None, issuer_public_key=None, ocsp_url: str | None = None,
                      ca_issuers_url: str | None = None,
                      policies: x509.CertificatePolicies | None = None) -> x509.Certificate:
    """Build and sign one certificate. ``usage`` is ``ca``, ``sign`` (signatures, seals) or ``tsa``."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key or issuer_key.public_key()),
            critical=False,
        )
    )
    if usage == "ca":
        ku = dict(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False)
    elif usage == "tsa":
        ku = dict(digital_signature=True, key_cert_sign=False, crl_sign=False, content_commitment=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        ku = dict(digital_signature=True, key_cert_sign=False, crl_sign=False, content_commitment=True)
    builder = builder.add_extension(
        x509.KeyUsage(key_encipherment=False, data_encipherment=False, key_agreement=False,
                      encipher_only=False, decipher_only=False, **ku),
        critical=True,
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints([
                x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(crl_url)],
                                       relative_name=None, reasons=None, crl_issuer=None)
            ]),
            critical=False,
        )
    access = [x509.AccessDescription(AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))
              ] if ocsp_url else []
    if ca_issuers_url:
        access.append(x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                             x509.UniformResourceIdentifier(ca_issuers_url)))
    if access:
        # Validators consult OCSP only for certificates that name a responder here.
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    if policies is not None:
        builder = builder.add_extension(policies, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def build_crl(*, issuer_cert: x509.Certificate, issuer_key, revoked: list[tuple[int, dt.datetime]],
              this_update: dt.datetime, next_update: dt.datetime, number: int) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    for serial_number, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial_number).revocation_date(when).build()
        )
    return builder.sign(issuer_key, hashes.SHA256())


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def from_asn1(cert: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(cert.dump())


def pem(obj) -> bytes:
    if isinstance(obj, (x509.Certificate, x509.CertificateRevocationList)):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
