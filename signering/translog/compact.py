"""Roots of every prefix of the log, for signing one checkpoint per size.

``merkle.root`` costs O(n) per size; a backlog of sizes (a log that grew before checkpoints were
stored) would cost O(n²). A compact range (the stack of perfect subtrees covering the prefix)
gives each next root in O(log n) and the same bytes as RFC 9162's definition: the largest
perfect subtree is always the left child of the split (§2.1.1).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .merkle import EMPTY_ROOT, hash_children


def prefix_roots(leaf_hashes: Sequence[bytes]) -> Iterator[tuple[int, bytes]]:
    """(size, root) for size 0, 1, ..., len(leaf_hashes)."""
    yield 0, EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (subtree size, hash), sizes strictly decreasing
    for size, leaf in enumerate(leaf_hashes, start=1):
        node = (1, leaf)
        while stack and stack[-1][0] == node[0]:
            left = stack.pop()
            node = (left[0] * 2, hash_children(left[1], node[1]))
        stack.append(node)
        acc = stack[-1][1]
        for _width, left_hash in reversed(stack[:-1]):
            acc = hash_children(left_hash, acc)
        yield size, acc
