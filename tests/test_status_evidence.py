"""Each signer's signature carries evidence of its certificate's status at signing time (issue 18).

The evidence is an OCSP response from the signing CA, in the DSS with a VRI entry for that
signature, issued at the signature's timestamp (never before it) and valid no longer than the
certificate. Evidence made at sealing instead (the old seal-time CRL) is refused by verify.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

import pytest

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signering.pdf.evidence import signature_time
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1


def _responses(dss) -> dict[int, dict]:
    out = {}
    for ref in dss.ocsps:
        basic = asn1_ocsp.OCSPResponse.load(ref.get_object().data)["response_bytes"]["response"].parsed
        single = basic["tbs_response_data"]["responses"][0]
        out[single["cert_id"]["serial_number"].native] = single
    return out


def test_every_signer_signature_has_status_evidence_from_its_signing_time(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf), strict=False)
    dss = DocumentSecurityStore.read_dss(reader)
    responses = _responses(dss)
    signers = [s for s in reader.embedded_signatures if str(s.field_name).startswith("signer-")]
    assert len(signers) == 3
    vri = dss.vri_entries or {}
    for sig in signers:
        single = responses[sig.signer_cert.serial_number]
        assert single["cert_status"].name == "good"
        signed = signature_time(sig.signer_info)
        this_update, next_update = single["this_update"].native, single["next_update"].native
        # Issued at the signature's time (to the second), never before it, and ending before the certificate.
        assert signed <= this_update < signed.replace(microsecond=0) + dt.timedelta(seconds=2)
        assert next_update < sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native
        key = "/" + hashlib.sha1(sig.pkcs7_content.hex().encode("ascii")).hexdigest().upper()
        assert key in vri, sorted(vri)
    # The evidence came in the revision right after each signature, not at sealing: the file as
    # the next signer signed it already holds it.
    for sig, following in zip(signers, signers[1:]):
        signed_prefix = sealed_pdf[:following.byte_range[2] + following.byte_range[3]]
        earlier = _responses(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed_prefix), strict=False)))
        assert sig.signer_cert.serial_number in earlier
    # No signing-CA CRL from the sealing moment sits in the DSS to mislead a long-term validator.
    ca_subject = signers[0].signer_cert.issuer
    issuers = [asn1_crl.CertificateList.load(c.get_object().data)["tbs_cert_list"]["issuer"] for c in dss.crls]
    assert ca_subject not in issuers


def test_verify_refuses_status_evidence_made_after_the_signature(sealed_pdf, keys):
    """What protocols sealed before the fix carry: only a CA CRL made later than the signature."""
    reader = PdfFileReader(io.BytesIO(sealed_pdf), strict=False)
    first = next(s for s in reader.embedded_signatures if str(s.field_name) == "signer-1")
    # Cut the file just after the first signature: no status evidence yet.
    signed_only = sealed_pdf[:first.byte_range[2] + first.byte_range[3]]
    half_an_hour_later = signature_time(first.signer_info) + dt.timedelta(minutes=30)
    late_crl = dataclasses.replace(keys.signing_ca, clock=lambda: half_an_hour_later).crl()
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_only), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(
        writer, None, crls=[asn1_crl.CertificateList.load(late_crl.public_bytes(serialization.Encoding.DER))])
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), [to_asn1(keys.root)], require_complete=False)
    assert report.status == "invalid"
    assert report.signatures[0].status_evidence is False
    assert any("Lina Åström" in p and "spärrinformation från signeringstillfället saknas" in p
               for p in report.problems), report.problems


def test_verify_reports_status_evidence_per_signer(sealed_pdf, keys):
    report = verify_pdf(sealed_pdf, [to_asn1(keys.root)])
    assert report.valid, report.problems
    assert [s.status_evidence for s in report.signatures] == [True, True, True, None, None]


def test_status_evidence_is_only_added_for_the_signature_just_made(keys, timestamper, protocol_pdf):
    from signering.errors import SigningError
    from signering.pdf.chain import prepare
    from signering.pdf.evidence import add_signer_status
    from signering.pdf.signing import sign_with

    from conftest import BASE_URL, SAMPLE_ROUTE

    prepared, sha = prepare(protocol_pdf, SAMPLE_ROUTE, BASE_URL)
    pair = keys.signing_ca.issue("Lina Åström", "sekreterare", "Ekåsa kommun")
    signed = sign_with(prepared, field_name="signer-1", keypair=pair, display_name="Lina Åström",
                       role_label="Sekreterare", document_sha256=sha, timestamper=timestamper, reason="test")
    with pytest.raises(SigningError):
        add_signer_status(signed, keys.signing_ca, "signer-2", pair.certificate)
    with pytest.raises(SigningError):
        add_signer_status(prepared, keys.signing_ca, "signer-1", pair.certificate)  # nothing signed yet
    evidenced = add_signer_status(signed, keys.signing_ca, "signer-1", pair.certificate)
    assert evidenced.startswith(signed)
    responses = _responses(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(evidenced), strict=False)))
    assert list(responses) == [pair.certificate.serial_number]


def test_signer_certificates_name_their_policy_and_are_not_backdated(sealed_pdf):
    """Issue 11: a certificate policy in every signer certificate, and no backdating anywhere:
    each certificate starts at most a second before the signature it makes."""
    from signering.pki.ca import EMAIL_CODE_POLICY_OID, SIGNER_POLICY_OID

    reader = PdfFileReader(io.BytesIO(sealed_pdf), strict=False)
    signers = [s for s in reader.embedded_signatures if str(s.field_name).startswith("signer-")]
    for sig in signers:
        cert = sig.signer_cert
        policies = [p["policy_identifier"].dotted for p in cert.certificate_policies_value or []]
        assert policies == [SIGNER_POLICY_OID.dotted_string, EMAIL_CODE_POLICY_OID.dotted_string]
        not_before = cert["tbs_certificate"]["validity"]["not_before"].native
        signed = signature_time(sig.signer_info)
        assert dt.timedelta(0) <= signed - not_before < dt.timedelta(seconds=2)
