"""The backup key: it authenticates a backup's manifest and, if asked, encrypts the backup's files.

A hash in the manifest only shows that a file is the one the manifest names; whoever can change a
file can change the manifest too. So the manifest carries an HMAC-SHA256 made with a key that is
never written into the backup: 32 random bytes, hex, in a file (mode 0600) that ``signering
backup`` makes on first use. Restore needs the same key and refuses a manifest whose HMAC does not
verify. Two keys are derived from it with HKDF-SHA256, one for the HMAC and one for encryption,
so neither use weakens the other.

Encryption at rest is AES-256-GCM from ``cryptography``: each file gets a random 96-bit nonce and
is bound to its name in the backup (associated data), stored as ``nonce || ciphertext || tag``. A
file is decrypted as a stream; the tag is checked when the stream ends, and everything that used
the bytes before then (a blob's temp file, the restore transaction) is thrown away if it fails.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import keyfile
from .errors import SigneringError

KEY_BYTES = 32
MAC_ALGORITHM = "hmac-sha256"
CIPHER = "aes-256-gcm"
_NONCE = 12
_TAG = 16

__all__ = ["BackupKey", "BackupKeyError", "InvalidTag", "CIPHER", "MAC_ALGORITHM"]


class BackupKeyError(SigneringError):
    """The backup key is missing or unreadable."""

    code = "backup_key_unavailable"
    http_status = 500


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"signering-backup " + purpose).derive(secret)


def canonical(manifest: dict) -> bytes:
    """The bytes the HMAC covers: the manifest without its ``authentication`` field, canonical JSON."""
    body = {k: v for k, v in manifest.items() if k != "authentication"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class BackupKey:
    def __init__(self, secret: bytes):
        if len(secret) != KEY_BYTES:
            raise ValueError("a backup key is 32 bytes")
        self._mac_key = _derive(secret, b"manifest mac")
        self._enc_key = _derive(secret, b"file encryption")
        #: names the key in the manifest, so a wrong key is told apart from a changed backup
        self.key_id = hmac.new(self._mac_key, b"key id", hashlib.sha256).hexdigest()[:16]

    @classmethod
    def load(cls, path: str, *, create: bool) -> BackupKey:
        """The key in ``path``; with ``create``, a new one is made there first if there is none."""
        try:
            if create:
                text = keyfile.read_or_create(path, lambda: (secrets.token_hex(KEY_BYTES) + "\n").encode())
            else:
                with open(path, "rb") as fh:
                    text = fh.read()
        except FileNotFoundError:
            raise BackupKeyError(
                f"Nyckeln för säkerhetskopior finns inte i {path}. Ange filen med nyckeln som gjorde kopian "
                "i SIGNERING_BACKUP_KEY_FILE.",
                f"There is no backup key in {path}. Give the file with the key that made the backup in "
                "SIGNERING_BACKUP_KEY_FILE.", path=path) from None
        except OSError as exc:
            raise BackupKeyError(
                f"Nyckeln för säkerhetskopior i {path} kan inte läsas ({exc.strerror}). Kontrollera filen och "
                "dess rättigheter.",
                f"The backup key in {path} cannot be read ({exc.strerror}). Check the file and its permissions.",
                path=path) from None
        try:
            return cls(bytes.fromhex(text.decode("ascii").strip()))
        except ValueError:
            raise BackupKeyError(
                f"{path} innehåller ingen nyckel för säkerhetskopior (64 hexadecimala tecken). Ange rätt fil i "
                "SIGNERING_BACKUP_KEY_FILE.",
                f"{path} holds no backup key (64 hexadecimal characters). Give the right file in "
                "SIGNERING_BACKUP_KEY_FILE.", path=path) from None

    # -- the manifest ----------------------------------------------------------------------

    def authenticate(self, manifest: dict) -> dict:
        """``manifest`` with its ``authentication`` field set."""
        mac = hmac.new(self._mac_key, canonical(manifest), hashlib.sha256).hexdigest()
        return {**manifest, "authentication": {"algorithm": MAC_ALGORITHM, "key_id": self.key_id, "mac": mac}}

    def verifies(self, manifest: dict) -> bool:
        auth = manifest.get("authentication")
        if not isinstance(auth, dict) or auth.get("algorithm") != MAC_ALGORITHM or not isinstance(auth.get("mac"), str):
            return False
        expected = hmac.new(self._mac_key, canonical(manifest), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, auth["mac"])

    # -- files -----------------------------------------------------------------------------

    def encryptor(self, out: BinaryIO, label: str) -> _Encrypting:
        return _Encrypting(out, self._enc_key, label)

    def open_decrypted(self, path: str, label: str) -> BinaryIO:
        """A buffered reader of the plaintext; reading to the end raises InvalidTag if the file was changed."""
        return io.BufferedReader(_Decrypting(open(path, "rb"), self._enc_key, label), buffer_size=1024 * 1024)


class _Encrypting:
    """Writes ``nonce || ciphertext || tag`` to ``out``; call ``write`` for each chunk, then ``close``."""

    def __init__(self, out: BinaryIO, key: bytes, label: str):
        nonce = secrets.token_bytes(_NONCE)
        self._out = out
        self._enc = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        self._enc.authenticate_additional_data(label.encode("utf-8"))
        out.write(nonce)

    def write(self, data: bytes) -> None:
        self._out.write(self._enc.update(data))

    def close(self) -> None:
        self._out.write(self._enc.finalize())
        self._out.write(self._enc.tag)


class _Decrypting(io.RawIOBase):
    def __init__(self, fh: BinaryIO, key: bytes, label: str):
        self._fh = fh
        size = os.fstat(fh.fileno()).st_size
        nonce = fh.read(_NONCE)
        self._left = size - _NONCE - _TAG
        if self._left < 0:
            fh.close()
            raise InvalidTag()
        self._dec = Cipher(algorithms.AES(key), modes.GCM(nonce)).decryptor()
        self._dec.authenticate_additional_data(label.encode("utf-8"))
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left == 0:
            if not self._done:
                # Until this passes, every byte handed out is unauthenticated.
                self._dec.finalize_with_tag(self._fh.read(_TAG))
                self._done = True
            return 0
        data = self._fh.read(min(len(buffer), self._left))
        if not data:
            raise InvalidTag()  # shorter than when it was opened
        self._left -= len(data)
        plain = self._dec.update(data)
        buffer[:len(plain)] = plain
        return len(plain)

    def close(self) -> None:
        self._fh.close()
        super().close()
