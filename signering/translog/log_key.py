"""The installation's log key: one Ed25519 key that signs checkpoints and nothing else.

The log covers every organisation's sealed protocols, so its key belongs to the installation,
never to an organisation (an organisation's e-sigill signs PDFs; this key signs only checkpoint
notes). It is a PEM (PKCS#8) Ed25519 private key in ``SIGNERING_LOG_KEY_FILE``, made on first use
with mode 0600. Verifiers pin it by its fingerprint: the SHA-256 of the public key's DER
SubjectPublicKeyInfo, which ``openssl pkey -pubin -outform DER | sha256sum`` also prints.
"""

from __future__ import annotations

import hashlib
import re
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .. import keyfile
from ..errors import LogProofError, SigneringError
from .checkpoint import Checkpoint, sign_checkpoint
from .note import VerifierKey


class LogKeyUnavailable(SigneringError):
    code = "log_key_unavailable"
    http_status = 503
    default_sv = ("Transparensloggen kan inte signeras just nu: loggens nyckel kan inte läsas. "
                  "Kontakta driften.")
    default_en = "The transparency log cannot be signed right now: the log's key cannot be read. Contact operations."


def new_log_key_pem() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def load_log_key(path: str) -> ed25519.Ed25519PrivateKey:
    """The private key in ``path``, made there first if the file does not exist."""
    try:
        pem = keyfile.read_or_create(path, new_log_key_pem)
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, TypeError) as exc:
        detail = getattr(exc, "strerror", None) or "not an unencrypted PEM private key"
        raise LogKeyUnavailable(
            f"Transparensloggens nyckel {path} kan inte läsas ({detail}). Rätta filen eller "
            "SIGNERING_LOG_KEY_FILE och starta om.",
            f"The transparency log's key {path} cannot be read ({detail}). Correct the file or "
            "SIGNERING_LOG_KEY_FILE and start again.") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        # Earlier versions made an EC P-256 key; C2SP checkpoint notes are signed with Ed25519.
        raise LogKeyUnavailable(
            f"Transparensloggens nyckel {path} måste vara en Ed25519-nyckel. Flytta undan filen (en ny "
            "nyckel skapas då) eller peka SIGNERING_LOG_KEY_FILE på en Ed25519-nyckel, och starta om.",
            f"The transparency log's key {path} must be an Ed25519 key. Move the file away (a new key is "
            "then made) or point SIGNERING_LOG_KEY_FILE at an Ed25519 key, and start again.")
    return key


def public_key_pem(public_key: ed25519.Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, 64 lowercase hex digits."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def normalise_fingerprint(text: str) -> str:
    """Accept the fingerprint as printed anywhere: grouped with spaces or colons, any case,
    optionally prefixed ``SHA256:``."""
    cleaned = re.sub(r"[\s:]", "", text.strip())
    if cleaned.lower().startswith("sha256"):
        cleaned = cleaned[6:]
    if not re.fullmatch(r"[0-9a-fA-F]{64}", cleaned):
        raise LogProofError("malformed", field="fingerprint")
    return cleaned.lower()


def grouped(fp: str) -> str:
    """``3f2a 9c01 …``: easier to compare by eye on paper."""
    return " ".join(fp[i:i + 4] for i in range(0, len(fp), 4))


def load_public_key(data: bytes) -> ed25519.Ed25519PublicKey:
    """A pinned log key from a PEM file's bytes, or a C2SP verifier key (``name+hash+base64``)."""
    text = data.decode("utf-8", "replace").strip()
    if "+" in text and "-----BEGIN" not in text:
        return VerifierKey.decode(text).public_key
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise LogProofError("malformed", field="public_key") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise LogProofError("key_mismatch", field="public_key")
    return key


class LogSigner:
    """Signs checkpoints with the installation's log key; one per process, shared by its threads."""

    def __init__(self, key_path: str):
        self.key_path = key_path
        self._lock = threading.Lock()
        self._key: ed25519.Ed25519PrivateKey | None = None

    def private_key(self) -> ed25519.Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = load_log_key(self.key_path)
            return self._key

    @property
    def public_key(self) -> ed25519.Ed25519PublicKey:
        return self.private_key().public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, checkpoint: Checkpoint) -> str:
        return sign_checkpoint(checkpoint, self.private_key())
