"""Transparency log core: Merkle proofs against an independent RFC 9162 reference, signed
tree heads, canonical leaves and the JSON wire format."""

import base64
import dataclasses
import hashlib
import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from signering.errors import InputError, LogProofError
from signering.translog import merkle
from signering.translog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from signering.translog.compact import prefix_roots
from signering.translog.log_key import LogKeyUnavailable, load_log_key
from signering.translog.note import VerifierKey
from signering.translog.leaf import SealedProtocolEntry, decode_leaf, encode_leaf, leaf_hash
from signering.translog.proofs import ConsistencyProof, InclusionProof

# ---------------------------------------------------------------------------------------------
# Reference: RFC 9162 §2.1 written out as literally as possible (recursive, slices, raw data).


def ref_sha(data):
    return hashlib.sha256(data).digest()


def ref_k(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d):  # §2.1.1
    n = len(d)
    if n == 0:
        return ref_sha(b"")
    if n == 1:
        return ref_sha(b"\x00" + d[0])
    k = ref_k(n)
    return ref_sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m, d):  # §2.1.3.1
    n = len(d)
    if n == 1:
        return []
    k = ref_k(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m, d, b):  # §2.1.4.1
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m, d):
    return ref_subproof(m, d, True)


def ref_root_from_path(m, n, leaf_hash, path):
    """Undo PATH(m, D[n]): the root a path gives, or None if its length cannot fit."""
    if n == 1:
        return leaf_hash if not path else None
    if not path:
        return None
    k = ref_k(n)
    if m < k:
        left = ref_root_from_path(m, k, leaf_hash, path[:-1])
        return None if left is None else ref_sha(b"\x01" + left + path[-1])
    right = ref_root_from_path(m - k, n - k, leaf_hash, path[:-1])
    return None if right is None else ref_sha(b"\x01" + path[-1] + right)


def ref_roots_from_consistency(m, n, old_root, proof):
    """Undo SUBPROOF(m, D[n], true): (old root, new root) the proof gives, or None."""
    pos = 0

    def walk(m, n, b):
        nonlocal pos
        if m == n:
            if b:
                return old_root, old_root
            if pos >= len(proof):
                raise IndexError
            pos += 1
            return proof[pos - 1], proof[pos - 1]
        k = ref_k(n)
        if m <= k:
            old, new = walk(m, k, b)
            c = proof[pos]
            pos += 1
            return old, ref_sha(b"\x01" + new + c)
        old, new = walk(m - k, n - k, False)
        c = proof[pos]
        pos += 1
        return ref_sha(b"\x01" + c + old), ref_sha(b"\x01" + c + new)

    try:
        roots = walk(m, n, True)
    except IndexError:
        return None
    return roots if pos == len(proof) else None


# ---------------------------------------------------------------------------------------------

MAX_N = 40
DATA = [f"protokoll {i}".encode() for i in range(MAX_N + 1)]
LEAF_HASHES = [merkle.hash_leaf(d) for d in DATA]
ROOTS = [ref_mth(DATA[:n]) for n in range(MAX_N + 2)]

# Published test vectors of the Certificate Transparency reference code (RFC 6962 trees).
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                        "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


def flipped(h, byte=0):
    return h[:byte] + bytes([h[byte] ^ 0x01]) + h[byte + 1:]


def reason_of(call):
    with pytest.raises(LogProofError) as info:
        call()
    return info.value.reason


# --- tree hash -------------------------------------------------------------------------------


def test_empty_tree_hash_is_sha256_of_empty_string():
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def test_roots_match_certificate_transparency_vectors():
    ct_hashes = [merkle.hash_leaf(leaf) for leaf in CT_LEAVES]
    for n in range(len(CT_LEAVES) + 1):
        assert merkle.root(ct_hashes[:n]).hex() == CT_ROOTS[n]
        assert merkle.merkle_tree_hash(CT_LEAVES[:n]).hex() == CT_ROOTS[n]
    assert [h.hex() for h in merkle.inclusion_proof(ct_hashes, 0)] == CT_INCLUSION_0_OF_8


def test_roots_match_reference_for_every_size():
    for n in range(MAX_N + 1):
        assert merkle.root(LEAF_HASHES[:n]) == ROOTS[n], n


def test_leaf_and_node_hashes_are_domain_separated():
    a, b = LEAF_HASHES[0], LEAF_HASHES[1]
    assert merkle.hash_leaf(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.hash_children(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # A leaf whose data is two hashes must not collide with the node over them.
    assert merkle.hash_leaf(a + b) != merkle.hash_children(a, b)


def test_root_of_100000_leaves_is_fast_and_matches_reference():
    leaves = [i.to_bytes(4, "big") for i in range(100_000)]
    hashes = [merkle.hash_leaf(d) for d in leaves]
    start = time.perf_counter()
    got = merkle.root(hashes)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"root of 100,000 leaves took {elapsed:.2f} s"
    assert got == ref_mth(leaves)


# --- inclusion -------------------------------------------------------------------------------


def test_inclusion_proofs_equal_reference_and_verify_for_all_sizes_and_indices():
    for n in range(1, MAX_N + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
            assert proof == ref_path(i, DATA[:n]), (i, n)
            merkle.verify_inclusion(LEAF_HASHES[i], i, n, proof, ROOTS[n])


def test_inclusion_proof_for_an_older_tree_size():
    proof = merkle.inclusion_proof(LEAF_HASHES, 5, tree_size=13)
    assert proof == ref_path(5, DATA[:13])
    merkle.verify_inclusion(LEAF_HASHES[5], 5, 13, proof, ROOTS[13])


def test_inclusion_with_a_flipped_byte_fails_everywhere():
    for n in range(1, MAX_N + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
            for j in range(len(proof)):
                bad = proof[:j] + [flipped(proof[j], j % 32)] + proof[j + 1:]
                assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[i], i, n, bad, ROOTS[n])) == "root_mismatch"
            assert reason_of(lambda: merkle.verify_inclusion(flipped(LEAF_HASHES[i]), i, n, proof, ROOTS[n])) == "root_mismatch"
            assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[i], i, n, proof, flipped(ROOTS[n], 31))) == "root_mismatch"


def test_inclusion_with_a_wrong_index_fails():
    for n in range(1, MAX_N + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
            for j in range(n + 2):
                if j != i:
                    with pytest.raises(LogProofError):
                        merkle.verify_inclusion(LEAF_HASHES[i], j, n, proof, ROOTS[n])


def test_inclusion_with_a_wrong_size_passes_only_where_the_rfc_path_says_so():
    # A path does not fix the tree size by itself (the signed head does), so a few other
    # sizes give the same root. The verifier must agree with the RFC's PATH on which.
    passed_elsewhere = 0
    for n in range(1, MAX_N + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
            for other in range(0, MAX_N + 2):
                if other == n:
                    continue
                expected = i < other and ref_root_from_path(i, other, LEAF_HASHES[i], proof) == ROOTS[n]
                try:
                    merkle.verify_inclusion(LEAF_HASHES[i], i, other, proof, ROOTS[n])
                    ok = True
                except LogProofError:
                    ok = False
                assert ok == expected, (i, n, other)
                passed_elsewhere += ok
    assert 0 < passed_elsewhere  # the case exists, so the comparison above is not vacuous
    proof = merkle.inclusion_proof(LEAF_HASHES[:8], 3)
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[3], 3, 9, proof, ROOTS[8])) == "wrong_length"


def test_inclusion_with_a_truncated_or_padded_proof_fails():
    for n in range(2, MAX_N + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(LEAF_HASHES[:n], i)
            for bad in (proof[:-1], proof[1:], proof + [proof[-1]], proof + [merkle.EMPTY_ROOT]):
                assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[i], i, n, bad, ROOTS[n])) == "wrong_length"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[0], 0, 1, [LEAF_HASHES[1]], ROOTS[1])) == "wrong_length"


def test_inclusion_rejects_out_of_range_and_malformed_input():
    proof = merkle.inclusion_proof(LEAF_HASHES[:4], 1)
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1], 4, 4, proof, ROOTS[4])) == "index_out_of_range"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1], 0, 0, [], merkle.EMPTY_ROOT)) == "index_out_of_range"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1][:31], 1, 4, proof, ROOTS[4])) == "malformed"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1], 1, 4, proof[0], ROOTS[4])) == "malformed"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1], -1, 4, proof, ROOTS[4])) == "malformed"
    assert reason_of(lambda: merkle.verify_inclusion(LEAF_HASHES[1], True, 4, proof, ROOTS[4])) == "malformed"
    for index, size in ((4, None), (-1, None), (0, 41), (0, 0)):
        with pytest.raises(InputError):
            merkle.inclusion_proof(LEAF_HASHES[:4] if size is None else LEAF_HASHES[:MAX_N], index, tree_size=size)


# --- consistency -----------------------------------------------------------------------------


def test_consistency_proofs_equal_reference_and_verify_for_all_pairs():
    for new in range(0, MAX_N + 1):
        for old in range(0, new + 1):
            proof = merkle.consistency_proof(LEAF_HASHES, old, new)
            expected = [] if old in (0, new) else ref_proof(old, DATA[:new])
            assert proof == expected, (old, new)
            merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def test_consistency_with_a_flipped_byte_or_wrong_root_fails():
    for new in range(1, MAX_N + 1):
        for old in range(1, new):
            proof = merkle.consistency_proof(LEAF_HASHES, old, new)
            for j in range(len(proof)):
                bad = proof[:j] + [flipped(proof[j], 7)] + proof[j + 1:]
                assert reason_of(lambda: merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], bad)) == "not_append_only"
            for old_root, new_root in ((flipped(ROOTS[old]), ROOTS[new]), (ROOTS[old], flipped(ROOTS[new]))):
                assert reason_of(lambda: merkle.verify_consistency(old, new, old_root, new_root, proof)) == "not_append_only"


def test_consistency_with_a_truncated_or_padded_proof_fails():
    for new in range(2, MAX_N + 1):
        for old in range(1, new):
            proof = merkle.consistency_proof(LEAF_HASHES, old, new)
            for bad in (proof[:-1], proof[1:], proof + [proof[0]], []):
                assert reason_of(lambda: merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], bad)) == "wrong_length"


def test_consistency_with_other_sizes_passes_only_where_the_rfc_subproof_says_so():
    for new in range(2, MAX_N + 1):
        for old in range(1, new):
            proof = merkle.consistency_proof(LEAF_HASHES, old, new)
            for o, n in ((old - 1, new), (old + 1, new), (old, new - 1), (old, new + 1), (new, old)):
                if (o, n) == (old, new) or o < 0:
                    continue
                if 0 < o < n:
                    expected = ref_roots_from_consistency(o, n, ROOTS[old], proof) == (ROOTS[old], ROOTS[new])
                else:  # outside the RFC algorithm: equal sizes, empty old tree, or reversed
                    expected = False
                try:
                    merkle.verify_consistency(o, n, ROOTS[old], ROOTS[new], proof)
                    ok = True
                except LogProofError:
                    ok = False
                assert ok == expected, (old, new, o, n)


def test_consistency_edge_cases():
    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    merkle.verify_consistency(0, 7, merkle.EMPTY_ROOT, ROOTS[7], [])
    merkle.verify_consistency(7, 7, ROOTS[7], ROOTS[7], [])
    # Same size, two roots: the log showed two different histories.
    assert reason_of(lambda: merkle.verify_consistency(7, 7, ROOTS[7], ROOTS[8], [])) == "not_append_only"
    assert reason_of(lambda: merkle.verify_consistency(0, 7, ROOTS[1], ROOTS[7], [])) == "not_append_only"
    assert reason_of(lambda: merkle.verify_consistency(7, 7, ROOTS[7], ROOTS[7], [ROOTS[1]])) == "wrong_length"
    assert reason_of(lambda: merkle.verify_consistency(8, 7, ROOTS[8], ROOTS[7], [])) == "size_order"
    # A tree that is not a prefix of the new one: another history for the first three entries.
    forked = [merkle.hash_leaf(b"other")] + LEAF_HASHES[1:5]
    proof = merkle.consistency_proof(LEAF_HASHES, 3, 5)
    assert reason_of(lambda: merkle.verify_consistency(3, 5, merkle.root(forked[:3]), ROOTS[5], proof)) == "not_append_only"
    with pytest.raises(InputError):
        merkle.consistency_proof(LEAF_HASHES[:5], 6, 5)
    with pytest.raises(InputError):
        merkle.consistency_proof(LEAF_HASHES[:5], 2, 6)


# --- JSON form of proofs ---------------------------------------------------------------------


def test_proofs_round_trip_through_json_as_hex():
    inclusion = InclusionProof(9, 23, LEAF_HASHES[9], tuple(merkle.inclusion_proof(LEAF_HASHES[:23], 9)))
    wire = json.loads(json.dumps(inclusion.to_dict()))
    assert wire["leaf_hash"] == LEAF_HASHES[9].hex()
    assert wire["inclusion_path"][0] == inclusion.inclusion_path[0].hex()
    back = InclusionProof.from_dict(wire)
    assert back == inclusion
    back.verify(ROOTS[23])
    assert reason_of(lambda: back.verify(ROOTS[22])) == "root_mismatch"

    consistency = ConsistencyProof(11, 30, tuple(merkle.consistency_proof(LEAF_HASHES, 11, 30)))
    back = ConsistencyProof.from_dict(json.loads(json.dumps(consistency.to_dict())))
    assert back == consistency
    back.verify(ROOTS[11], ROOTS[30])
    assert reason_of(lambda: back.verify(ROOTS[12], ROOTS[30])) == "not_append_only"


@pytest.mark.parametrize("change", [
    {"leaf_index": "9"}, {"leaf_index": True}, {"tree_size": -1}, {"leaf_hash": "ab" * 31},
    {"leaf_hash": "zz" * 32}, {"inclusion_path": "ab" * 32}, {"inclusion_path": ["ab" * 33]},
    {"inclusion_path": ["ab" * 32] * 127},
])
def test_malformed_inclusion_json_is_refused(change):
    wire = InclusionProof(1, 2, LEAF_HASHES[1], (LEAF_HASHES[0],)).to_dict()
    assert reason_of(lambda: InclusionProof.from_dict({**wire, **change})) == "malformed"


# --- checkpoints (C2SP signed notes, Ed25519) -------------------------------------------------

ORIGIN = "signering.example.se/log"


@pytest.fixture(scope="module")
def log_key():
    return ed25519.Ed25519PrivateKey.generate()


def a_checkpoint(size=23):
    return Checkpoint(ORIGIN, size, ROOTS[size])


def raw(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_checkpoint_note_is_c2sp_text_and_ed25519_signature(log_key):
    note = sign_checkpoint(a_checkpoint(), log_key)
    root_b64 = base64.b64encode(ROOTS[23]).decode()
    text = f"{ORIGIN}\n23\n{root_b64}\n"
    # The signature line, rebuilt from the C2SP signed-note rules alone.
    key_hash = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw(log_key.public_key())).digest()[:4]
    line = note.split("\n")[-2]
    assert note.startswith(text + "\n\u2014 " + ORIGIN + " ")
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4] == key_hash and len(blob) == 68
    log_key.public_key().verify(blob[4:], text.encode())
    assert open_checkpoint(note, log_key.public_key())[0] == a_checkpoint()
    assert open_checkpoint(note, log_key.public_key(), origin=ORIGIN)[0] == a_checkpoint()
    assert reason_of(lambda: open_checkpoint(note, log_key.public_key(), origin="other/log")) == "origin_mismatch"


def test_verifier_key_round_trips(log_key):
    vkey = VerifierKey(ORIGIN, log_key.public_key())
    text = vkey.encode()
    name, key_hash, blob = text.split("+", 2)
    assert name == ORIGIN and base64.b64decode(blob) == b"\x01" + raw(log_key.public_key())
    assert VerifierKey.decode(text).key_hash.hex() == key_hash
    assert reason_of(lambda: VerifierKey.decode(text.replace(key_hash, "00000000"))) == "malformed"


@pytest.mark.parametrize("change", ["size", "root", "origin", "signature", "other_key"])
def test_checkpoint_fails_when_anything_changes(log_key, change):
    note = sign_checkpoint(a_checkpoint(), log_key)
    key = log_key.public_key()
    if change == "size":
        note = note.replace("\n23\n", "\n24\n", 1)
    elif change == "root":
        note = note.replace(base64.b64encode(ROOTS[23]).decode(), base64.b64encode(ROOTS[24]).decode(), 1)
    elif change == "origin":
        note = note.replace(ORIGIN + "\n", "signering.example.se/other\n", 1)
    elif change == "signature":
        line = note.split("\n")[-2]
        blob = bytearray(base64.b64decode(line.split(" ")[2]))
        blob[10] ^= 1
        note = note.replace(line, f"\u2014 {ORIGIN} {base64.b64encode(bytes(blob)).decode()}")
    else:
        key = ed25519.Ed25519PrivateKey.generate().public_key()
    assert reason_of(lambda: open_checkpoint(note, key)) in ("signature_invalid", "key_mismatch")


@pytest.mark.parametrize("note", [
    "signering.example.se/log\n023\nROOT\n\nSIG",
    "signering.example.se/log\n23\nROOT\nSIG",
    "signering.example.se/log\n23\nROOT\n\n",
    "signering.example.se/log\n23\nROOT\n\n- signering.example.se/log AAAA\n",
    "signering.example.se/log\r\n23\nROOT\n\nSIG",
])
def test_malformed_notes_are_refused(log_key, note):
    good = sign_checkpoint(a_checkpoint(), log_key)
    note = note.replace("ROOT", base64.b64encode(ROOTS[23]).decode()).replace("SIG", good.split("\n")[-2] + "\n")
    assert reason_of(lambda: open_checkpoint(note, log_key.public_key())) == "malformed"


def test_invalid_checkpoints_are_refused():
    for change in ({"root_hash": ROOTS[23][:31]}, {"tree_size": -1}, {"origin": ""}, {"origin": "a log"},
                   {"origin": "a+log"}):
        with pytest.raises(InputError):
            dataclasses.replace(a_checkpoint(), **change)


def test_prefix_roots_match_the_merkle_tree_hash():
    hashes = [merkle.hash_leaf(bytes([i])) for i in range(40)]
    assert list(prefix_roots(hashes)) == [(n, merkle.root(hashes[:n])) for n in range(41)]


def test_log_key_must_be_ed25519(tmp_path):
    path = tmp_path / "log.pem"
    path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(LogKeyUnavailable, match="Ed25519"):
        load_log_key(str(path))
    made = tmp_path / "new" / "log.pem"
    assert isinstance(load_log_key(str(made)), ed25519.Ed25519PrivateKey)
    assert made.stat().st_mode & 0o777 == 0o600


# --- leaves ----------------------------------------------------------------------------------

ORIGINAL = hashlib.sha256(b"original").hexdigest()
SEALED = hashlib.sha256(b"sealed").hexdigest()


def an_entry(**changes):
    fields = dict(original_sha256=ORIGINAL, sealed_sha256=SEALED, organisation="Sollefteå kommun",
                  board="Kommunstyrelsens arbetsutskott", meeting_date=date(2024, 4, 16),
                  sealed_at=datetime(2024, 4, 18, 10, 15, tzinfo=timezone(timedelta(hours=2))))
    return SealedProtocolEntry(**{**fields, **changes})


def test_leaf_is_sorted_compact_utf8_json():
    data = encode_leaf(an_entry())
    assert data == (
        '{"board":"Kommunstyrelsens arbetsutskott","meeting_date":"2024-04-16",'
        '"organisation":"Sollefteå kommun",'
        f'"original_sha256":"{ORIGINAL}","sealed_at":"2024-04-18T08:15:00.000000Z",'
        f'"sealed_sha256":"{SEALED}"}}'
    ).encode("utf-8")
    assert leaf_hash(an_entry()) == hashlib.sha256(b"\x00" + data).digest()
    assert decode_leaf(data) == an_entry()


def test_leaf_is_canonical_across_spellings_of_the_same_entry():
    decomposed = "Solleftea\u030a kommun"  # "å" as a + combining ring, as macOS may send it
    assert leaf_hash(an_entry(organisation=decomposed, original_sha256=ORIGINAL.upper())) == leaf_hash(an_entry())
    assert leaf_hash(an_entry(board="Kommunfullmäktige")) != leaf_hash(an_entry())
    assert leaf_hash(an_entry(meeting_date=date(2024, 4, 17))) != leaf_hash(an_entry())


def test_non_canonical_leaf_bytes_are_refused():
    canonical = json.loads(encode_leaf(an_entry()))
    for data in (json.dumps(canonical).encode(),  # spaces after separators
                 json.dumps(canonical, separators=(",", ":")).encode(),  # ASCII escapes for å
                 json.dumps({**canonical, "extra": "x"}, sort_keys=True, separators=(",", ":")).encode(),
                 b"\xff"):
        assert reason_of(lambda: decode_leaf(data)) == "malformed"


def test_invalid_entries_are_refused():
    for change in ({"original_sha256": "abc"}, {"board": ""}, {"board": "a\nb"},
                   {"meeting_date": datetime(2024, 4, 16, tzinfo=timezone.utc)},
                   {"sealed_at": datetime(2024, 4, 18, 10, 15)}):
        with pytest.raises(InputError):
            an_entry(**change)


def test_a_sealed_protocol_is_provably_in_a_signed_log():
    """The pieces together, as the verify page will use them."""
    key = ed25519.Ed25519PrivateKey.generate()
    entries = [an_entry(sealed_sha256=hashlib.sha256(bytes([i])).hexdigest()) for i in range(12)]
    hashes = [leaf_hash(e) for e in entries]
    note = sign_checkpoint(Checkpoint("signering.example.se/log", 12, merkle.root(hashes)), key)
    proof = InclusionProof(7, 12, leaf_hash(entries[7]), tuple(merkle.inclusion_proof(hashes, 7)))

    received_proof = InclusionProof.from_dict(json.loads(json.dumps(proof.to_dict())))
    checkpoint, _note = open_checkpoint(note, key.public_key())
    assert received_proof.leaf_hash == leaf_hash(decode_leaf(encode_leaf(entries[7])))
    received_proof.verify(checkpoint.root_hash)


def test_version_2_leaf_names_the_organisation_by_slug():
    entry = an_entry(organisation="", organisation_id="solleftea")
    data = encode_leaf(entry)
    assert data == (
        '{"board":"Kommunstyrelsens arbetsutskott","leaf_version":"2","meeting_date":"2024-04-16",'
        '"organisation_id":"solleftea",'
        f'"original_sha256":"{ORIGINAL}","sealed_at":"2024-04-18T08:15:00.000000Z",'
        f'"sealed_sha256":"{SEALED}"}}'
    ).encode("utf-8")
    assert decode_leaf(data) == entry and entry.leaf_version == 2
    canonical = json.loads(data)
    for bad in ({**canonical, "leaf_version": "3"}, {**canonical, "organisation": "Sollefteå kommun"},
                {**canonical, "organisation_id": "Sollefteå"}):
        assert reason_of(lambda: decode_leaf(json.dumps(bad, sort_keys=True, separators=(",", ":"),
                                                        ensure_ascii=False).encode())) == "malformed"
