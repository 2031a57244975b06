"""The worked example of docs/translog.md, computed by the code it documents.

``test_translog_doc.py`` checks that every value printed here appears in the document; run this
file (``python tests/translog_example.py``) to print them when the example changes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from cryptography.hazmat.primitives.asymmetric import ed25519

from signering.translog import merkle
from signering.translog.checkpoint import Checkpoint, sign_checkpoint
from signering.translog.leaf import SealedProtocolEntry, encode_leaf
from signering.translog.log_key import fingerprint, public_key_pem
from signering.translog.note import VerifierKey

ORIGIN = "protokoll.exempel.se/log"
#: the example's private key: 32 bytes 0x01..0x20 as the Ed25519 seed. Never use it for a real log.
SEED = bytes(range(1, 33))


def entries() -> list[SealedProtocolEntry]:
    return [SealedProtocolEntry(original_sha256=hashlib.sha256(f"original {i}".encode()).hexdigest(),
                                sealed_sha256=hashlib.sha256(f"sealed {i}".encode()).hexdigest(),
                                organisation_id="exempel", board="Kommunstyrelsen",
                                meeting_date=dt.date(2025, 9, 22 + i),
                                sealed_at=dt.datetime(2025, 10, 7, 9, 30, i, tzinfo=dt.timezone.utc))
            for i in range(3)]


def values() -> dict[str, str]:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    leaves = [encode_leaf(e) for e in entries()]
    h = [merkle.hash_leaf(leaf) for leaf in leaves]
    n01 = merkle.hash_children(h[0], h[1])
    root3 = merkle.hash_children(n01, h[2])
    assert root3 == merkle.root(h) and [n01] == merkle.inclusion_proof(h, 2)
    assert [h[2]] == merkle.consistency_proof(h, 2, 3)
    assert [h[1], h[2]] == merkle.inclusion_proof(h, 0)
    out = {f"leaf{i}": leaf.decode("utf-8") for i, leaf in enumerate(leaves)}
    out.update({f"h{i}": x.hex() for i, x in enumerate(h)})
    out.update({"n01": n01.hex(), "root2": n01.hex(), "root3": root3.hex(),
                "root3_b64": base64.b64encode(root3).decode(), "empty_root": merkle.EMPTY_ROOT.hex(),
                "checkpoint3": sign_checkpoint(Checkpoint(ORIGIN, 3, root3), key),
                "public_key_pem": public_key_pem(key.public_key()),
                "fingerprint": fingerprint(key.public_key()),
                "verifier_key": VerifierKey(ORIGIN, key.public_key()).encode(),
                "key_hash": VerifierKey(ORIGIN, key.public_key()).key_hash.hex()})
    return out


if __name__ == "__main__":
    for name, value in values().items():
        print(f"{name}:\n{value}\n")
