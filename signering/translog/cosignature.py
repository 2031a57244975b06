"""Witness cosignatures on checkpoints: extra signed-note lines by keys other than the log's.

A witness is named by a C2SP verifier key ``<name>+<key hash>+<base64(type || public key)>``.
Two kinds of line are accepted:

- type 0x04, C2SP tlog-cosignature v1: Ed25519 over ``"cosignature/v1\\ntime <t>\\n"`` followed by
  the checkpoint text; the line's payload is the time (8 bytes, big-endian seconds since the
  epoch) then the 64-byte signature. This is what witnesses speaking tlog-witness produce.
- type 0x01, a plain Ed25519 signed-note signature over exactly the checkpoint text (the
  "simple form": any signed-note tool can make it).

Either way the line is only valid for the exact text it was made over, so a cosignature of one
checkpoint says nothing about any other.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from ..errors import InputError, LogProofError, SigneringError
from .note import (COSIGNATURE_V1, ED25519, Note, NoteSignature, key_hash, parse_note, raw_public_key,
                   valid_name)

_KINDS = (ED25519, COSIGNATURE_V1)


class InvalidWitnessKey(InputError):
    code = "invalid_witness_key"
    default_sv = ("Vittnets nyckel har fel format. Ange den som C2SP-verifieringsnyckel namn+nyckelhash+base64 "
                  "(typ 0x04 eller 0x01 följd av 32 byte Ed25519-nyckel), så som vittnet publicerar den.")
    default_en = ("The witness key is malformed. Give it as a C2SP verifier key name+keyhash+base64 (type 0x04 "
                  "or 0x01 followed by a 32-byte Ed25519 key), as the witness publishes it.")


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + text.encode("utf-8")


@dataclass(frozen=True)
class WitnessKey:
    name: str
    kind: int
    public_key: ed25519.Ed25519PublicKey

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.kind, raw_public_key(self.public_key))

    def encode(self) -> str:
        blob = bytes([self.kind]) + raw_public_key(self.public_key)
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(blob).decode('ascii')}"

    @classmethod
    def decode(cls, text: str) -> WitnessKey:
        parts = text.strip().split("+", 2)
        try:
            if len(parts) != 3 or not valid_name(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
                raise ValueError
            blob = base64.b64decode(parts[2], validate=True)
            if len(blob) != 33 or blob[0] not in _KINDS:
                raise ValueError
            key = cls(parts[0], blob[0], ed25519.Ed25519PublicKey.from_public_bytes(blob[1:]))
        except (ValueError, binascii.Error):
            raise InvalidWitnessKey(key=text.strip()[:100]) from None
        if key.key_hash.hex() != parts[1]:
            raise InvalidWitnessKey(key=text.strip()[:100])
        return key

    def owns(self, signature: NoteSignature) -> bool:
        return signature.name == self.name and signature.key_hash == self.key_hash

    def valid(self, text: str, signature: NoteSignature) -> bool:
        """Does ``signature`` (a line by this key) sign exactly ``text``?"""
        if not self.owns(signature):
            return False
        payload = signature.payload
        if self.kind == COSIGNATURE_V1:
            if len(payload) != 8 + 64:
                return False
            message, payload = cosigned_message(text, struct.unpack(">Q", payload[:8])[0]), payload[8:]
        else:
            message = text.encode("utf-8")
        try:
            self.public_key.verify(payload, message)
            return True
        except InvalidSignature:
            return False

    def check(self, note: Note) -> None:
        """Raise ``witness_missing`` unless ``note`` carries a valid cosignature by this witness."""
        if not any(self.valid(note.text, s) for s in note.signatures):
            raise LogProofError("witness_missing", witness=self.name)


def cosign(text: str, name: str, private_key: ed25519.Ed25519PrivateKey, *, timestamp: int | None = None
           ) -> NoteSignature:
    """A witness's line for ``text``: tlog-cosignature v1 with ``timestamp``, else plain Ed25519."""
    public = raw_public_key(private_key.public_key())
    if timestamp is None:
        return NoteSignature(name, key_hash(name, ED25519, public), private_key.sign(text.encode("utf-8")))
    return NoteSignature(name, key_hash(name, COSIGNATURE_V1, public),
                         struct.pack(">Q", timestamp) + private_key.sign(cosigned_message(text, timestamp)))


def parse_witnesses(text: str | tuple | list) -> tuple[WitnessKey, ...]:
    """Witness keys from a setting: a list, or text separated by commas, spaces or newlines."""
    items = re.split(r"[\s,]+", text) if isinstance(text, str) else list(text)
    return tuple(WitnessKey.decode(item) for item in items if item and item.strip())


class UnknownWitness(SigneringError):
    code = "unknown_witness"
    http_status = 403
    default_sv = ("Medsignaturen är inte gjord av något vittne som loggen känner till. Driften lägger till vittnets "
                  "verifieringsnyckel i SIGNERING_LOG_WITNESSES.")
    default_en = ("The cosignature is not by a witness this log knows. Operations add the witness's verifier key "
                  "to SIGNERING_LOG_WITNESSES.")


class CosignatureInvalid(InputError):
    code = "cosignature_invalid"
    http_status = 422
    default_sv = ("Medsignaturen stämmer inte med checkpointen av den storleken. Hämta checkpointen på nytt "
                  "(GET /api/v1/log/checkpoint/<storlek>), signera exakt dess text och skicka raden igen.")
    default_en = ("The cosignature does not match the checkpoint of that size. Fetch the checkpoint again "
                  "(GET /api/v1/log/checkpoint/<size>), sign exactly its text and send the line again.")


def accept_cosignatures(text: str, lines: str, witnesses: tuple[WitnessKey, ...]) -> list[NoteSignature]:
    """The signature lines in ``lines`` (one or more, or a whole cosigned note) checked over the
    checkpoint ``text``: every line must be by a configured witness and valid, or nothing is taken."""
    if "\n\n" in lines:
        note = parse_note(lines)
        if note.text != text:
            raise CosignatureInvalid()
        signatures = note.signatures
    else:
        try:
            signatures = parse_note(text + "\n" + lines.rstrip("\n") + "\n").signatures
        except LogProofError:
            raise CosignatureInvalid(
                "Medsignaturen har fel format. Skicka en eller flera rader på formen "
                "'— <namn> <base64(nyckelhash ‖ signatur)>'.",
                "The cosignature is malformed. Send one or more lines of the form "
                "'— <name> <base64(key hash ‖ signature)>'.") from None
    accepted = []
    for signature in signatures:
        witness = next((w for w in witnesses if w.owns(signature)), None)
        if witness is None:
            if signature.name in {w.name for w in witnesses}:
                raise CosignatureInvalid()  # a known name with another key: a wrong or stale key
            raise UnknownWitness(witness=signature.name)
        if not witness.valid(text, signature):
            raise CosignatureInvalid(witness=witness.name)
        accepted.append(signature)
    return accepted
