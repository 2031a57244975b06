"""Checkpoints: the log's signed statement "this many entries, this root" (C2SP tlog-checkpoint).

The text of a checkpoint is exactly three lines, each ending in a newline::

    signering.example.se/log
    42
    <root hash, standard base64 with padding>

It is signed as a C2SP signed note (``note.py``) by the installation's Ed25519 log key, under
the key name equal to the origin. No timestamp: a checkpoint is made once when the tree reaches
a size and then never changes; the time it was made is served beside it (``created_at``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ..errors import LogProofError
from ._codec import MAX_SIZE, invalid, is_hash
from .note import Note, VerifierKey, parse_note, sign_note, valid_name

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")
_ROOT = re.compile(r"[A-Za-z0-9+/]{43}=")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        # The origin is also the key name: one token, no spaces or plus signs.
        if not valid_name(self.origin):
            raise invalid("origin")
        if not isinstance(self.tree_size, int) or isinstance(self.tree_size, bool) or not 0 <= self.tree_size <= MAX_SIZE:
            raise invalid("tree_size")
        if not is_hash(self.root_hash):
            raise invalid("root_hash")

    def text(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{base64.b64encode(self.root_hash).decode('ascii')}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """The checkpoint in a note's text. Extension lines after the root are allowed by C2SP
        and ignored here (this log writes none)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not _SIZE.fullmatch(lines[1]) or not _ROOT.fullmatch(lines[2]):
            raise LogProofError("malformed", field="checkpoint")
        try:
            return cls(lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True))
        except (binascii.Error, ValueError, LogProofError):
            raise LogProofError("malformed", field="checkpoint") from None
        except Exception:  # InputError from __post_init__
            raise LogProofError("malformed", field="checkpoint") from None


def sign_checkpoint(checkpoint: Checkpoint, private_key) -> str:
    """The signed note of ``checkpoint``: its text, a blank line, the log's signature line."""
    text = checkpoint.text()
    return Note(text, (sign_note(text, checkpoint.origin, private_key),)).encode()


def open_checkpoint(note_text: bytes | str, public_key, origin: str | None = None) -> tuple[Checkpoint, Note]:
    """Check the log's signature on a checkpoint note and return the checkpoint.

    ``public_key`` is the pinned Ed25519 key; the key name is the checkpoint's origin, which
    must be ``origin`` when the caller knows it. Other signature lines (witnesses) are kept in
    the returned note for the caller to check.
    """
    note = parse_note(note_text)
    checkpoint = Checkpoint.from_text(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise LogProofError("origin_mismatch", origin=checkpoint.origin, expected=origin)
    VerifierKey(checkpoint.origin, public_key).verify(note)
    return checkpoint, note
