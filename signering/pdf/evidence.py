"""Revocation evidence from signing time, added right after each signature.

A signer's certificate lives about an hour. A verifier years later can only trust it if the
file holds evidence of its status *at the time it signed*: issued after the signature's
timestamp and valid no longer than the certificate. Evidence made at sealing, which may come
days after a signature, proves nothing about that moment (issue 18). So each signature is
followed at once by an incremental update that puts the signing CA's OCSP response for that
certificate into the DSS, with a VRI entry naming the signature it belongs to.
"""

from __future__ import annotations

import datetime as dt
import io

from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from ..errors import SigningError
from ..pki.ca import SigningCA
from ..pki.certs import from_asn1


def signature_time(signer_info) -> dt.datetime | None:
    """The time the signature's own RFC 3161 timestamp proves, or None without one."""
    attrs = signer_info["unsigned_attrs"]
    if attrs.native is None:
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def add_signer_status(pdf: bytes, ca: SigningCA, field_name: str) -> bytes:
    """Embed the CA's status response for the certificate that signed ``field_name``."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig = next((s for s in reader.embedded_signatures if str(s.field_name) == field_name), None)
    if sig is None:
        raise SigningError(details=f"no signature in field {field_name}")
    when = signature_time(sig.signer_info)
    if when is None:
        raise SigningError("Underskriften saknar tidsstämpel, så dess status kan inte styrkas.",
                           "The signature has no timestamp, so its status cannot be evidenced.")
    try:
        response = ca.status_at(from_asn1(sig.signer_cert), when)
    except ValueError as exc:
        raise SigningError(details=f"status evidence for {field_name}: {exc}") from exc
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # The VRI key as pyHanko's own LTV step computes it, so its readers find the entry.
    contents = sig.pkcs7_content.hex().encode("ascii")
    DocumentSecurityStore.supply_dss_in_writer(writer, contents, ocsps=[asn1_ocsp.OCSPResponse.load(response)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
