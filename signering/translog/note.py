"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures.

A note is a UTF-8 text ending in a newline, a blank line, then one or more signature lines::

    — <key name> <base64(key hash (4 bytes) || signature)>

The key hash is the first four bytes of SHA-256(key name || 0x0A || signature type || public
key); the type is 0x01 for Ed25519, whose signature (64 bytes) covers exactly the text. A
verifier key is written ``<name>+<key hash, 8 hex digits>+<base64(0x01 || public key)>``. The
checkpoint (``checkpoint.py``) and witness cosignatures (``cosignature.py``) are notes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..errors import LogProofError

ED25519 = 0x01
#: C2SP tlog-cosignature: Ed25519 over "cosignature/v1\ntime <t>\n" followed by the checkpoint text
COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
_MAX_NOTE = 1 << 20
_MAX_SIGNATURES = 100
_NAME = re.compile(r"[^\s+]+")


def key_hash(name: str, kind: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([kind]) + public_key).digest()[:4]


def raw_public_key(key: ed25519.Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def valid_name(name: object) -> bool:
    return isinstance(name, str) and bool(_NAME.fullmatch(name)) and name.isprintable()


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes
    #: everything after the key hash: the signature (with a timestamp first for cosignatures)
    payload: bytes

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_hash + self.payload).decode('ascii')}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[NoteSignature, ...]

    def encode(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into its text and signature lines; ``malformed`` on anything else."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes) or len(data) > _MAX_NOTE:
        raise LogProofError("malformed", field="checkpoint")
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LogProofError("malformed", field="checkpoint") from None
    cut = whole.rfind("\n\n")
    if cut < 0 or not whole.endswith("\n") or "\r" in whole:
        raise LogProofError("malformed", field="checkpoint")
    text, lines = whole[:cut + 1], whole[cut + 2:].split("\n")[:-1]
    if not lines or len(lines) > _MAX_SIGNATURES:
        raise LogProofError("malformed", field="checkpoint")
    signatures = []
    for line in lines:
        if not line.startswith(_DASH):
            raise LogProofError("malformed", field="checkpoint")
        parts = line[len(_DASH):].split(" ")
        if len(parts) != 2 or not valid_name(parts[0]):
            raise LogProofError("malformed", field="checkpoint")
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise LogProofError("malformed", field="checkpoint") from None
        if len(blob) < 5:
            raise LogProofError("malformed", field="checkpoint")
        signatures.append(NoteSignature(parts[0], blob[:4], blob[4:]))
    return Note(text, tuple(signatures))


@dataclass(frozen=True)
class VerifierKey:
    """An Ed25519 note verifier: a key name and a public key."""

    name: str
    public_key: ed25519.Ed25519PublicKey

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ED25519, raw_public_key(self.public_key))

    def encode(self) -> str:
        raw = raw_public_key(self.public_key)
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(bytes([ED25519]) + raw).decode('ascii')}"

    @classmethod
    def decode(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)
        try:
            if len(parts) != 3 or not valid_name(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
                raise ValueError
            blob = base64.b64decode(parts[2], validate=True)
            if len(blob) != 33 or blob[0] != ED25519:
                raise ValueError
            key = cls(parts[0], ed25519.Ed25519PublicKey.from_public_bytes(blob[1:]))
        except (ValueError, binascii.Error):
            raise LogProofError("malformed", field="verifier_key") from None
        if key.key_hash.hex() != parts[1]:
            raise LogProofError("malformed", field="verifier_key")
        return key

    def verify(self, note: Note) -> None:
        """Raise unless ``note`` carries a valid signature by this key (``key_mismatch`` when none
        of its lines is by this key at all, ``signature_invalid`` when one is but fails)."""
        mine = [s for s in note.signatures if s.name == self.name and s.key_hash == self.key_hash]
        if not mine:
            raise LogProofError("key_mismatch", key_name=self.name)
        message = note.text.encode("utf-8")
        for signature in mine:
            try:
                self.public_key.verify(signature.payload, message)
                return
            except InvalidSignature:
                continue
        raise LogProofError("signature_invalid", key_name=self.name)


def sign_note(text: str, name: str, private_key: ed25519.Ed25519PrivateKey) -> NoteSignature:
    public = raw_public_key(private_key.public_key())
    return NoteSignature(name, key_hash(name, ED25519, public), private_key.sign(text.encode("utf-8")))
