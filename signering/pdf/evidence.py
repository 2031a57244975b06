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

from asn1crypto import cms
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import extract_contents

from ..errors import SigningError
from ..pki.ca import SigningCA


def signature_time(signer_info) -> dt.datetime | None:
    """The time the signature's own RFC 3161 timestamp proves, or None without one."""
    attrs = signer_info["unsigned_attrs"]
    # Not ``attrs.native``: that converts the whole token, certificates included (~1.7 s).
    if not isinstance(attrs, cms.CMSAttributes):
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def add_signer_status(pdf: bytes, ca: SigningCA, field_name: str, certificate: x509.Certificate) -> bytes:
    """Embed the CA's status response for ``certificate``, which has just signed ``field_name``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # One field's signature dictionary, not ``reader.embedded_signatures``: that parses every
    # signature in the file and cost ~50 ms per signer.
    found = next(enumerate_sig_fields(writer.prev, filled_status=True, with_name=field_name), None)
    if found is None:
        raise SigningError(details=f"no signature in field {field_name}")
    contents = extract_contents(found[1].get_object())
    signed_data = cms.ContentInfo.load(contents)["content"]
    when = signature_time(signed_data["signer_infos"][0])
    if when is None:
        raise SigningError("Underskriften saknar tidsstämpel, så dess status kan inte styrkas.",
                           "The signature has no timestamp, so its status cannot be evidenced.")
    try:
        response = ca.status_at(certificate, when)
    except ValueError as exc:
        raise SigningError(details=f"status evidence for {field_name}: {exc}") from exc
    # The VRI key as pyHanko's own LTV step computes it, so its readers find the entry.
    DocumentSecurityStore.supply_dss_in_writer(writer, contents.hex().encode("ascii"),
                                               ocsps=[asn1_ocsp.OCSPResponse.load(response)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
