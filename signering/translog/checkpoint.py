"""Signed tree heads: the log's signed statement "at this time, this many entries, this root".

The signed bytes follow the C2SP tlog-checkpoint text, with the timestamp as one extension line::

    signering.example.se/log
    42
    <root hash, standard base64>
    timestamp 2025-10-07T09:30:00.000000Z

Each line ends in a newline. Signatures are ECDSA P-256 with SHA-256 (DER) or RSA PKCS#1 v1.5
with SHA-256, over exactly those bytes, so ``openssl dgst -sha256 -verify log.pub -signature
sig.bin body.txt`` checks a tree head without this code. The key is named by its key id: the
SHA-256 of its DER SubjectPublicKeyInfo, as RFC 6962 names a log.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ..errors import InputError, KeyMaterialError, LogProofError
from ._codec import MAX_SIZE, as_utc, format_utc, invalid, is_hash, parse_hash, parse_size, parse_utc

ECDSA_P256_SHA256 = "ecdsa-p256-sha256"
RSA_PKCS1_SHA256 = "rsa-pkcs1v15-sha256"
_MIN_RSA_BITS = 2048
_MAX_SIGNATURE_BYTES = 1024

_BODY = re.compile(rb"([^\n]+)\n(0|[1-9][0-9]*)\n([A-Za-z0-9+/]{43}=)\ntimestamp ([^\n]+)\n")


@dataclass(frozen=True)
class TreeHead:
    """The state of the log at one moment. ``timestamp`` is stored in UTC."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime

    def __post_init__(self) -> None:
        # The origin is the note's first line: one printable line, no edge spaces to mistake.
        if not isinstance(self.origin, str) or not self.origin.isprintable() or self.origin != self.origin.strip() or not self.origin:
            raise invalid("origin")
        if not isinstance(self.tree_size, int) or isinstance(self.tree_size, bool) or not 0 <= self.tree_size <= MAX_SIZE:
            raise invalid("tree_size")
        if not is_hash(self.root_hash):
            raise invalid("root_hash")
        object.__setattr__(self, "timestamp", as_utc(self.timestamp, "timestamp"))

    def encode(self) -> bytes:
        """The canonical bytes that are signed."""
        return (
            f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n"
            f"timestamp {format_utc(self.timestamp)}\n"
        ).encode("utf-8")

    @classmethod
    def decode(cls, body: bytes) -> TreeHead:
        """Read the signed bytes back; anything but the canonical form is ``malformed``."""
        match = _BODY.fullmatch(body) if isinstance(body, bytes) else None
        if match is None:
            raise LogProofError("malformed", field="tree_head")
        try:
            head = cls(
                origin=match[1].decode("utf-8"),
                tree_size=int(match[2]),
                root_hash=base64.b64decode(match[3], validate=True),
                timestamp=parse_utc(match[4].decode("ascii"), "timestamp"),
            )
        except (UnicodeDecodeError, binascii.Error, InputError):
            raise LogProofError("malformed", field="tree_head") from None
        if head.encode() != body:
            raise LogProofError("malformed", field="tree_head")
        return head

    def to_dict(self) -> dict:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": format_utc(self.timestamp),
        }

    @classmethod
    def from_dict(cls, data: object) -> TreeHead:
        if not isinstance(data, dict):
            raise LogProofError("malformed", field="tree_head")
        try:
            return cls(
                origin=data.get("origin"),
                tree_size=parse_size(data.get("tree_size"), "tree_size"),
                root_hash=parse_hash(data.get("root_hash"), "root_hash"),
                timestamp=parse_utc(data.get("timestamp"), "timestamp"),
            )
        except InputError as exc:
            raise LogProofError("malformed", field=exc.details.get("field", "tree_head")) from None


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    algorithm: str
    key_id: bytes
    signature: bytes

    def to_dict(self) -> dict:
        """JSON form for ``GET /api/v1/log/head``: the head's fields plus the signature, hex."""
        return {
            **self.head.to_dict(),
            "signature_algorithm": self.algorithm,
            "key_id": self.key_id.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_dict(cls, data: object) -> SignedTreeHead:
        head = TreeHead.from_dict(data)
        algorithm = data.get("signature_algorithm")
        if algorithm not in (ECDSA_P256_SHA256, RSA_PKCS1_SHA256):
            raise LogProofError("malformed", field="signature_algorithm")
        signature = data.get("signature")
        if not isinstance(signature, str) or not 0 < len(signature) <= 2 * _MAX_SIGNATURE_BYTES:
            raise LogProofError("malformed", field="signature")
        try:
            signature_bytes = bytes.fromhex(signature)
        except ValueError:
            raise LogProofError("malformed", field="signature") from None
        return cls(head, algorithm, parse_hash(data.get("key_id"), "key_id"), signature_bytes)


def key_id(public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    """SHA-256 of the key's DER SubjectPublicKeyInfo."""
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return digest.finalize()


def sign_tree_head(head: TreeHead, private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> SignedTreeHead:
    algorithm = _algorithm_for(private_key.public_key())
    body = head.encode()
    if algorithm == ECDSA_P256_SHA256:
        signature = private_key.sign(body, ec.ECDSA(hashes.SHA256()))
    else:
        signature = private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return SignedTreeHead(head, algorithm, key_id(private_key.public_key()), signature)


def verify_tree_head(signed: SignedTreeHead, public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> None:
    """Raise ``LogProofError`` unless ``public_key`` signed exactly this head."""
    algorithm = _algorithm_for(public_key)
    if signed.key_id != key_id(public_key) or signed.algorithm != algorithm:
        raise LogProofError("key_mismatch", key_id=signed.key_id.hex())
    body = signed.head.encode()
    try:
        if algorithm == ECDSA_P256_SHA256:
            public_key.verify(signed.signature, body, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signed.signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise LogProofError("signature_invalid", tree_size=signed.head.tree_size) from None


def _algorithm_for(public_key: object) -> str:
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        return ECDSA_P256_SHA256
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= _MIN_RSA_BITS:
        return RSA_PKCS1_SHA256
    raise KeyMaterialError(
        "Loggens nyckel måste vara EC P-256 eller RSA med minst 2048 bitar. Byt nyckel i konfigurationen.",
        "The log key must be EC P-256 or RSA of at least 2048 bits. Change the key in the configuration.",
    )
