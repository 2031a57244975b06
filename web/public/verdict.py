"""The one-line answer on /verifiera: is this file the published, valid protocol, and the main reason.

The page answers that question first and then shows the details; what the registry knows
about the registered protocol is shown after it, labelled as such, never as a verdict on the
file. The quick check (``verify.js``) answers the same question from the file's hash alone,
with the same reasons and texts (``answer_texts``, handed to the script as data attributes).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

#: reason -> the one line; "published" is the only yes
ANSWERS = {
    "published": _l("Ja: filen är det publicerade protokollet, och alla underskrifter är giltiga."),
    "published_copy": _l("Ja: filen är byte för byte det publicerade, förseglade protokollet."),
    "unverifiable": _l("Nej: filen kunde inte kontrolleras."),
    "unsigned_original": _l("Nej: filen är originalprotokollet före signering. Den saknar underskrifter; det "
                            "justerade protokollet är den förseglade filen."),
    "unsigned": _l("Nej: filen saknar underskrifter och är inget justerat protokoll."),
    "modified": _l("Nej: filen har ändrats efter att den signerades."),
    "invalid_signatures": _l("Nej: minst en underskrift håller inte."),
    "incomplete": _l("Nej: protokollet är inte färdigsignerat och förseglat."),
    "withdrawn": _l("Nej: den här versionen av protokollet har dragits tillbaka eller ersatts och gäller inte."),
    "in_progress": _l("Nej: protokollet håller på att justeras; alla har inte signerat ännu."),
    "not_published": _l("Nej: underskrifterna är giltiga, men tjänsten har inte publicerat det här protokollet."),
    "other_file": _l("Nej: underskrifterna är giltiga, men filen är inte den som publicerades. Jämför med den "
                     "publicerade filen."),
    "unknown_file": _l("Nej: tjänsten känner inte till den här filen. Minsta ändring ger ett annat hashvärde; "
                       "kontrollera underskrifterna för att se vad som är fel."),
}

_MODIFIED = {"original_modified", "signature_modified", "disallowed_changes", "content_after_last_signature",
             "original_incomplete", "original_unreadable"}
_INCOMPLETE = {"signature_missing", "seal_missing", "document_timestamp_missing", "signer_fields_missing"}


@dataclass(frozen=True)
class Answer:
    yes: bool
    reason: str

    @property
    def text(self) -> str:
        return str(ANSWERS[self.reason])


def file_answer(report: dict | None, registry: dict | None) -> Answer:
    """The answer for a checked file: its report (None when it could not be checked) and the
    registry's answer for it (by its own hash, or else by the original's hash it names)."""
    if report is None:
        return Answer(False, "unverifiable")
    codes = {f["code"] for f in report.get("findings", ())}
    registry = registry or {}
    status = registry.get("status")
    if not report.get("signatures") or "no_signatures" in codes or "signature_page_missing" in codes:
        own_hash = registry.get("sha256") == report.get("file_sha256")
        original = own_hash and registry.get("matched") == "original"
        return Answer(False, "unsigned_original" if original else "unsigned")
    if codes & _MODIFIED or any(not s.get("intact") for s in report["signatures"]):
        return Answer(False, "modified")
    if codes & _INCOMPLETE:
        return Answer(False, "incomplete")
    if report.get("status") != "valid":
        return Answer(False, "invalid_signatures")
    if status == "withdrawn":
        return Answer(False, "withdrawn")
    if status != "sealed":
        return Answer(False, "not_published")
    if not registry.get("is_published_file"):
        return Answer(False, "other_file")
    return Answer(True, "published")


def builds_on_registered(report: dict | None, registry: dict | None) -> bool:
    """The file's first bytes are the registered protocol's original (checked, not just claimed)."""
    if not report or not registry or not registry.get("original_sha256"):
        return False
    codes = {f["code"] for f in report.get("findings", ())}
    return (report.get("document_sha256") == registry["original_sha256"]
            and not codes & {"original_modified", "original_incomplete", "original_unreadable", "signature_page_missing"})


def answer_texts() -> dict[str, str]:
    """Every reason's line, for the quick check's script."""
    return {reason: str(text) for reason, text in ANSWERS.items()}
