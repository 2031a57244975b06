"""Transparency log endpoints, checked against an independent RFC 9162 implementation.

The reference below follows the RFC's recursive definitions (MTH, PATH, PROOF) and its
verification algorithms literally; it shares no code with ``signering.translog``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
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


def log_public_key(env):
    """The installation's log key, read from its file: what an auditor pins (not what the log says)."""
    key_file = env.svc.log_signer.key_path
    return serialization.load_pem_private_key(open(key_file, "rb").read(), password=None).public_key()


def open_note(env, note: str) -> tuple[str, int, bytes]:
    """Check a checkpoint note with nothing but ``cryptography`` and the C2SP rules."""
    text, sig_line = note.split("\n\n")
    text += "\n"
    origin, size, root_b64, end = text.split("\n")
    assert end == "" and sig_line.endswith("\n") and sig_line.count("\n") == 1
    dash, name, blob = sig_line[:-1].split(" ")
    assert dash == "\u2014" and name == origin
    blob = base64.b64decode(blob)
    key = log_public_key(env)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert blob[:4] == hashlib.sha256(origin.encode() + b"\n\x01" + raw).digest()[:4]
    key.verify(blob[4:], text.encode())
    return origin, int(size), base64.b64decode(root_b64)


def checked_head(env) -> dict:
    """GET the head and check its checkpoint's signature against the pinned key."""
    response = env.client.get("/api/v1/log/head")
    assert response.status_code == 200
    head = response.get_json()
    origin, size, root = open_note(env, head["checkpoint"])
    assert origin == head["origin"] == "localhost/log"
    assert size == head["tree_size"] and root.hex() == head["root_hash"]
    assert env.client.get(f"/api/v1/log/checkpoint/{size}").get_data(as_text=True) == head["checkpoint"]
    return head


# --- tests -------------------------------------------------------------------------------

def test_empty_log_has_a_signed_head_with_the_empty_root(env):
    head = checked_head(env)
    assert head["tree_size"] == 0 and head["root_hash"] == H(b"").hex()
    assert head["created_at"].startswith("2025-09-10T10:00:00")


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
            assert open_note(env, data["checkpoint"])[1:] == (7, root)
            assert data["leaf"]["original_sha256"] == item["original_sha256"]
            assert data["leaf"]["sealed_sha256"] == item["sealed_sha256"]
            assert data["leaf"]["organisation_id"] == "solleftea" and data["leaf"]["leaf_version"] == "2"
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
    assert open_note(env, default["checkpoint_1"])[1:] == (3, mth(leaves[:3]))
    assert open_note(env, default["checkpoint_2"])[1:] == (7, mth(leaves))


def test_a_saved_head_stays_consistent_as_the_log_grows(env):
    publish(env, 4)
    old_head = checked_head(env)
    env.clock.set(dt.date(2025, 9, 11))
    publish(env, 3, start=4)
    new_head = checked_head(env)
    assert new_head["tree_size"] == 7 and new_head["created_at"] > old_head["created_at"]
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


def test_checkpoints_are_signed_by_the_installation_log_key_once_per_size(env, tmp_path):
    from signering.pki.orgkeys import demo_keys

    head = checked_head(env)
    key_file = tmp_path / "log_key.pem"
    assert env.svc.log_signer.key_path == str(key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    pinned = log_public_key(env)
    # Not an organisation's e-sigill: the log covers every organisation's entries.
    seal_key = demo_keys().seal.certificate.public_key()
    assert pinned.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
        seal_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    spki = pinned.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    published = env.client.get("/api/v1/log/key").get_json()
    assert published["fingerprint"] == head["key_fingerprint"] == hashlib.sha256(spki).hexdigest()
    assert published["algorithm"] == "ed25519" and published["origin"] == "localhost/log"

    # The tree has not changed: the very same checkpoint, not signed anew.
    env.clock.set(dt.date(2025, 9, 11))
    assert checked_head(env) == head
    publish(env, 3)
    newer = checked_head(env)
    assert newer["tree_size"] == 3 and newer["created_at"].startswith("2025-09-11")
    # Every size the tree has had keeps its checkpoint, served as first signed.
    notes = [env.client.get(f"/api/v1/log/checkpoint/{n}").get_data(as_text=True) for n in range(4)]
    assert notes[0] == head["checkpoint"] and notes[3] == newer["checkpoint"]
    leaves = leaf_hashes(env)
    assert [open_note(env, note)[1:] for note in notes] == [(n, mth(leaves[:n])) for n in range(4)]
    assert env.client.get("/api/v1/log/checkpoint").get_data(as_text=True) == notes[3]
    missing = env.client.get("/api/v1/log/checkpoint/4")
    assert missing.status_code == 404 and "största är 3" in missing.get_json()["message"]


def test_origin_is_fixed_by_the_first_checkpoint_not_by_the_base_url(env):
    env.svc.settings.log_origin = "protokoll.solleftea.se/logg"
    publish(env, 1)
    assert env.client.get("/api/v1/log/head").get_json()["origin"] == "protokoll.solleftea.se/logg"
    # The first checkpoint named the log; a later setting or base URL does not rename it.
    env.svc.settings.base_url = "https://elsewhere.example"
    env.svc.settings.log_origin = "renamed.example/log"
    publish(env, 1, start=1)
    head = env.client.get("/api/v1/log/head").get_json()
    assert head["checkpoint"].startswith(f"{head['origin']}\n2\n")
    assert head["origin"] == env.client.get("/api/v1/log/checkpoint/0").get_data(as_text=True).split("\n")[0]


def test_checkpoints_are_made_for_a_log_that_grew_without_them(env):
    """A log from before checkpoints were stored: every size gets one on the first request."""
    from signering.models import LogCheckpoint

    publish(env, 5)
    with env.svc.db.write() as session:
        session.query(LogCheckpoint).delete()
    head = checked_head(env)
    leaves = leaf_hashes(env)
    assert head["tree_size"] == 5
    for n in range(6):
        note = env.client.get(f"/api/v1/log/checkpoint/{n}").get_data(as_text=True)
        assert open_note(env, note)[1:] == (n, mth(leaves[:n]))


def test_entries_in_bounded_pages(env):
    published = publish(env, 5)
    page = env.client.get("/api/v1/log/entries?start=1&end=4").get_json()
    assert (page["start"], page["end"], page["tree_size"]) == (1, 4, 5)
    assert [e["index"] for e in page["entries"]] == [1, 2, 3]
    for entry, item in zip(page["entries"], published[1:4]):
        assert entry["leaf_hash"] == H(b"\x00" + entry["leaf_json"].encode()).hex()
        assert item["sealed_sha256"] in entry["leaf_json"]
    tail = env.client.get("/api/v1/log/entries?start=3").get_json()
    assert [e["index"] for e in tail["entries"]] == [3, 4] and tail["end"] == 5
    assert env.client.get("/api/v1/log/entries?start=5").get_json()["entries"] == []
    assert env.client.get("/api/v1/log/entries?start=6").status_code == 400
    assert env.client.get("/api/v1/log/entries").status_code == 400
