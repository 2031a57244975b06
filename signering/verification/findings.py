"""What verification can find wrong: each finding has a stable code (for matching and
translating), a severity and a message in Swedish and English.

The codes are a public contract (``findings`` in ``signering verify --json`` and in
``/api/v1/verify``, README "Verifying a protocol offline"): add new ones, never rename.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    #: the file is not a valid sealed protocol
    ERROR = "error"


class Code(enum.StrEnum):
    # 1. the file parses as a PDF
    UNREADABLE_PDF = "unreadable_pdf"
    # 2. the signature page names the original, and the first bytes are it
    SIGNATURE_PAGE_MISSING = "signature_page_missing"
    ORIGINAL_MODIFIED = "original_modified"
    ORIGINAL_INCOMPLETE = "original_incomplete"
    ORIGINAL_UNREADABLE = "original_unreadable"
    # 3. every signer field is signed, and the seal and the document timestamp exist
    NO_SIGNATURES = "no_signatures"
    UNEXPECTED_SIGNER_FIELD = "unexpected_signer_field"
    SIGNATURE_MISSING = "signature_missing"
    SIGNER_FIELDS_MISSING = "signer_fields_missing"
    SEAL_MISSING = "seal_missing"
    DOCUMENT_TIMESTAMP_MISSING = "document_timestamp_missing"
    # 4. each signature is intact, valid, trusted and timestamped, with status evidence
    SIGNATURE_UNCHECKABLE = "signature_uncheckable"
    SIGNATURE_MODIFIED = "signature_modified"
    SIGNATURE_INVALID = "signature_invalid"
    STATUS_EVIDENCE_MISSING = "status_evidence_missing"
    UNTRUSTED_CERTIFICATE = "untrusted_certificate"
    SIGNATURE_NOT_TIMESTAMPED = "signature_not_timestamped"
    # 5. only allowed changes after each signature, and the last one covers the file
    DISALLOWED_CHANGES = "disallowed_changes"
    CONTENT_AFTER_LAST_SIGNATURE = "content_after_last_signature"
    # 6. (signering verify --log) the transparency log holds the file
    NOT_IN_LOG = "not_in_log"
    LOG_ENTRY_OTHER_FILE = "log_entry_other_file"
    LOG_PROOF_INVALID = "log_proof_invalid"
    LOG_SPLIT_VIEW = "log_split_view"
    LOG_NOT_WITNESSED = "log_not_witnessed"
    # 4. (added later, so listed last: codes keep their order) the ETSI EN 319 102-1 verdict
    LONG_TERM_VALIDATION_NOT_PASSED = "long_term_validation_not_passed"


#: code -> (severity, Swedish template, English template); templates take the finding's params.
CATALOG: dict[Code, tuple[Severity, str, str]] = {
    Code.UNREADABLE_PDF: (
        Severity.ERROR,
        "Filen är ingen läsbar PDF ({error}); den kan vara trunkerad eller skadad.",
        "The file is not a readable PDF ({error}); it may be truncated or damaged."),
    Code.SIGNATURE_PAGE_MISSING: (
        Severity.ERROR,
        "Signeringssidan saknas: filen innehåller inga uppgifter om originalprotokollet.",
        "The signature page is missing: the file holds no details of the original protocol."),
    Code.ORIGINAL_MODIFIED: (
        Severity.ERROR,
        "De första byten i filen stämmer inte med originalprotokollets SHA-256 på signatursidan.",
        "The first bytes of the file do not match the original protocol's SHA-256 on the signature page."),
    Code.ORIGINAL_INCOMPLETE: (
        Severity.ERROR,
        "Originalprotokollet i filen är inte en komplett PDF (slutmarkering saknas).",
        "The original protocol in the file is not a complete PDF (the end marker is missing)."),
    Code.ORIGINAL_UNREADABLE: (
        Severity.ERROR,
        "Originalprotokollet i filen är inte en komplett, läsbar PDF.",
        "The original protocol in the file is not a complete, readable PDF."),
    Code.NO_SIGNATURES: (
        Severity.ERROR,
        "Filen innehåller inga underskrifter (de kan ha tagits bort).",
        "The file holds no signatures (they may have been removed)."),
    Code.UNEXPECTED_SIGNER_FIELD: (
        Severity.ERROR,
        "Oväntat underskriftsfält {field}.",
        "Unexpected signature field {field}."),
    Code.SIGNATURE_MISSING: (
        Severity.ERROR,
        "Underskrift {number} i ordningen saknas (fältet {field} är inte signerat).",
        "Signature {number} in the order is missing (the field {field} is not signed)."),
    Code.SIGNER_FIELDS_MISSING: (
        Severity.ERROR,
        "Signeringssidans underskriftsfält saknas.",
        "The signature page's signature fields are missing."),
    Code.SEAL_MISSING: (
        Severity.ERROR,
        "Organisationens e-sigill saknas: protokollet är inte förseglat.",
        "The organisation's e-seal is missing: the protocol is not sealed."),
    Code.DOCUMENT_TIMESTAMP_MISSING: (
        Severity.ERROR,
        "Dokumenttidsstämpel saknas (PAdES B-LTA).",
        "The document timestamp is missing (PAdES B-LTA)."),
    Code.SIGNATURE_UNCHECKABLE: (
        Severity.ERROR,
        "Underskriften i fältet {field} kunde inte kontrolleras: {error}",
        "The signature in the field {field} could not be checked: {error}"),
    Code.SIGNATURE_MODIFIED: (
        Severity.ERROR,
        "Underskriften av {who} är bruten: det signerade innehållet har ändrats.",
        "The signature by {who} is broken: the signed content has been changed."),
    Code.SIGNATURE_INVALID: (
        Severity.ERROR,
        "Underskriften av {who} är ogiltig (kryptografiskt fel).",
        "The signature by {who} is invalid (cryptographic error)."),
    Code.STATUS_EVIDENCE_MISSING: (
        Severity.ERROR,
        "Filen visar inte att certifikatet för {who} var giltigt (inte spärrat) när underskriften gjordes: "
        "spärrinformation från signeringstillfället saknas.",
        "The file does not show that the certificate of {who} was valid (not revoked) when the signature was "
        "made: revocation information from the time of signing is missing."),
    Code.UNTRUSTED_CERTIFICATE: (
        Severity.ERROR,
        "Certifikatet för {who} leder inte till en betrodd rot.",
        "The certificate of {who} does not lead to a trusted root."),
    Code.SIGNATURE_NOT_TIMESTAMPED: (
        Severity.ERROR,
        "Underskriften av {who} saknar en giltig tidsstämpel.",
        "The signature by {who} has no valid timestamp."),
    Code.DISALLOWED_CHANGES: (
        Severity.ERROR,
        "Efter underskriften av {who} har dokumentet ändrats på ett otillåtet sätt (t.ex. sidor eller innehåll).",
        "After the signature by {who} the document was changed in a way that is not allowed (such as pages or "
        "content)."),
    Code.CONTENT_AFTER_LAST_SIGNATURE: (
        Severity.ERROR,
        "Något har lagts till efter den sista underskriften/tidsstämpeln.",
        "Something was added after the last signature or timestamp."),
    Code.NOT_IN_LOG: (
        Severity.ERROR,
        "Den förseglade filen (SHA-256 {sha256}) finns inte i transparensloggen på {url}.",
        "The sealed file (SHA-256 {sha256}) is not in the transparency log at {url}."),
    Code.LOG_ENTRY_OTHER_FILE: (
        Severity.ERROR,
        "Loggposten gäller en annan förseglad fil ({logged}), inte den här ({sha256}).",
        "The log entry is for another sealed file ({logged}), not this one ({sha256})."),
    Code.LOG_PROOF_INVALID: (
        Severity.ERROR,
        "{detail}",
        "{detail}"),
    Code.LOG_SPLIT_VIEW: (
        Severity.ERROR,
        "Delad vy: {detail} Trädhuvudena som setts tidigare finns i {heads}.",
        "Split view: {detail} The tree heads seen before are in {heads}."),
    Code.LOG_NOT_WITNESSED: (
        Severity.ERROR,
        "Inte bevittnad: {detail}",
        "Not witnessed: {detail}"),
    Code.LONG_TERM_VALIDATION_NOT_PASSED: (
        Severity.ERROR,
        "Underskriften av {who} klarar inte långtidsvalideringen enligt ETSI EN 319 102-1 med filens egna "
        "uppgifter ({indication}, {subindication}).",
        "The signature by {who} does not pass long-term validation by ETSI EN 319 102-1 with the file's own "
        "data ({indication}, {subindication})."),
}


@dataclass(frozen=True)
class Finding:
    code: Code
    severity: Severity
    message_sv: str
    message_en: str
    #: the signature field it concerns ("signer-1", "seal", ...); None for the file as a whole
    signature: str | None = None

    def message(self, lang: str = "sv") -> str:
        return self.message_en if lang.startswith("en") else self.message_sv

    def to_json(self, lang: str = "sv") -> dict:
        """The public form: ``{code, severity, message, signature}``, the message in ``lang``."""
        return {"code": str(self.code), "severity": str(self.severity), "message": self.message(lang),
                "signature": self.signature}

    def to_dict(self) -> dict:
        """Both messages, for passing a report between processes (see ``VerificationReport.to_dict``)."""
        return {"code": str(self.code), "severity": str(self.severity), "message_sv": self.message_sv,
                "message_en": self.message_en, "signature": self.signature}

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(Code(data["code"]), Severity(data["severity"]), data["message_sv"], data["message_en"],
                   data.get("signature"))


def finding(code: Code, *, signature: str | None = None, **params) -> Finding:
    """The finding ``code`` with its messages filled in. A param may be a ``(sv, en)`` pair when
    its text depends on the language (an error's own message)."""
    severity, sv, en = CATALOG[code]

    def fill(template: str, index: int) -> str:
        return template.format(**{k: v[index] if isinstance(v, tuple) else v for k, v in params.items()})

    return Finding(code, severity, fill(sv, 0), fill(en, 1), None if signature is None else str(signature))
