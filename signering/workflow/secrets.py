"""Link tokens, one-time codes and API tokens: random, stored only as hashes.

Link tokens are 256-bit random values; the database keeps SHA-256 of them. Six-digit codes
are too short for a plain hash (10^6 guesses undo it), so they are stored as an HMAC keyed
with the application's secret. Mail bodies waiting in the outbox carry a link or a code, so
they are encrypted with a key derived from the same secret and blanked once sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(secret_key: bytes, request_id: int, code: str) -> str:
    return hmac.new(secret_key, f"code:{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def codes_match(expected_hash: str | None, secret_key: bytes, request_id: int, code: str) -> bool:
    if not expected_hash:
        return False
    return hmac.compare_digest(expected_hash, code_hash(secret_key, request_id, code))


class SealedBox:
    """Symmetric encryption of outbox bodies (Fernet: AES-128-CBC + HMAC-SHA256)."""

    def __init__(self, secret_key: bytes):
        derived = hashlib.sha256(b"signering-outbox:" + secret_key).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str | None:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None
