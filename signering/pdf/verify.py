"""Verify a sealed protocol offline: signatures, trust, what changed after signing, the original.

Steps 1 to 5 of the verification use case (:mod:`signering.verification.usecase`), over the
PDF with pyHanko; each problem becomes a finding with a stable code
(:mod:`signering.verification.findings`). The checks, in order:

1. the file parses as a PDF;
2. the signature page names the original (length and SHA-256) and the first bytes match it;
3. every signer field on the signature page is signed, and the seal and a document timestamp exist;
4. each signature is intact, valid and chains to a trusted root (signer certificates are
   checked at the time their trusted timestamp proves, since they live one hour by design, and
   the file must hold evidence of their status from that time: see :mod:`.evidence`);
5. nothing but form filling, signing and LTA updates (DSS, document timestamps) came after
   each signature, and the last signature or timestamp covers the whole file.

Step 4 also judges each signature by ETSI EN 319 102-1 (long-term validation with the file's
own data, :mod:`.etsi`): a signature counts only when that says TOTAL_PASSED. Everything is
judged as of one moment, ``at`` (default now), which pyHanko also takes for its "now"
(:mod:`.validation_clock`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule

from ..pki.ca import IDENTIFICATION_POLICIES
from ..library_logs import route_library_logs
from ..route import Role
from ..verification.findings import Code, finding
from ..verification.report import SignatureReport, VerificationFailed, VerificationReport
from .etsi import AdesVerdict, signature_verdicts
from .evidence import signature_time
from .validation_clock import validation_moment
from .original import read_original_marker
from .signing import CSC_BUILD_NAME
from .signature_page import field_name as signer_field_name

__all__ = ["SignatureReport", "VerificationFailed", "VerificationReport", "verify_pdf"]

#: "Now" is taken this far ahead: status evidence is dated to the whole second after the signature's
#: timestamp (``pki.ca``), so a file checked in the very second it was sealed would otherwise hold
#: evidence from "the future" and read INDETERMINATE (NO_POE). Validators allow such clock tolerance.
NOW_TOLERANCE = dt.timedelta(seconds=1)

#: the title in the e-sigill's certificate (see ``pdf.seal``), reported as its role
SEAL_TITLE = "e-sigill"


def _subject_parts(cert: asn1_x509.Certificate) -> tuple[str | None, str | None]:
    native = cert.subject.native
    title, name = native.get("title"), native.get("common_name")
    if not title:
        return (str(name) if name else None), None
    role = Role.from_title(title)
    shown = role.value if role else SEAL_TITLE if title.lower() == SEAL_TITLE else title
    return (str(name) if name else None), str(shown)


#: A person's certificate lives an hour: without evidence of its status at signing time, nothing
#: shows it was not revoked then, so that evidence is required. Long-lived certificates (CA,
#: seal, TSA) are checked against what the file carries, as before.
_SIGNER_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT))
_OTHER_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT))
_NO_SIGNER_REVOCATION = CertRevTrustPolicy(RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT))


def _context(roots, dss: DocumentSecurityStore | None, moment: dt.datetime | None, *,
             signer: bool = False, policy: CertRevTrustPolicy | None = None) -> ValidationContext:
    certs, crls, ocsps = [], [], []
    if dss is not None:
        certs = list(dss.load_certs())
        crls = [asn1_crl.CertificateList.load(c.get_object().data) for c in dss.crls]
        ocsps = [asn1_ocsp.OCSPResponse.load(o.get_object().data) for o in dss.ocsps]
    return ValidationContext(trust_roots=roots, other_certs=certs, crls=crls, ocsps=ocsps, allow_fetching=False,
                             revinfo_policy=policy or (_SIGNER_REVOCATION if signer else _OTHER_REVOCATION),
                             moment=moment, best_signature_time=moment)


def verify_pdf(data: bytes, trust_roots: list[asn1_x509.Certificate], *, require_complete: bool = True,
               at: dt.datetime | None = None) -> VerificationReport:
    """Steps 1 to 5 over ``data`` as of ``at`` (timezone-aware; default now);
    ``require_complete=False`` skips asking for the seal and the timestamp (a file still being signed)."""
    at = at or dt.datetime.now(dt.timezone.utc) + NOW_TOLERANCE
    route_library_logs()
    with validation_moment(at):
        return _verify(data, list(trust_roots), require_complete, at)


def _verify(data: bytes, roots: list, require_complete: bool, at: dt.datetime) -> VerificationReport:
    report = VerificationReport(file_sha256=hashlib.sha256(data).hexdigest(), verified_at=at.isoformat())
    # 1. the file parses as a PDF
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # any parser failure means the file is not a readable PDF
        report.add(finding(Code.UNREADABLE_PDF, error=exc.__class__.__name__))
        return report.conclude()

    _check_original(report, reader, data)

    # 3. the signatures are there ...
    if not embedded:
        report.add(finding(Code.NO_SIGNATURES))
        return report.conclude()

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        dss = None
    by_field = {}
    last = embedded[-1]
    proven_at = _proven_at(embedded)
    # Step 5 below judges what changed after each signature; the ETSI part need not do it again.
    verdicts = {v.field: v for v in signature_verdicts(embedded, roots, at, diff_analysis=False)}
    # 4. and 5., each signature in turn
    for sig, moment in zip(embedded, proven_at):
        by_field[str(sig.field_name)] = sig
        report.signatures.append(_check_one(sig, roots, dss, is_last=sig is last, report=report, at=at,
                                            verdict=verdicts.get(str(sig.field_name)), ts_moment=moment))

    # 3. ... in order, with the seal and the document timestamp
    signer_fields = sorted((f for f in _all_sig_fields(reader) if f.startswith("signer-")),
                           key=lambda f: int(f.split("-")[1]))
    for index, fname in enumerate(signer_fields):
        if fname != signer_field_name(index):
            report.add(finding(Code.UNEXPECTED_SIGNER_FIELD, signature=fname, field=fname))
        if fname not in by_field:
            report.add(finding(Code.SIGNATURE_MISSING, signature=fname, number=index + 1, field=fname))
    report.sealed = any(s.kind == "seal" for s in report.signatures)
    report.timestamped = any(s.kind == "document_timestamp" and s.valid for s in report.signatures)
    if require_complete:
        if not signer_fields:
            report.add(finding(Code.SIGNER_FIELDS_MISSING))
        if not report.sealed:
            report.add(finding(Code.SEAL_MISSING))
        if not any(s.kind == "document_timestamp" for s in report.signatures):
            report.add(finding(Code.DOCUMENT_TIMESTAMP_MISSING))
    return report.conclude()


def _check_original(report: VerificationReport, reader: PdfFileReader, data: bytes) -> None:
    """2. the signature page names the original, and the file's first bytes are that PDF."""
    marker = read_original_marker(reader)
    if marker is None:
        report.add(finding(Code.SIGNATURE_PAGE_MISSING))
        return
    length, claimed = marker
    report.original_length, report.document_sha256 = length, claimed
    prefix = data[:length]
    if len(data) < length or hashlib.sha256(prefix).hexdigest() != claimed:
        report.add(finding(Code.ORIGINAL_MODIFIED))
    elif not prefix.rstrip().endswith(b"%%EOF"):
        report.add(finding(Code.ORIGINAL_INCOMPLETE))
    else:
        try:
            PdfFileReader(io.BytesIO(prefix), strict=False).root["/Pages"]
        except Exception:
            report.add(finding(Code.ORIGINAL_UNREADABLE))


def _all_sig_fields(reader: PdfFileReader) -> list[str]:
    from pyhanko.sign.fields import enumerate_sig_fields

    return [name for name, _value, _ref in enumerate_sig_fields(reader, filled_status=None)]


def _ts_moment(proven: dt.datetime | None, at: dt.datetime) -> dt.datetime:
    """A timestamp is judged when the next one proves it existed, but never after the moment asked for."""
    return at if proven is None else min(proven, at)


def _proven_at(embedded) -> list[dt.datetime | None]:
    """For each signature, when the next document timestamp proves it existed (None: now).

    A TSA certificate need only be valid when a later timestamp covered what it signed: that is
    what archive-timestamp renewal (:mod:`.renew`) relies on once the first TSA certificate has
    expired. The later timestamp is itself checked, as of the one after it, and the newest now.
    """
    moments: list[dt.datetime | None] = []
    following = None
    for sig in reversed(embedded):
        moments.append(following)
        if sig.sig_object_type == "/DocTimeStamp":
            try:
                following = sig.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
            except (ValueError, KeyError, TypeError):
                following = None
    return moments[::-1]


def _check_one(sig, roots, dss, *, is_last: bool, report: VerificationReport, at: dt.datetime,
               verdict: AdesVerdict | None, ts_moment: dt.datetime | None = None) -> SignatureReport:
    kind = "document_timestamp" if sig.sig_object_type == "/DocTimeStamp" else (
        "seal" if sig.field_name == "seal" else "signer")
    # pyHanko's name objects keep the parsed document alive; plain strings keep reports light.
    label = str(sig.field_name)
    try:
        if kind == "document_timestamp":
            status = validate_pdf_timestamp(sig, validation_context=_context(roots, dss, _ts_moment(ts_moment, at)))
            when = status.timestamp
            signer, role, timestamped = "Tidsstämpel", None, True
        else:
            when = signature_time(sig.signer_info)
            status = validate_pdf_signature(sig, signer_validation_context=_context(roots, dss, when or at,
                                                                                    signer=kind == "signer"),
                                            ts_validation_context=_context(roots, dss, _ts_moment(ts_moment, at)))
            signer, role = _subject_parts(sig.signer_cert)
            ts = status.timestamp_validity
            timestamped = bool(ts and ts.intact and ts.valid and ts.trusted)
            when = when or status.signer_reported_dt
    except (SignatureValidationError, ValueError, KeyError) as exc:
        report.add(finding(Code.SIGNATURE_UNCHECKABLE, signature=label, field=label, error=str(exc)))
        return SignatureReport(label, kind, None, None, None, False, False, False, False, False, None,
                               indication=verdict.indication if verdict else "INDETERMINATE",
                               subindication=verdict.subindication if verdict else "GENERIC")
    who = signer or label
    found_before = len(report.findings)

    def add(code: Code) -> None:
        report.add(finding(code, signature=label, who=who))

    # pyHanko's ``trusted`` is false for any broken signature; whether the certificate chains to a
    # trusted root is its own question, and a broken signature must not read "untrusted".
    chain_trusted = status.validation_path is not None and status.trust_problem_indic is None
    if not status.intact:
        add(Code.SIGNATURE_MODIFIED)
    elif not status.valid:
        add(Code.SIGNATURE_INVALID)
    evidence = bool(status.trusted) if kind == "signer" else None
    if status.intact and status.valid and not status.trusted:
        if kind == "signer" and _trusted_without_status(sig, roots, dss, when or at, at):
            add(Code.STATUS_EVIDENCE_MISSING)
        else:
            evidence = None
            add(Code.UNTRUSTED_CERTIFICATE)
    elif not status.intact or not status.valid:
        evidence = None
        if not chain_trusted:  # broken and, on its own, not chaining to a trusted root either
            add(Code.UNTRUSTED_CERTIFICATE)
    if kind != "document_timestamp" and not timestamped:
        add(Code.SIGNATURE_NOT_TIMESTAMPED)
    level = status.modification_level
    allowed = ModificationLevel.FORM_FILLING
    if level is None or level.value > allowed.value:
        add(Code.DISALLOWED_CHANGES)
    covers_all = str(status.coverage).endswith("ENTIRE_FILE")
    if is_last and not covers_all and (level is None or level.value > ModificationLevel.LTA_UPDATES.value):
        report.add(finding(Code.CONTENT_AFTER_LAST_SIGNATURE, signature=label))
    if verdict is None:  # a document timestamp: the evidence record, see ``_timestamp_indication``
        indication, subindication = _timestamp_indication(status, chain_trusted)
    else:
        indication, subindication = verdict.indication, verdict.subindication
    if indication != "TOTAL_PASSED" and len(report.findings) == found_before:
        # The standard's algorithm found what the checks above did not name: say so, with its words.
        report.add(finding(Code.LONG_TERM_VALIDATION_NOT_PASSED, signature=label, who=who, indication=indication,
                           subindication=subindication or "-"))
    return SignatureReport(
        field=label, kind=kind, signer=signer, role=role,
        signed_at=when.astimezone(dt.timezone.utc).isoformat() if when else None,
        intact=bool(status.intact), valid=bool(status.valid), trusted=chain_trusted,
        timestamped=timestamped, covers_whole_file=covers_all,
        changes_after=level.name if level is not None else None, status_evidence=evidence,
        identified_by=identified_by(sig) if kind == "signer" else None,
        indication=indication, subindication=subindication,
    )


def identified_by(sig) -> str | None:
    """How the signer was identified: "csc" for a signature from a remote signing service (named in
    the signature dictionary's build properties, which the signature itself covers), else read from
    the certificate policies (``signering.pki.ca``)."""
    try:
        app = sig.sig_object.get("/Prop_Build", {}).get("/App", {}).get("/Name")
    except (AttributeError, TypeError):
        app = None
    if app is not None and str(app).lstrip("/") == CSC_BUILD_NAME:
        return "csc"
    for policy in sig.signer_cert.certificate_policies_value or []:
        method = IDENTIFICATION_POLICIES.get(policy["policy_identifier"].dotted)
        if method:
            return method
    return None


def _timestamp_indication(status, chain_trusted: bool) -> tuple[str, str | None]:
    """A document timestamp's verdict. Each signature's long-term validation validates the chain of
    document timestamps as its evidence record; on its own, a timestamp passes when its token is
    intact, valid and its TSA certificate chains to a trusted root as of the moment."""
    if not status.intact:
        return "TOTAL_FAILED", "HASH_FAILURE"
    if not status.valid:
        return "TOTAL_FAILED", "SIG_CRYPTO_FAILURE"
    if not chain_trusted:
        return "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"
    return "TOTAL_PASSED", None


def _trusted_without_status(sig, roots, dss, when, at) -> bool:
    """Would the signer's chain be trusted if status evidence were not required? Then the one thing
    missing is evidence from signing time, which is worth saying plainly (see issue 18)."""
    try:
        status = validate_pdf_signature(
            sig, signer_validation_context=_context(roots, dss, when, policy=_NO_SIGNER_REVOCATION),
            ts_validation_context=_context(roots, dss, at))
    except (SignatureValidationError, ValueError, KeyError):
        return False
    return bool(status.trusted)
