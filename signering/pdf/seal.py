"""Close a fully signed protocol: e-sigill, validation data (DSS), document timestamp.

The order matters. pyHanko's own LTA step writes the TSA's validation data *after* the
document timestamp, which would leave the last timestamp short of the end of the file. So the
DSS (certificates and CRLs of the whole demo/organisation PKI and of every signer) is written
first, and the document timestamp comes last and covers every byte (PAdES B-LTA).
"""

from __future__ import annotations

import io

from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore

from ..errors import SigningError, TimestampError
from ..pki.certs import to_asn1
from ..pki.orgkeys import OrgKeys
from .archival import open_writer
from .signing import SIGNATURE_RESERVE, sign_with

SEAL_FIELD = "seal"


def _embedded_certificates(pdf: bytes) -> list:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    certs = {}
    for sig in reader.embedded_signatures:
        for cert in sig.signed_data["certificates"]:
            c = cert.chosen
            certs[c.sha256] = c
    return list(certs.values())


def add_validation_data(pdf: bytes, keys: OrgKeys) -> bytes:
    certs = {c.sha256: c for c in [to_asn1(c) for c in keys.all_certificates()] + _embedded_certificates(pdf)}
    crls = [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER)) for c in keys.crls()]
    writer = open_writer(pdf)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=list(certs.values()), crls=crls)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def document_timestamp(pdf: bytes, timestamper: TimeStamper) -> bytes:
    out = io.BytesIO()
    try:
        writer = open_writer(pdf)
        signers.PdfTimeStamper(timestamper).timestamp_pdf(writer, "sha256", output=out, bytes_reserved=SIGNATURE_RESERVE)
    except Exception as exc:
        raise TimestampError(details=str(exc)) from exc
    return out.getvalue()


def seal(pdf: bytes, *, keys: OrgKeys, timestamper: TimeStamper, document_sha256: str) -> bytes:
    """E-sigill (PAdES B-T) → DSS → document timestamp. Returns the sealed PDF."""
    if timestamper is None:
        raise SigningError("Förseglingen kräver en tidsstämpeltjänst.", "Sealing needs a timestamp service.")
    sealed = sign_with(pdf, field_name=SEAL_FIELD, keypair=keys.seal, display_name=keys.organisation,
                       role_label="e-sigill", document_sha256=document_sha256, timestamper=timestamper,
                       reason="Organisationens e-sigill: protokollet är justerat", visible=False)
    return document_timestamp(add_validation_data(sealed, keys), timestamper)
