"""Archive-timestamp renewal of a sealed protocol (PAdES B-LTA, ETSI EN 319 142-1, 5.5).

A sealed file ends with one document timestamp. Its proof holds only while the TSA certificate
that signed it is valid (and its algorithms are strong). Before that certificate expires, a new
document timestamp by a TSA certificate that lives longer is put over the whole file, after the
validation data of the newest timestamp (its certificate path and the revocation data for it):
the new timestamp then proves that the old one, and the evidence that it was good, existed while
it still could be checked. Repeated every time the newest TSA certificate nears its end, the
chain of timestamps keeps the signatures provable for as long as the archive keeps the file.

Everything is an incremental update: the file before renewal is the byte prefix of the renewed
one, so every earlier signature and timestamp still covers exactly what it covered.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule

from ..errors import InputError, SigneringError
from ..pki.certs import to_asn1
from ..pki.orgkeys import OrgKeys
from .seal import SEAL_FIELD, document_timestamp


class NotSealedProtocol(InputError):
    code = "not_sealed_protocol"
    default_sv = ("Filen är inget förseglat protokoll: den saknar organisationens e-sigill och en "
                  "dokumenttidsstämpel. Välj den förseglade PDF-filen (den som anslogs eller arkiverades).")
    default_en = ("The file is not a sealed protocol: it lacks the organisation's e-seal and a document "
                  "timestamp. Choose the sealed PDF file (the one that was posted or archived).")


class UnknownTsa(SigneringError):
    code = "unknown_tsa"
    http_status = 422
    default_sv = ("Den senaste tidsstämpelns tidsstämpelcertifikat kan inte styrkas med organisationens "
                  "nycklar: det leder inte till organisationens rot, eller spärrinformation för det saknas "
                  "(root.crl.pem i nyckelkatalogen). Förnya med rätt organisation, eller lägg in rotens "
                  "aktuella spärrlista.")
    default_en = ("The newest timestamp's TSA certificate cannot be evidenced with the organisation's keys: "
                  "it does not lead to the organisation's root, or revocation data for it is missing "
                  "(root.crl.pem in the key directory). Renew with the right organisation, or add the root's "
                  "current revocation list.")


class RenewalPointless(SigneringError):
    code = "renewal_pointless"
    http_status = 409
    default_sv = ("Organisationens tidsstämpelcertifikat går inte ut senare än det som skrev den senaste "
                  "tidsstämpeln, så en ny tidsstämpel förlänger ingenting. Byt tidsstämpelnyckel "
                  "(tsa.pem och tsa.key.pem) och förnya sedan.")
    default_en = ("The organisation's TSA certificate does not expire later than the one that made the newest "
                  "timestamp, so a new timestamp extends nothing. Rotate the TSA key (tsa.pem and "
                  "tsa.key.pem), then renew.")


class RevocationDataUnsuitable(SigneringError):
    code = "revocation_data_unsuitable"
    http_status = 409
    default_sv = ("Spärrinformationen för den senaste tidsstämpelns certifikat räcker inte för förnyelse: det "
                  "behövs en spärrlista (eller OCSP-svar) som gäller nu och vars nästa uppdatering (nextUpdate) "
                  "ligger före certifikatets slutdatum. Publicera en ny spärrlista från roten (root.crl.pem i "
                  "nyckelkatalogen) och förnya sedan.")
    default_en = ("The revocation data for the newest timestamp's certificate is not enough to renew: it takes a "
                  "revocation list (or OCSP response) valid now whose nextUpdate lies before the certificate "
                  "expires. Publish a new revocation list from the root (root.crl.pem in the key directory), "
                  "then renew.")


@dataclass(frozen=True)
class NewestTimestamp:
    """The document timestamp a verifier checks against the present: the last one in the file."""
    time: dt.datetime
    tsa_not_after: dt.datetime
    tsa_subject: str


_TSA_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED))


def _reader(pdf: bytes) -> PdfFileReader:
    if not pdf.lstrip()[:5].startswith(b"%PDF-"):
        raise NotSealedProtocol("Filen är ingen PDF. Välj det förseglade protokollets PDF-fil.",
                                "The file is not a PDF. Choose the sealed protocol's PDF file.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.embedded_signatures  # noqa: B018 - parse the signatures now, so junk fails here
    except Exception as exc:  # any parser failure means the file cannot be renewed
        raise NotSealedProtocol("PDF-filen är skadad och kan inte läsas, så den kan inte förnyas.",
                                "The PDF file is damaged and cannot be read, so it cannot be renewed.",
                                error=exc.__class__.__name__) from exc
    return reader


def _last_document_timestamp(reader: PdfFileReader):
    signatures = list(reader.embedded_signatures)
    sealed = any(str(s.field_name) == SEAL_FIELD and s.sig_object_type == "/Sig" for s in signatures)
    if not sealed or not signatures or signatures[-1].sig_object_type != "/DocTimeStamp":
        raise NotSealedProtocol()
    return signatures[-1]


def newest_timestamp(pdf: bytes) -> NewestTimestamp:
    """When the file's last document timestamp was made, and when its TSA certificate expires."""
    sig = _last_document_timestamp(_reader(pdf))
    tst = sig.signed_data["encap_content_info"]["content"].parsed
    cert = sig.signer_cert
    return NewestTimestamp(time=tst["gen_time"].native,
                           tsa_not_after=cert["tbs_certificate"]["validity"]["not_after"].native,
                           tsa_subject=cert.subject.human_friendly)


def _validation_data(sig, keys: OrgKeys, dss) -> tuple[list, list, list]:
    """The certificates and revocation data that show ``sig``'s TSA certificate good now.

    Only what the organisation's keys and the file hold is used (no fetching): the renewal must
    not depend on a network the service may not have, and the evidence it adds must be what it
    checked. Raises :class:`UnknownTsa` when that is not enough to trust the TSA certificate.
    """
    crls = [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER)) for c in keys.crls()]
    ocsps = []
    certs = [to_asn1(c) for c in keys.all_certificates()]
    if dss is not None:
        certs += list(dss.load_certs())
        crls += [asn1_crl.CertificateList.load(c.get_object().data) for c in dss.crls]
        ocsps += [asn1_ocsp.OCSPResponse.load(o.get_object().data) for o in dss.ocsps]
    context = ValidationContext(trust_roots=[to_asn1(keys.root)], other_certs=certs, crls=crls, ocsps=ocsps,
                                allow_fetching=False, revinfo_policy=_TSA_REVOCATION)
    try:
        status = validate_pdf_timestamp(sig, validation_context=context)
    except Exception as exc:  # pyHanko raises several kinds for a token it cannot check
        raise UnknownTsa(tsa=sig.signer_cert.subject.human_friendly, error=str(exc)) from exc
    if not (status.intact and status.valid and status.trusted) or status.validation_path is None:
        raise UnknownTsa(tsa=sig.signer_cert.subject.human_friendly)
    path_certs = [c for c in status.validation_path.iter_certs(include_root=True)]
    _check_outlasting_evidence(sig.signer_cert, crls, ocsps)
    return path_certs, crls, ocsps


def _check_outlasting_evidence(tsa_cert, crls, ocsps) -> None:
    """Some revocation data for the TSA certificate must be valid now and end before it does.

    An ETSI validator checking the old timestamp after its certificate expired slides its
    control time back to the revocation data's ``nextUpdate`` (EN 319 102-1, 5.6.2.1); only if
    that lands inside the certificate's life, and after the new timestamp's proof of existence,
    does the old timestamp still pass. A CRL valid past the certificate's expiry proves nothing
    then (measured: INDETERMINATE / OUT_OF_BOUNDS_NO_POE).
    """
    now = dt.datetime.now(dt.timezone.utc)
    not_after = tsa_cert["tbs_certificate"]["validity"]["not_after"].native
    issuer = tsa_cert.issuer
    serial = tsa_cert.serial_number
    windows = [(c["tbs_cert_list"]["this_update"].native, c["tbs_cert_list"]["next_update"].native)
               for c in crls if c["tbs_cert_list"]["issuer"] == issuer]
    for response in ocsps:
        try:
            basic = response["response_bytes"]["response"].parsed
            for single in basic["tbs_response_data"]["responses"]:
                if single["cert_id"]["serial_number"].native == serial:
                    windows.append((single["this_update"].native, single["next_update"].native))
        except (KeyError, TypeError, ValueError):
            continue
    if not any(this <= now and nxt is not None and now < nxt <= not_after for this, nxt in windows):
        raise RevocationDataUnsuitable(tsa=tsa_cert.subject.human_friendly, tsa_not_after=not_after.isoformat())


def renew(pdf: bytes, *, keys: OrgKeys, timestamper: TimeStamper,
          new_tsa_not_after: dt.datetime | None = None) -> bytes:
    """Validation data of the newest timestamp → a new document timestamp over the whole file.

    ``new_tsa_not_after`` is when the certificate of the TSA about to be used expires, when it is
    known beforehand (the organisation's own TSA): renewing with a certificate that expires no
    later than the newest one's extends nothing, and is refused.
    """
    reader = _reader(pdf)
    sig = _last_document_timestamp(reader)
    current = sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native
    if new_tsa_not_after is not None and new_tsa_not_after <= current:
        raise RenewalPointless(current=current.isoformat(), new=new_tsa_not_after.isoformat())
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS yet (not a file we sealed, but still one we can renew)
        dss = None
    certs, crls, ocsps = _validation_data(sig, keys, dss)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=certs, crls=crls, ocsps=ocsps)
    out = io.BytesIO()
    writer.write(out)
    renewed = document_timestamp(out.getvalue(), timestamper)
    used = newest_timestamp(renewed).tsa_not_after
    if new_tsa_not_after is None and used <= current:
        error = RenewalPointless(current=current.isoformat(), new=used.isoformat())
        error.tsa_not_after = used
        raise error
    return renewed
