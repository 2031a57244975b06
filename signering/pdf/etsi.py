"""ETSI EN 319 102-1 long-term validation of every signature in a file, by pyHanko's engine.

Only what the file carries counts (no fetching): the DSS, the revocation data inside the
signatures, and the chain of document timestamps as proof of existence. Revocation data is
required for every certificate below the root, as an archive's validator would require it.
``at`` is the moment of validation, and pyHanko takes it for "now" too (it reads the wall
clock for proofs of existence of embedded data otherwise; see :mod:`.validation_clock`), so a
file is judged as of ``at`` without moving the process's clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevocationInfoGatheringSpec,
    RevinfoOnlineFetchingRule,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from .validation_clock import validation_moment

log = logging.getLogger("signering.etsi")


@dataclass(frozen=True)
class AdesVerdict:
    field: str
    indication: str  # TOTAL_PASSED | INDETERMINATE | TOTAL_FAILED
    subindication: str | None


def _spec(roots: list[asn1_x509.Certificate]) -> PdfSignatureValidationSpec:
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=roots),
            revinfo_policy=CertRevTrustPolicy(revocation_checking_policy=REQUIRE_REVINFO)),
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
    ))


def _indication(subindic) -> tuple[str, str | None]:
    name = type(subindic).__name__
    if name == "AdESPassed":
        return "TOTAL_PASSED", None
    if name == "AdESFailure":
        return "TOTAL_FAILED", subindic.name
    return "INDETERMINATE", subindic.name


async def _validate_all(signatures, roots, at: dt.datetime, diff_analysis: bool) -> list[AdesVerdict]:
    spec = _spec(roots)
    if not diff_analysis:
        spec = dataclasses.replace(spec, diff_policy=None)
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=False)
    verdicts = []
    for sig in signatures:
        if sig.sig_object_type == "/DocTimeStamp":
            continue  # judged inside each signature's LTA validation, as its evidence record
        try:
            result = await ades_lta_validation(sig, spec, timing_info=timing)
            verdict = AdesVerdict(str(sig.field_name), *_indication(result.ades_subindic))
        except Exception as exc:  # a file broken in a way pyHanko's engine does not expect
            log.info("long-term validation of %s could not run: %r", sig.field_name, exc)
            verdict = AdesVerdict(str(sig.field_name), "INDETERMINATE", "GENERIC")
        verdicts.append(verdict)
    return verdicts


def signature_verdicts(signatures, roots: list[asn1_x509.Certificate], at: dt.datetime, *,
                       diff_analysis: bool = True) -> list[AdesVerdict]:
    """One verdict per signature of ``signatures`` (pyHanko's embedded signatures of one parsed
    file), in order, as of ``at``; document timestamps get none (see :func:`ades_verdicts`).

    ``diff_analysis=False`` leaves out pyHanko's analysis of what changed after each signature
    (and after each document timestamp), which it repeats for every signature: for a caller that
    judges those changes itself, as ``pdf.verify`` does (step 5), it only costs time (about
    two thirds of it for a sealed protocol)."""
    with validation_moment(at):
        return asyncio.run(_validate_all(list(signatures), list(roots), at, diff_analysis))


def ades_verdicts(data: bytes, roots: list[asn1_x509.Certificate], at: dt.datetime | None = None
                  ) -> list[AdesVerdict]:
    """One verdict per signature (signers and seal), in file order, as of ``at`` (default now).

    Document timestamps get no verdict of their own: they are the evidence record that each
    signature's long-term validation checks."""
    at = at or dt.datetime.now(dt.timezone.utc)
    return signature_verdicts(PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures, roots, at)
