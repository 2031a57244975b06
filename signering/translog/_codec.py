"""Text forms shared by the log's JSON and signed bytes: hex hashes, UTC times, sizes."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..errors import InputError, LogProofError

HASH_SIZE = 32
#: Sizes and indices travel as JSON numbers; 2**63 keeps them inside every client's int64.
MAX_SIZE = 2**63 - 1

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def invalid(field: str) -> InputError:
    return InputError(
        f"Ogiltigt värde för {field} i transparensloggen.",
        f"Invalid value for {field} in the transparency log.",
        field=field,
    )


def as_utc(value: datetime, field: str) -> datetime:
    # A naive time would be read in whatever zone the reader's machine is in.
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise invalid(field)
    return value.astimezone(timezone.utc)


def format_utc(value: datetime) -> str:
    """Fixed width, so that one instant has exactly one text form."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_utc(text: object, field: str) -> datetime:
    if not isinstance(text, str) or not _UTC_TEXT.fullmatch(text):
        raise LogProofError("malformed", field=field)
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError:
        raise LogProofError("malformed", field=field) from None


def parse_hash(text: object, field: str) -> bytes:
    if not isinstance(text, str) or not _HEX64.fullmatch(text):
        raise LogProofError("malformed", field=field)
    return bytes.fromhex(text)


def parse_size(value: object, field: str) -> int:
    # bool is an int in Python but never a size in JSON.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SIZE:
        raise LogProofError("malformed", field=field)
    return value


def is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE
