"""Transparency log of sealed protocols (design.md, key decision 7): the pure core.

- ``merkle``: RFC 9162 tree hashing, inclusion and consistency proofs (standard library only).
- ``leaf``: the canonical bytes of one log entry (a sealed protocol).
- ``checkpoint``: tree heads and their signatures (``cryptography``).
- ``proofs``: proofs as objects with a JSON form for the web API.

Wire format: every hash in JSON is lowercase hex (64 characters for SHA-256), signatures are
hex too, and times are UTC ISO 8601 with microseconds and a ``Z`` (``2025-10-07T09:30:00.000000Z``).
Hex, not base64, because it is what ``sha256sum`` prints and what the verify page shows. The one
exception is the signed tree head body, which follows the C2SP checkpoint text and so carries the
root as base64; see ``checkpoint.TreeHead.encode``.
"""
