"""Transparency log endpoints, checked against an independent RFC 9162 implementation.

The reference below follows the RFC's recursive definitions (MTH, PATH, PROOF) and its
verification algorithms literally; it shares no code with ``signering.translog``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from signering.models import LogEntry

from test_public_support import add_protocol, env, fake_pdf  # noqa: F401  (env: the shared fixture)


# --- RFC 9162 §2.1, written from the text ------------------------------------------------

def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return H(b"")
    if len(d) == 1:
        return d[0]
    k = split(len(d))
    return H(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = split(len(d))
    return path(m, d[:k]) + [mth(d[k:])] if m < k else path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = split(len(d))
    return subproof(m, d[:k], b) + [mth(d[k:])] if m <= k else subproof(m - k, d[k:], False) + [mth(d[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    if first == second:
        return not proof and first_root == second_root
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = H(b"\x01" + c + fr), H(b"\x01" + c + sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = H(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- set-up ------------------------------------------------------------------------------

def publish(env, count: int, start: int = 0) -> list[dict]:
    return [add_protocol(env, original=fake_pdf(f"p{i}"), sealed=fake_pdf(f"p{i} sealed"),
                         meeting=dt.date(2025, 9, 1) + dt.timedelta(days=i), justerat=dt.date(2025, 9, 9))
            for i in range(start, start + count)]


def leaf_hashes(env) -> list[bytes]:
    with env.svc.db.read() as session:
        leaves = session.execute(select(LogEntry.leaf).order_by(LogEntry.index)).scalars().all()
    return [H(b"\x00" + leaf) for leaf in leaves]


def checked_head(env) -> dict:
    """GET the head and check its signature with nothing but ``cryptography``."""
    response = env.client.get("/api/v1/log/head")
    assert response.status_code == 200
    head = response.get_json()
    key = serialization.load_pem_public_key(head["public_key_pem"].encode())
    body = head["signed_body"].encode()
    key.verify(bytes.fromhex(head["signature"]), body, ec.ECDSA(hashes.SHA256()))
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert head["key_id"] == hashlib.sha256(spki).hexdigest()
    origin, size, root_b64, stamp, end = head["signed_body"].split("\n")
    assert (origin, end) == ("localhost/log", "")
    assert int(size) == head["tree_size"]
    assert base64.b64decode(root_b64).hex() == head["root_hash"]
    assert stamp == "timestamp " + head["timestamp"]
    return head


# --- tests -------------------------------------------------------------------------------

def test_empty_log_has_a_signed_head_with_the_empty_root(env):
    head = checked_head(env)
    assert head["tree_size"] == 0 and head["root_hash"] == H(b"").hex()
    assert head["timestamp"] == "2025-09-10T10:00:00.000000Z"


def test_head_root_is_the_merkle_tree_hash_of_the_leaves(env):
    publish(env, 5)
    head = checked_head(env)
    leaves = leaf_hashes(env)
    assert head["tree_size"] == 5 and head["root_hash"] == mth(leaves).hex()


def test_inclusion_proofs_by_original_and_sealed_hash(env):
    published = publish(env, 7)
    leaves = leaf_hashes(env)
    root = mth(leaves)
    for index, item in enumerate(published):
        for sha in (item["original_sha256"], item["sealed_sha256"]):
            response = env.client.get(f"/api/v1/log/proof/{sha}")
            assert response.status_code == 200
            data = response.get_json()
            proof = data["inclusion_proof"]
            assert proof["leaf_index"] == index and proof["tree_size"] == 7
            leaf = H(b"\x00" + data["leaf_json"].encode("utf-8"))
            assert proof["leaf_hash"] == leaf.hex() == leaves[index].hex()
            served = [bytes.fromhex(h) for h in proof["inclusion_path"]]
            assert served == path(index, leaves)
            assert verify_inclusion(leaf, index, 7, served, root)
            assert data["tree_head"]["root_hash"] == root.hex() and data["tree_head"]["tree_size"] == 7
            assert data["leaf"]["original_sha256"] == item["original_sha256"]
            assert data["leaf"]["sealed_sha256"] == item["sealed_sha256"]
            assert data["leaf"]["organisation"] == "Sollefteå kommun"
    # a proof against the wrong root, or for the wrong leaf, does not verify
    assert not verify_inclusion(leaves[0], 1, 7, path(1, leaves), root)
    assert not verify_inclusion(leaves[1], 1, 7, path(1, leaves), H(b"x"))


def test_consistency_proofs_for_every_pair_of_sizes(env):
    publish(env, 7)
    leaves = leaf_hashes(env)
    for new in range(0, 8):
        for old in range(0, new + 1):
            response = env.client.get(f"/api/v1/log/consistency?from={old}&to={new}")
            assert response.status_code == 200, (old, new)
            proof = response.get_json()["consistency_proof"]
            assert (proof["tree_size_1"], proof["tree_size_2"]) == (old, new)
            served = [bytes.fromhex(h) for h in proof["consistency_path"]]
            expected = [] if old in (0, new) else subproof(old, leaves[:new], True)
            assert served == expected, (old, new)
            if 0 < old:
                assert verify_consistency(old, new, mth(leaves[:old]), mth(leaves[:new]), served)
    # "to" defaults to the current size
    default = env.client.get("/api/v1/log/consistency?from=3").get_json()
    assert default["consistency_proof"]["tree_size_2"] == 7
    assert default["tree_head"]["root_hash"] == mth(leaves).hex()


def test_a_saved_head_stays_consistent_as_the_log_grows(env):
    publish(env, 4)
    old_head = checked_head(env)
    publish(env, 3, start=4)
    env.clock.set(dt.date(2025, 9, 11))
    new_head = checked_head(env)
    assert new_head["tree_size"] == 7 and new_head["timestamp"] > old_head["timestamp"]
    proof = env.client.get("/api/v1/log/consistency?from=4").get_json()["consistency_proof"]
    served = [bytes.fromhex(h) for h in proof["consistency_path"]]
    assert verify_consistency(4, 7, bytes.fromhex(old_head["root_hash"]), bytes.fromhex(new_head["root_hash"]), served)
    # and a tampered old root is caught
    assert not verify_consistency(4, 7, H(b"forged"), bytes.fromhex(new_head["root_hash"]), served)


@pytest.mark.parametrize("query", ["", "from=", "from=abc", "from=-1", "from=1.5", "from=5&to=3", "from=1&to=99",
                                   "from=%EF%BC%91", "from=99999999999999999999999"])
def test_bad_consistency_parameters_are_400_json(env, query):
    publish(env, 5)
    response = env.client.get(f"/api/v1/log/consistency?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] and response.get_json()["message"]


def test_proof_for_unknown_or_bad_hash(env):
    publish(env, 2)
    unknown = env.client.get(f"/api/v1/log/proof/{'ab' * 32}")
    assert unknown.status_code == 404 and "transparensloggen" in unknown.get_json()["message"]
    assert env.client.get("/api/v1/log/proof/nothex").status_code == 400
    in_progress = add_protocol(env, original=fake_pdf("not sealed"), sealed=None, meeting=dt.date(2025, 9, 8),
                               status="signing")
    assert env.client.get(f"/api/v1/log/proof/{in_progress['original_sha256']}").status_code == 404


def test_head_is_signed_by_the_installation_log_key_once_per_change_of_the_tree(env, tmp_path):
    from signering.pki.orgkeys import demo_keys
    from web.app import create_app

    head = checked_head(env)
    key_file = tmp_path / "inst" / "log_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    log_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    public_pem = log_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    assert head["public_key_pem"] == public_pem
    # Not an organisation's e-sigill: the log covers every organisation's entries.
    seal_pem = demo_keys().seal.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    assert head["public_key_pem"] != seal_pem

    # The tree has not changed: the very same head (ECDSA signatures differ each time they are made).
    env.clock.set(dt.date(2025, 9, 11))
    assert checked_head(env) == head
    assert env.client.get("/api/v1/log/consistency?from=0").get_json()["tree_head"] == head
    # Another process of the same installation serves the same head without signing anew.
    other = create_app({"DATABASE_URL": env.svc.db.url, "DATA_DIR": env.svc.blobs.root,
                        "INSTANCE_DIR": str(tmp_path / "inst"), "SECRET_KEY": b"x" * 32,
                        "BASE_URL": "http://localhost"}, services=env.svc)
    assert other.test_client().get("/api/v1/log/head").get_json() == head

    publish(env, 1)
    newer = checked_head(env)
    assert newer["tree_size"] == 1 and newer["public_key_pem"] == public_pem
    assert newer["timestamp"] == "2025-09-11T10:00:00.000000Z" and newer["signature"] != head["signature"]
    assert checked_head(env) == newer


def test_log_key_from_the_operator_setting(env, tmp_path):
    from web.app import create_app

    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "etc" / "log.pem"
    key_file.parent.mkdir()
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    app = create_app({"DATABASE_URL": env.svc.db.url, "DATA_DIR": env.svc.blobs.root,
                      "INSTANCE_DIR": str(tmp_path / "inst2"), "SECRET_KEY": b"x" * 32,
                      "BASE_URL": "http://localhost", "LOG_KEY_FILE": str(key_file)}, services=env.svc)
    head = app.test_client().get("/api/v1/log/head").get_json()
    assert serialization.load_pem_public_key(head["public_key_pem"].encode()).public_numbers() == \
        key.public_key().public_numbers()
    assert not (tmp_path / "inst2" / "log_key.pem").exists()

    key_file.write_text("not a key")
    broken = create_app({"DATABASE_URL": env.svc.db.url, "DATA_DIR": env.svc.blobs.root,
                         "INSTANCE_DIR": str(tmp_path / "inst3"), "SECRET_KEY": b"x" * 32,
                         "BASE_URL": "http://localhost", "LOG_KEY_FILE": str(key_file)}, services=env.svc)
    response = broken.test_client().get("/api/v1/log/head")
    assert response.status_code == 503 and response.get_json()["error"] == "log_key_unavailable"
    assert str(key_file) in response.get_json()["message"]
