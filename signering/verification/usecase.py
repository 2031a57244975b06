"""The verification use case: one function for ``signering verify``, ``/verifiera`` and
``/api/v1/verify`` (the web runs it in the isolated child, ``ingest.child``).

Steps, in order (each problem a finding, see :mod:`.findings`):

1. the file parses as a PDF;
2. the signature page names the original and the file's first bytes are it;
3. every signer field is signed, and the seal and the document timestamp exist;
4. each signature is intact, valid, trusted and timestamped, with status evidence, and passes
   ETSI EN 319 102-1 long-term validation (TOTAL_PASSED) with the file's own data;
5. only allowed changes came after each signature, and the last one covers the whole file;
6. (only when a log is given) the transparency log holds this very file.

Steps 1 to 5 read the PDF (:func:`signering.pdf.verify.verify_pdf`); step 6 asks a server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

from ..pdf.verify import verify_pdf
from .report import VerificationReport


@dataclass(frozen=True)
class LogTarget:
    """Where step 6 looks: a Signering service's URL, the log key the caller pins (a
    ``translog.client.LogPin``), and the file of checkpoints seen before (None: do not compare)."""

    url: str
    pin: object
    heads_file: str | None = None
    #: ``translog.cosignature.WitnessKey``s that must have cosigned the checkpoint used
    witnesses: tuple = ()
    #: checkpoint notes a witness showed (cosigned): the log must agree with them
    witnessed: tuple = ()


def verify_file(data: bytes, trust_roots: list[asn1_x509.Certificate], *, log: LogTarget | None = None,
                lang: str = "sv", at: dt.datetime | None = None) -> VerificationReport:
    """Verify a sealed protocol's bytes against ``trust_roots`` as of ``at`` (default now); ``lang``
    is for the log's own report (``report.log.problems``). Raises only when the log cannot be
    asked at all (``LogUnavailable``)."""
    report = verify_pdf(data, trust_roots, at=at)
    if log is not None:
        from ..translog.client import check_inclusion  # needs requests; the child never gets here
        from ..translog.seen_heads import SeenHeads

        heads = SeenHeads(log.heads_file) if log.heads_file else None
        report.log = check_inclusion(log.url, data, pin=log.pin, heads=heads, witnesses=log.witnesses,
                                     witnessed=log.witnessed, lang=lang)
        report.findings.extend(report.log.findings)
        report.conclude()
    return report
