"""docs/translog.md's worked example is what the code computes, and anyone can recompute it."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.asymmetric import ed25519

from translog_example import SEED, values

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "translog.md")


def test_every_value_of_the_worked_example_is_in_the_document():
    text = open(DOC, encoding="utf-8").read()
    for name, value in values().items():
        assert value in text, f"{name} differs from docs/translog.md; run tests/translog_example.py"


def test_the_example_recomputes_from_the_document_alone():
    """Only hashlib, base64 and an Ed25519 implementation, reading the values off the page."""
    text = open(DOC, encoding="utf-8").read()
    example = text[text.index("## 8. Worked example"):]
    leaves = [line for line in example.split("\n") if line.startswith('{"board"')]
    h = [hashlib.sha256(b"\x00" + leaf.encode("utf-8")).digest() for leaf in leaves]
    root2 = hashlib.sha256(b"\x01" + h[0] + h[1]).digest()
    root3 = hashlib.sha256(b"\x01" + root2 + h[2]).digest()
    for value in (*h, root2, root3):
        assert value.hex() in example
    block = example[example.rindex("```\nprotokoll"):].split("```")[1].lstrip("\n")
    body, signature_line = block.split("\n\n")
    assert body == f"protokoll.exempel.se/log\n3\n{base64.b64encode(root3).decode()}"
    name, blob = signature_line.strip().split(" ")[1:]
    blob = base64.b64decode(blob)
    public = ed25519.Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
    assert blob[:4] == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    ed25519.Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], (body + "\n").encode())
