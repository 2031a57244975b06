"""Check that a sealed PDF is in a Signering transparency log, from the log's public API.

Two requests (``GET <url>/api/v1/log/head`` and ``GET <url>/api/v1/log/proof/<sha256>``); the
rest is offline: the tree heads' signatures, the leaf's bytes, its hash and the inclusion path
up to the signed root. Nothing the server says is taken on trust except, when no key is pinned
with ``public_key``, which key is the log's (trust on first use, as with an SSH host key).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import requests
from cryptography.hazmat.primitives import serialization

from ..errors import LogProofError, SigneringError
from ..verification.findings import Code, Finding, finding
from .checkpoint import SignedTreeHead, verify_tree_head
from .leaf import decode_leaf
from .merkle import hash_leaf
from .proofs import InclusionProof

TIMEOUT_SECONDS = 15


class LogUnavailable(SigneringError):
    """The log could not be asked; nothing is known about inclusion either way."""

    code = "log_unavailable"
    http_status = 503
    default_sv = "Transparensloggen kunde inte nås. Kontrollera adressen och nätverket och försök igen."
    default_en = "The transparency log could not be reached. Check the address and the network and try again."


@dataclass
class LogCheck:
    checked: bool = True
    included: bool = False
    tree_size: int | None = None
    leaf_index: int | None = None
    origin: str | None = None
    key_id: str | None = None
    #: why the file is not shown to be in the log (codes ``not_in_log``, ``log_entry_other_file``,
    #: ``log_proof_invalid``)
    findings: list[Finding] = field(default_factory=list)
    #: the language of ``problems``
    lang: str = "sv"

    @property
    def problems(self) -> list[str]:
        return [f.message(self.lang) for f in self.findings]

    def to_json(self) -> dict:
        return {"checked": self.checked, "included": self.included, "tree_size": self.tree_size,
                "leaf_index": self.leaf_index, "origin": self.origin, "key_id": self.key_id,
                "problems": list(self.problems)}


def load_public_key(pem: bytes):
    try:
        return serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise LogProofError("malformed", field="public_key") from exc


def _get(session: requests.Session, url: str) -> requests.Response:
    try:
        return session.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise LogUnavailable(f"Transparensloggen {url} kunde inte nås ({type(exc).__name__}). Kontrollera "
                             "adressen och nätverket och försök igen.",
                             f"The transparency log {url} could not be reached ({type(exc).__name__}). Check the "
                             "address and the network and try again.", url=url) from None


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise LogProofError("malformed", field="response") from None
    if not isinstance(data, dict):
        raise LogProofError("malformed", field="response")
    return data


def _checked_head(data: object, key) -> SignedTreeHead:
    signed = SignedTreeHead.from_dict(data)
    verify_tree_head(signed, key)
    return signed


def check_inclusion(base_url: str, file_bytes: bytes, *, public_key_pem: bytes | None = None,
                    session: requests.Session | None = None, lang: str = "sv") -> LogCheck:
    """Is the file with these bytes (a sealed PDF) in the log at ``base_url``?

    Proof failures become ``problems`` (``included`` False); only an unreachable log raises
    (``LogUnavailable``), since then nothing is known.
    """
    sha = hashlib.sha256(file_bytes).hexdigest()
    base = base_url.rstrip("/")
    session = session or requests.Session()
    result = LogCheck(lang=lang)
    try:
        response = _get(session, f"{base}/api/v1/log/head")
        if response.status_code != 200:
            raise LogUnavailable(f"Transparensloggen svarade {response.status_code} på {base}/api/v1/log/head.",
                                 f"The transparency log answered {response.status_code} at {base}/api/v1/log/head.",
                                 url=base)
        head_data = _json(response)
        if public_key_pem is not None:
            key = load_public_key(public_key_pem)
        else:
            pem = head_data.get("public_key_pem")
            key = load_public_key(pem.encode("ascii") if isinstance(pem, str) else b"")
        head = _checked_head(head_data, key)
        result.tree_size, result.origin, result.key_id = head.head.tree_size, head.head.origin, head.key_id.hex()

        response = _get(session, f"{base}/api/v1/log/proof/{sha}")
        if response.status_code == 404:
            result.findings.append(finding(Code.NOT_IN_LOG, sha256=sha, url=base))
            return result
        if response.status_code != 200:
            raise LogUnavailable(f"Transparensloggen svarade {response.status_code} på beviset för {sha}.",
                                 f"The transparency log answered {response.status_code} to the proof for {sha}.",
                                 url=base)
        data = _json(response)
        # The proof comes with its own head, signed for the same tree the proof was built from.
        proof_head = _checked_head(data.get("tree_head"), key)
        proof = InclusionProof.from_dict(data.get("inclusion_proof"))
        leaf_json = data.get("leaf_json")
        if not isinstance(leaf_json, str):
            raise LogProofError("malformed", field="leaf_json")
        leaf_bytes = leaf_json.encode("utf-8")
        entry = decode_leaf(leaf_bytes)
        if hash_leaf(leaf_bytes) != proof.leaf_hash:
            raise LogProofError("root_mismatch", field="leaf_hash")
        if proof.tree_size != proof_head.head.tree_size:
            raise LogProofError("wrong_length", field="tree_size")
        proof.verify(proof_head.head.root_hash)
        result.tree_size, result.leaf_index = proof_head.head.tree_size, proof.leaf_index
        if entry.sealed_sha256 != sha:
            # The server may find a file by its original hash too; only the sealed file itself counts.
            result.findings.append(finding(Code.LOG_ENTRY_OTHER_FILE, logged=entry.sealed_sha256, sha256=sha))
            return result
        result.included = True
    except LogProofError as exc:
        result.findings.append(finding(Code.LOG_PROOF_INVALID, detail=(exc.message("sv"), exc.message("en"))))
    return result
