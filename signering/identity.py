"""Who a signer is: the personnummer staff may give, and the name, as compared with an
e-legitimation login.

A personnummer is kept only as an HMAC keyed with the service's secret: ten digits of a
date and four more are few enough that a plain hash is undone by trying them all. The number
itself is never stored, shown back, logged, mailed or put in a certificate or PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata

from .errors import InputError


def normalise_personnummer(text: str, *, today: dt.date | None = None) -> str:
    """The twelve digits (YYYYMMDDNNNN) of a personnummer or samordningsnummer written as
    YYYYMMDD-NNNN, YYMMDD-NNNN (or + for a person of 100 or more), with or without the dash.
    Raises :class:`InputError` when it is not one (wrong length, date or check digit)."""
    raw = (text or "").strip()
    digits = re.sub(r"[\s-]", "", raw.replace("+", ""))
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise _invalid()
    if len(digits) == 10:
        today = today or dt.date.today()
        year = int(digits[:2])
        century = today.year // 100 * 100
        full = century + year if century + year <= today.year else century - 100 + year
        if "+" in raw:
            full -= 100
        digits = f"{full:04d}{digits[2:]}"
    month, day = int(digits[4:6]), int(digits[6:8])
    if day > 60:  # samordningsnummer: the day plus 60
        day -= 60
    try:
        dt.date(int(digits[:4]), month, day)
    except ValueError:
        raise _invalid() from None
    if not _luhn_ok(digits[2:]):
        raise _invalid()
    return digits


def _invalid() -> InputError:
    return InputError("Personnumret ser inte giltigt ut (ÅÅÅÅMMDD-NNNN).",
                      "The personal identity number does not look valid (YYYYMMDD-NNNN).", field="personnummer")


def _luhn_ok(ten: str) -> bool:
    total = 0
    for i, ch in enumerate(ten):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def personnummer_hash(secret_key: bytes, personnummer: str) -> str:
    """The stored form: HMAC-SHA256 of the normalised number, keyed with the service secret."""
    return hmac.new(secret_key, b"personnummer:" + normalise_personnummer(personnummer).encode(),
                    hashlib.sha256).hexdigest()


def personnummer_matches(expected_hash: str, secret_key: bytes, claimed: str) -> bool:
    try:
        return hmac.compare_digest(expected_hash, personnummer_hash(secret_key, claimed))
    except InputError:
        return False


def normalise_name(name: str) -> str:
    """Case, accents and whitespace do not count: "ÅSA  Öberg" equals "asa oberg"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().replace("-", " ").split())


def names_match(expected: str, claimed: str) -> bool:
    return bool(normalise_name(expected)) and normalise_name(expected) == normalise_name(claimed)
