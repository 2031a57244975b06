"""Proofs as values with a JSON form, for ``/api/v1/log/proof/<sha256>`` and ``/api/v1/log/consistency``.

Field names follow RFC 9162's InclusionProofDataV2 and ConsistencyProofDataV2; hashes are
lowercase hex. ``from_dict`` checks shape only; ``verify`` checks the proof against a root that
the caller took from a tree head whose signature it verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LogProofError
from ._codec import parse_hash, parse_size
from .merkle import verify_consistency, verify_inclusion

#: A proof in a tree of at most 2**63 leaves has at most 2 * 63 hashes; more is not a proof.
_MAX_PATH = 126


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    inclusion_path: tuple[bytes, ...]

    def verify(self, root: bytes) -> None:
        verify_inclusion(self.leaf_hash, self.leaf_index, self.tree_size, self.inclusion_path, root)

    def to_dict(self) -> dict:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "inclusion_path": [h.hex() for h in self.inclusion_path],
        }

    @classmethod
    def from_dict(cls, data: object) -> InclusionProof:
        if not isinstance(data, dict):
            raise LogProofError("malformed", field="inclusion_proof")
        return cls(
            leaf_index=parse_size(data.get("leaf_index"), "leaf_index"),
            tree_size=parse_size(data.get("tree_size"), "tree_size"),
            leaf_hash=parse_hash(data.get("leaf_hash"), "leaf_hash"),
            inclusion_path=_parse_path(data.get("inclusion_path"), "inclusion_path"),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    tree_size_1: int
    tree_size_2: int
    consistency_path: tuple[bytes, ...]

    def verify(self, old_root: bytes, new_root: bytes) -> None:
        verify_consistency(self.tree_size_1, self.tree_size_2, old_root, new_root, self.consistency_path)

    def to_dict(self) -> dict:
        return {
            "tree_size_1": self.tree_size_1,
            "tree_size_2": self.tree_size_2,
            "consistency_path": [h.hex() for h in self.consistency_path],
        }

    @classmethod
    def from_dict(cls, data: object) -> ConsistencyProof:
        if not isinstance(data, dict):
            raise LogProofError("malformed", field="consistency_proof")
        return cls(
            tree_size_1=parse_size(data.get("tree_size_1"), "tree_size_1"),
            tree_size_2=parse_size(data.get("tree_size_2"), "tree_size_2"),
            consistency_path=_parse_path(data.get("consistency_path"), "consistency_path"),
        )


def _parse_path(value: object, field: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > _MAX_PATH:
        raise LogProofError("malformed", field=field)
    return tuple(parse_hash(item, field) for item in value)
