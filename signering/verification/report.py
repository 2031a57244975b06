"""The verification report: what was checked, each signature, and the findings.

Three forms: the objects, ``to_dict``/``from_dict`` (everything, both languages: how the
isolated child hands the report to the web worker) and ``to_json(lang)`` (the public JSON of
``signering verify --json`` and ``/api/v1/verify``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from ..errors import SigneringError
from .findings import Finding, Severity

if TYPE_CHECKING:
    from ..translog.client import LogCheck

#: modification levels after a signature that do not change what was signed (pyHanko's names)
HARMLESS_CHANGES = (None, "NONE", "LTA_UPDATES", "FORM_FILLING")


class VerificationFailed(SigneringError):
    code = "verification_failed"
    default_sv = "Dokumentet kunde inte verifieras."
    default_en = "The document could not be verified."


@dataclass(frozen=True)
class SignatureReport:
    field: str
    kind: str  # signer | seal | document_timestamp
    signer: str | None
    role: str | None
    signed_at: str | None
    intact: bool
    valid: bool
    trusted: bool
    timestamped: bool
    covers_whole_file: bool
    changes_after: str | None
    #: signers only: the file proves the certificate was not revoked when it signed
    status_evidence: bool | None = None
    #: signers only: how the signer was identified, from the certificate's policy
    #: (oidc | email_code; None when the certificate names no method)
    identified_by: str | None = None
    #: ETSI EN 319 102-1: TOTAL_PASSED, INDETERMINATE or TOTAL_FAILED, and the subindication
    #: (such as HASH_FAILURE or OUT_OF_BOUNDS_NO_POE) when not passed
    indication: str | None = None
    subindication: str | None = None

    @property
    def passed(self) -> bool:
        return self.indication == "TOTAL_PASSED"

    @property
    def changed_after(self) -> bool:
        """Something that matters changed after this signature."""
        return (not self.intact) or self.changes_after not in HARMLESS_CHANGES

    def to_json(self) -> dict:
        # Built field by field with plain str(): a name read from the PDF is a pyHanko string
        # object that drags the whole parsed file along (``dataclasses.asdict`` deep-copies it:
        # a 100 ms check took 40 s).
        data = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        data["changed_after"] = self.changed_after
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SignatureReport":
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


def _plain(value):
    return str(value) if isinstance(value, str) else value


@dataclass
class VerificationReport:
    status: str = "invalid"
    document_sha256: str | None = None
    original_length: int | None = None
    file_sha256: str | None = None
    signatures: list[SignatureReport] = field(default_factory=list)
    timestamped: bool = False
    sealed: bool = False
    findings: list[Finding] = field(default_factory=list)
    #: step 6, when asked for (``signering verify --log``); its findings are in ``findings`` too
    log: "LogCheck | None" = None
    #: the moment the file was judged as of (ISO 8601, UTC)
    verified_at: str | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def problems(self) -> list[str]:
        """The findings' Swedish messages: the report's older form, kept in the JSON."""
        return [f.message_sv for f in self.findings]

    def codes(self) -> list[str]:
        return [str(f.code) for f in self.findings]

    def messages(self, lang: str = "sv") -> list[str]:
        return [f.message(lang) for f in self.findings]

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def conclude(self) -> "VerificationReport":
        """Valid once every step has run, none found an error and every signature is TOTAL_PASSED."""
        failed = any(f.severity is Severity.ERROR for f in self.findings)
        self.status = "invalid" if failed or not all(s.passed for s in self.signatures) else "valid"
        return self

    def to_json(self, lang: str = "sv") -> dict:
        """The public JSON; the findings' messages in ``lang``, ``problems`` always in Swedish."""
        data = {"status": self.status, "document_sha256": self.document_sha256,
                "original_length": self.original_length, "file_sha256": self.file_sha256,
                "signatures": [s.to_json() for s in self.signatures], "timestamped": self.timestamped,
                "sealed": self.sealed, "problems": self.problems,
                "findings": [f.to_json(lang) for f in self.findings], "verified_at": self.verified_at}
        if self.log is not None:
            data["log"] = self.log.to_json()
        return data

    def to_dict(self) -> dict:
        """Everything but the log, findings in both languages: from the isolated child to its parent."""
        data = self.to_json()
        data.pop("log", None)
        data["findings"] = [f.to_dict() for f in self.findings]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "VerificationReport":
        return cls(status=data["status"], document_sha256=data.get("document_sha256"),
                   original_length=data.get("original_length"), file_sha256=data.get("file_sha256"),
                   signatures=[SignatureReport.from_dict(s) for s in data.get("signatures", ())],
                   timestamped=bool(data.get("timestamped")), sealed=bool(data.get("sealed")),
                   findings=[Finding.from_dict(f) for f in data.get("findings", ())],
                   verified_at=data.get("verified_at"))

    def raise_for_status(self) -> "VerificationReport":
        if not self.valid:
            raise VerificationFailed("Ogiltigt: " + "; ".join(self.messages("sv")),
                                     "Invalid: " + "; ".join(self.messages("en")))
        return self
