"""The signature page's words, in Swedish and English."""

from __future__ import annotations

TEXTS = {
    "sv": {
        "heading": "Signering",
        "continued": "Signering (forts.)",
        "subtitle": "Följande parter signerar detta dokument elektroniskt, i den ordning som anges nedan.",
        "board": "Organ",
        "date": "Sammanträdesdatum",
        "pages": "Omfattning",
        "pages_value": "{n} {sidor} protokoll + {k} {signatursidor}",
        "page_words": ("sida", "sidor", "signatursida", "signatursidor"),
        "signers": "Undertecknare",
        "hash_intro": "Originalprotokollet ({n} {sidor}, {length} byte) har SHA-256-kontrollsumman",
        "verify": (
            "Dokumentet signeras elektroniskt. Signaturerna kan kontrolleras på {url} "
            "eller med QR-koden."
        ),
        "pades": (
            "Varje underskrift är en elektronisk underskrift enligt PAdES med ett eget "
            "certifikat i undertecknarens namn."
        ),
        "log": (
            "Det förseglade protokollet förs in i tjänstens transparenslogg. Loggens nyckel har "
            "fingeravtrycket (SHA-256) {fingerprint}."
        ),
        "qr_caption": "Skanna för att kontrollera",
        "section": "Underskrifter",
        "footer": "Signatursida",
        "page_of": "Sida {i} ({n})",
        "identified": {"oidc": "Legitimerad med e-legitimation", "email_code": "Bekräftad med kod via e-post",
                       "csc": "Signerad via signeringstjänst"},
    },
    "en": {
        "heading": "Signatures",
        "continued": "Signatures (continued)",
        "subtitle": "The following parties sign this document electronically, in the order shown below.",
        "board": "Board",
        "date": "Meeting date",
        "pages": "Extent",
        "pages_value": "{n} {sidor} of minutes + {k} {signatursidor}",
        "page_words": ("page", "pages", "signature page", "signature pages"),
        "signers": "Signers",
        "hash_intro": "The original minutes ({n} {sidor}, {length} bytes) have the SHA-256 checksum",
        "verify": (
            "The document is signed electronically. The signatures can be checked at {url} "
            "or with the QR code."
        ),
        "pades": (
            "Each signature is an electronic signature following PAdES, with its own "
            "certificate in the signer's name."
        ),
        "log": (
            "The sealed minutes are entered in the service's transparency log. The log's key has "
            "the fingerprint (SHA-256) {fingerprint}."
        ),
        "qr_caption": "Scan to check",
        "section": "Signatures",
        "footer": "Signature page",
        "page_of": "Page {i} of {n}",
        "identified": {"oidc": "Identified with e-legitimation", "email_code": "Confirmed with a code by e-mail",
                       "csc": "Signed through a signing service"},
    },
}


def texts(lang: str) -> dict:
    return TEXTS["en" if lang.startswith("en") else "sv"]
