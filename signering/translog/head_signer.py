"""The installation's log key, and tree heads signed with it once per change of the tree.

The log covers every organisation's sealed protocols, so its key belongs to the installation,
not to any one organisation: a PEM private key (EC P-256 by default, made on first use with
mode 0600, or RSA of at least 2048 bits if the operator supplies one). A head is signed when
the tree it describes is first asked for and then served as it is until the tree changes; an
anonymous request never costs a signature. The last head is kept in a file as well, so the
server's other processes (and the next start) serve that same head.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import keyfile
from ..errors import LogProofError, SigneringError
from ..files import atomic_write
from . import merkle
from .checkpoint import SignedTreeHead, TreeHead, key_id, sign_tree_head, verify_tree_head

#: heads of recent trees kept in memory: a proof read just before an append still finds its own
_RECENT = 8


class LogKeyUnavailable(SigneringError):
    code = "log_key_unavailable"
    http_status = 503
    default_sv = ("Transparensloggen kan inte signeras just nu: loggens nyckel kan inte läsas. "
                  "Kontakta driften.")
    default_en = "The transparency log cannot be signed right now: the log's key cannot be read. Contact operations."


def new_log_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def load_log_key(path: str):
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
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise LogKeyUnavailable(f"Transparensloggens nyckel {path} måste vara EC P-256 eller RSA.",
                                f"The transparency log's key {path} must be EC P-256 or RSA.")
    return key


class HeadSigner:
    """Signs the log's tree heads; one per process, shared by its threads."""

    def __init__(self, key_path: str, head_path: str):
        self.key_path = key_path
        self.head_path = head_path
        self._lock = threading.Lock()
        self._key = None
        self._recent: dict[tuple, dict] = {}

    def _private_key(self):
        if self._key is None:
            self._key = load_log_key(self.key_path)
            pem = self._key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
            self._public_pem = pem.decode("ascii")
            self._key_id = key_id(self._key.public_key())
        return self._key

    def head(self, origin: str, hashes: list[bytes], now: dt.datetime) -> dict:
        """The signed head of the tree of ``hashes``, in the JSON form of ``/api/v1/log/head``."""
        root = merkle.root(hashes)
        with self._lock:
            key = self._private_key()
            tree = (origin, len(hashes), root, self._key_id)
            found = self._recent.get(tree) or self._stored(tree)
            if found is None:
                head = TreeHead(origin=origin, tree_size=len(hashes), root_hash=root, timestamp=now)
                found = self._as_json(sign_tree_head(head, key))
                self._store(found)
            self._recent[tree] = found
            while len(self._recent) > _RECENT:
                self._recent.pop(next(iter(self._recent)))
            return found

    def _as_json(self, signed: SignedTreeHead) -> dict:
        return {**signed.to_dict(), "signed_body": signed.head.encode().decode("utf-8"),
                "public_key_pem": self._public_pem}

    def _read_stored(self) -> dict | None:
        try:
            with open(self.head_path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None  # none yet, or unreadable: a fresh signature replaces it
        return data if isinstance(data, dict) else None

    def _stored(self, tree: tuple) -> dict | None:
        data = self._read_stored()
        if data is None:
            return None
        try:
            signed = SignedTreeHead.from_dict(data)
            verify_tree_head(signed, self._key.public_key())
        except LogProofError:
            return None  # another key's, or damaged
        head = signed.head
        if (head.origin, head.tree_size, head.root_hash, signed.key_id) != tree:
            return None
        return self._as_json(signed)

    def _store(self, data: dict) -> None:
        old = self._read_stored()
        # The log only grows; a request that read the tree just before an append must not put
        # an older head back over the newer one another process stored.
        if old is not None and isinstance(old.get("tree_size"), int) and old["tree_size"] > data["tree_size"]:
            return
        try:
            atomic_write(self.head_path, json.dumps(data, sort_keys=True).encode("utf-8"))
        except OSError:
            pass  # only a cache: the head in memory is served all the same
