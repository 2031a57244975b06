"""RFC 9162 Merkle tree: tree hash, inclusion proofs and consistency proofs.

Standard library only. Hashes are raw 32-byte SHA-256 digests. Proof generation from the list
of leaf hashes costs O(n) hashing per proof; a store that keeps the complete subtrees' hashes
answers from ``inclusion_ranges``/``consistency_ranges`` and ``perfect_subtrees`` with O(log n)
of them (``signering.workflow.translog_store``). Verification
costs O(log n) and follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, raising
``LogProofError`` with a ``reason`` on the first step that fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

from ..errors import InputError, LogProofError
from ._codec import MAX_SIZE, is_hash

#: Merkle Tree Hash of the empty list (RFC 9162 §2.1.1): SHA-256 of the empty string.
EMPTY_ROOT = sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def hash_leaf(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the prefix keeps a leaf from passing for an inner node."""
    return sha256(_LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return sha256(_NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes."""
    return _range_root(leaf_hashes, 0, len(leaf_hashes))


def merkle_tree_hash(leaves: Iterable[bytes]) -> bytes:
    """Merkle Tree Hash of raw leaf data (each leaf is hashed with ``hash_leaf`` first)."""
    return root([hash_leaf(leaf) for leaf in leaves])


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, tree_size: int | None = None) -> list[bytes]:
    """PATH(index, D[tree_size]) of RFC 9162 §2.1.3.1, nearest sibling first.

    ``tree_size`` defaults to all leaves given; pass a smaller one to prove against an older head.
    """
    size = _size_within(leaf_hashes, tree_size)
    return [_range_root(leaf_hashes, lo, hi) for lo, hi in inclusion_ranges(index, size)]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose subtree hashes make PATH(index, D[size]), in proof order.

    Apart from the hashing, so a store that keeps subtree hashes can answer with O(log n) of them.
    """
    if _bad_int(index) or not 0 <= index < size:
        raise InputError(
            f"Post nummer {index} finns inte i en logg med {size} poster.",
            f"Entry {index} does not exist in a log of {size} entries.",
            index=index, tree_size=size,
        )
    ranges = []
    lo, hi = 0, size
    # Walk from the root down to the leaf, keeping the subtree on the other side each time.
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1.

    Empty when ``old_size`` is 0 or equal to ``new_size``: there is nothing to prove then.
    """
    new_size = _size_within(leaf_hashes, new_size)
    return [_range_root(leaf_hashes, lo, hi) for lo, hi in consistency_ranges(old_size, new_size)]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose subtree hashes make PROOF(old_size, D[new_size]), in order."""
    if _bad_int(old_size) or not 0 <= old_size <= new_size:
        raise InputError(
            f"Trädstorleken {old_size} måste ligga mellan 0 och {new_size}.",
            f"The tree size {old_size} must lie between 0 and {new_size}.",
            old_size=old_size, new_size=new_size,
        )
    if old_size in (0, new_size):
        return []
    # SUBPROOF(m, D[lo:hi], b) unrolled: the recursion only ever descends into one side.
    ranges = []
    lo, hi, m, whole_old_tree = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole_old_tree = lo + k, m - k, False
    if not whole_old_tree:
        # The verifier knows the old root, but not this subtree of it.
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def perfect_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """(level, position) of the complete subtrees that make up MTH(D[lo:hi]), largest first.

    For every range a proof or a tree head names, ``lo`` is a multiple of the range's size rounded
    up to a power of two, so the binary digits of ``hi - lo`` from the top give aligned subtrees
    of 2**level leaves starting at leaf ``position * 2**level``; MTH(D[lo:hi]) is those hashes
    folded from the right (:func:`fold`).
    """
    parts = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise ValueError(f"[{lo}, {hi}) is not a range of the tree")
        parts.append((level, lo >> level))
        lo += 1 << level
    return parts


def fold(subtree_hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees' hashes (largest first): folded from the right."""
    if not subtree_hashes:
        return EMPTY_ROOT
    acc = subtree_hashes[-1]
    for left in reversed(subtree_hashes[:-1]):
        acc = hash_children(left, acc)
    return acc


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise ``LogProofError`` unless ``proof`` puts the leaf under ``root``."""
    proof = _checked_proof(proof, leaf_hash=leaf_hash, root=root)
    _check_ints(index=index, tree_size=tree_size)
    if index >= tree_size:
        raise LogProofError("index_out_of_range", index=index, tree_size=tree_size)
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise LogProofError("wrong_length", proof_length=len(proof))
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LogProofError("wrong_length", proof_length=len(proof))
    if r != root:
        raise LogProofError("root_mismatch", index=index, tree_size=tree_size)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: raise ``LogProofError`` unless the new tree extends the old one.

    The RFC's algorithm covers 0 < old_size < new_size. The two ends are settled first: an
    empty old tree is a prefix of every tree (its root must be ``EMPTY_ROOT``), and equal sizes
    need equal roots; both take an empty proof.
    """
    proof = _checked_proof(proof, old_root=old_root, new_root=new_root)
    _check_ints(old_size=old_size, new_size=new_size)
    if old_size > new_size:
        raise LogProofError("size_order", old_size=old_size, new_size=new_size)
    if old_size == 0 or old_size == new_size:
        if proof:
            raise LogProofError("wrong_length", proof_length=len(proof))
        expected_old = EMPTY_ROOT if old_size == 0 else new_root
        if old_root != expected_old:
            raise LogProofError("not_append_only", old_size=old_size, new_size=new_size)
        return
    # Step 1.
    if not proof:
        raise LogProofError("wrong_length", proof_length=0)
    path = proof.copy()
    # Step 2: a power-of-two old tree is a complete subtree, so the proof leaves its root out.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3 and 4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Steps 5 and 6.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise LogProofError("wrong_length", proof_length=len(proof))
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise LogProofError("wrong_length", proof_length=len(proof))
    if fr != old_root or sr != new_root:
        raise LogProofError("not_append_only", old_size=old_size, new_size=new_size)


def _range_root(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) level by level, carrying an odd last node up unchanged.

    That gives the same tree as splitting at the largest power of two below n (RFC 9162
    §2.1.1), without recursion and with one pass per level.
    """
    if lo == hi:
        return EMPTY_ROOT
    level = list(leaf_hashes[lo:hi])
    while len(level) > 1:
        paired = [sha256(_NODE_PREFIX + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _size_within(leaf_hashes: Sequence[bytes], tree_size: int | None) -> int:
    if tree_size is None:
        return len(leaf_hashes)
    if _bad_int(tree_size) or not 0 <= tree_size <= len(leaf_hashes):
        raise InputError(
            f"Loggen har {len(leaf_hashes)} poster; trädstorleken {tree_size} finns inte.",
            f"The log has {len(leaf_hashes)} entries; the tree size {tree_size} does not exist.",
            tree_size=tree_size, log_size=len(leaf_hashes),
        )
    return tree_size


def _bad_int(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool)


def _check_ints(**values: object) -> None:
    for name, value in values.items():
        if _bad_int(value) or not 0 <= value <= MAX_SIZE:
            raise LogProofError("malformed", field=name)


def _checked_proof(proof: Sequence[bytes], **hashes: bytes) -> list[bytes]:
    for name, value in hashes.items():
        if not is_hash(value):
            raise LogProofError("malformed", field=name)
    # A single bytes value is iterable too; without this check it would be read as ints.
    if isinstance(proof, (bytes, bytearray, str)):
        raise LogProofError("malformed", field="proof")
    checked = list(proof)
    if not all(is_hash(p) for p in checked):
        raise LogProofError("malformed", field="proof")
    return checked
