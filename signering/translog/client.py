"""Check that a sealed PDF is in a Signering transparency log, from the log's public API.

Nothing the server says is taken on trust: the log's key is pinned by the caller (a PEM file or
C2SP verifier key, or the key's fingerprint as published in the README instructions and on every
signature page), the checkpoint's signature is checked against it, then the leaf, its hash and the
inclusion path up to the checkpoint's root. Checkpoints seen before (``seen_heads``) are compared
with the new one: a different root for a size seen before, or no consistency proof between them,
is a split view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import requests

from ..errors import InputError, LogProofError, SigneringError
from ..verification.findings import Code, Finding, finding
from .checkpoint import Checkpoint, open_checkpoint
from .cosignature import WitnessKey
from .leaf import decode_leaf
from .log_key import fingerprint, load_public_key, normalise_fingerprint
from .merkle import hash_leaf
from .note import parse_note
from .proofs import ConsistencyProof, InclusionProof
from .seen_heads import SeenHeads

TIMEOUT_SECONDS = 15


class LogUnavailable(SigneringError):
    """The log could not be asked; nothing is known about inclusion either way."""

    code = "log_unavailable"
    http_status = 503
    default_sv = "Transparensloggen kunde inte nås. Kontrollera adressen och nätverket och försök igen."
    default_en = "The transparency log could not be reached. Check the address and the network and try again."


class LogKeyNotPinned(InputError):
    code = "log_key_not_pinned"
    default_sv = ("Ange loggens nyckel: --log-fingerprint med fingeravtrycket som står på signatursidan och i "
                  "tjänstens instruktioner, eller --log-key med nyckelfilen. En logg som själv anger sin nyckel "
                  "bevisar ingenting.")
    default_en = ("Give the log's key: --log-fingerprint with the fingerprint printed on the signature page and in "
                  "the service's instructions, or --log-key with the key file. A log that names its own key proves "
                  "nothing.")


@dataclass(frozen=True)
class LogPin:
    """The log key the caller trusts: a fingerprint, a key (PEM or verifier key bytes), or both."""

    fingerprint: str | None = None
    public_key: bytes | None = None

    def __post_init__(self) -> None:
        if not self.fingerprint and not self.public_key:
            raise LogKeyNotPinned()


@dataclass
class LogCheck:
    checked: bool = True
    included: bool = False
    tree_size: int | None = None
    leaf_index: int | None = None
    origin: str | None = None
    key_fingerprint: str | None = None
    #: the signed checkpoint (C2SP note) the proof was checked against
    checkpoint: str | None = None
    split_view: bool = False
    #: why the file is not shown to be in the log (codes ``not_in_log``, ``log_entry_other_file``,
    #: ``log_proof_invalid``, ``log_split_view``, ``log_not_witnessed``)
    findings: list[Finding] = field(default_factory=list)
    #: the language of ``problems``
    lang: str = "sv"

    @property
    def problems(self) -> list[str]:
        return [f.message(self.lang) for f in self.findings]

    def to_json(self) -> dict:
        return {"checked": self.checked, "included": self.included, "tree_size": self.tree_size,
                "leaf_index": self.leaf_index, "origin": self.origin, "key_fingerprint": self.key_fingerprint,
                "key_id": self.key_fingerprint, "checkpoint": self.checkpoint, "split_view": self.split_view,
                "problems": list(self.problems)}


class LogReader:
    """The log's public API at ``base_url``, with answers checked against the pinned key."""

    def __init__(self, base_url: str, pin: LogPin, session: requests.Session | None = None):
        self.base = base_url.rstrip("/")
        self.pin = pin
        self.session = session or requests.Session()
        self._key = None

    def get(self, path: str, *, not_found_ok: bool = False) -> requests.Response | None:
        url = f"{self.base}{path}"
        try:
            response = self.session.get(url, timeout=TIMEOUT_SECONDS,
                                        headers={"Accept": "application/json, text/plain"})
        except requests.RequestException as exc:
            raise LogUnavailable(f"Transparensloggen {url} kunde inte nås ({type(exc).__name__}). Kontrollera "
                                 "adressen och nätverket och försök igen.",
                                 f"The transparency log {url} could not be reached ({type(exc).__name__}). Check "
                                 "the address and the network and try again.", url=url) from None
        if response.status_code == 404 and not_found_ok:
            return None
        if response.status_code != 200:
            raise LogUnavailable(f"Transparensloggen svarade {response.status_code} på {url}.",
                                 f"The transparency log answered {response.status_code} at {url}.", url=url)
        return response

    def json(self, path: str, *, not_found_ok: bool = False) -> dict | None:
        response = self.get(path, not_found_ok=not_found_ok)
        if response is None:
            return None
        try:
            data = response.json()
        except ValueError:
            raise LogProofError("malformed", field="response") from None
        if not isinstance(data, dict):
            raise LogProofError("malformed", field="response")
        return data

    @property
    def key(self):
        """The pinned key; fetched from the log only to compare with a pinned fingerprint."""
        if self._key is None:
            if self.pin.public_key:
                key = load_public_key(self.pin.public_key)
            else:
                pem = self.json("/api/v1/log/key").get("public_key_pem")
                key = load_public_key(pem.encode("ascii") if isinstance(pem, str) else b"")
            if self.pin.fingerprint and fingerprint(key) != normalise_fingerprint(self.pin.fingerprint):
                raise LogProofError("key_mismatch", fingerprint=fingerprint(key))
            self._key = key
        return self._key

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def open(self, note: object) -> Checkpoint:
        if not isinstance(note, (str, bytes)):
            raise LogProofError("malformed", field="checkpoint")
        return open_checkpoint(note, self.key)[0]

    def checkpoint(self, size: int | None = None) -> tuple[Checkpoint, str]:
        path = "/api/v1/log/checkpoint" + ("" if size is None else f"/{size}")
        # Bytes, not ``.text``: a note is UTF-8 whatever the Content-Type says (requests would read
        # text/plain without a charset as Latin-1 and mangle the signature lines' em dash).
        note = self.get(path).content
        checkpoint = self.open(note)
        return checkpoint, note.decode("utf-8")

    def prove_consistent(self, old: Checkpoint, new: Checkpoint) -> None:
        """Raise ``LogProofError`` unless ``new`` extends ``old`` (``old`` no larger)."""
        if old.tree_size == new.tree_size:
            if old.root_hash != new.root_hash:
                raise LogProofError("split_view", tree_size=new.tree_size)
            return
        data = self.json(f"/api/v1/log/consistency?from={old.tree_size}&to={new.tree_size}", not_found_ok=True)
        if data is None:
            raise LogProofError("split_view", tree_size=old.tree_size)
        proof = ConsistencyProof.from_dict(data.get("consistency_proof"))
        if (proof.tree_size_1, proof.tree_size_2) != (old.tree_size, new.tree_size):
            raise LogProofError("wrong_length", field="consistency_proof")
        proof.verify(old.root_hash, new.root_hash)


def compare_with(reader: LogReader, checkpoint: Checkpoint, seen: dict[int, bytes]) -> None:
    """Raise ``LogProofError`` with reason ``split_view`` when a size in ``seen`` has another root
    or ``checkpoint`` does not extend the largest smaller one, ``rolled_back`` when a size in
    ``seen`` is larger than ``checkpoint``'s."""
    if checkpoint.tree_size in seen and seen[checkpoint.tree_size] != checkpoint.root_hash:
        raise LogProofError("split_view", tree_size=checkpoint.tree_size)
    larger = [s for s in seen if s > checkpoint.tree_size]
    if larger:
        # A log only grows: its newest head is older than one it showed before. No proof needed.
        raise LogProofError("rolled_back", tree_size=checkpoint.tree_size, seen=max(larger))
    smaller = [s for s in seen if s < checkpoint.tree_size]
    if smaller:
        size = max(smaller)
        try:
            reader.prove_consistent(Checkpoint(checkpoint.origin, size, seen[size]), checkpoint)
        except LogProofError as exc:
            if exc.reason in ("not_append_only", "root_mismatch", "wrong_length", "split_view"):
                raise LogProofError("split_view", tree_size=checkpoint.tree_size) from None
            raise


def check_seen(reader: LogReader, checkpoint: Checkpoint, heads: SeenHeads | None) -> None:
    """Compare ``checkpoint`` with every head seen before of the same log, then remember it."""
    if heads is None:
        return
    log = f"{checkpoint.origin} {reader.fingerprint}"
    compare_with(reader, checkpoint, heads.sizes(log))
    heads.add(log, checkpoint.tree_size, checkpoint.root_hash)


def witnessed_heads(reader: LogReader, notes: list[str | bytes], witnesses: list[WitnessKey]) -> dict[int, bytes]:
    """Sizes and roots of checkpoints shown by a witness (each signed by the pinned log key and
    cosigned by at least one of ``witnesses``); a note that is neither raises ``LogProofError``."""
    seen: dict[int, bytes] = {}
    for text in notes:
        checkpoint, note = open_checkpoint(text, reader.key)
        if not any(w.valid(note.text, s) for w in witnesses for s in note.signatures):
            raise LogProofError("witness_missing", witness=", ".join(w.name for w in witnesses) or "-")
        if seen.get(checkpoint.tree_size, checkpoint.root_hash) != checkpoint.root_hash:
            raise LogProofError("split_view", tree_size=checkpoint.tree_size)
        seen[checkpoint.tree_size] = checkpoint.root_hash
    return seen


def check_inclusion(base_url: str, file_bytes: bytes, *, pin: LogPin, heads: SeenHeads | None = None,
                    witnesses: list[WitnessKey] | tuple = (), witnessed: list[str | bytes] | tuple = (),
                    session: requests.Session | None = None, lang: str = "sv") -> LogCheck:
    """Is the file with these bytes (a sealed PDF) in the log at ``base_url``?

    Every key in ``witnesses`` must have cosigned the checkpoint used. ``witnessed`` are
    checkpoint notes a witness showed (cosigned by one of ``witnesses``): the log's checkpoint
    must agree with them as with ``heads``, or it is a split view.

    Proof failures become ``findings`` (``included`` False); only an unreachable log raises
    (``LogUnavailable``), since then nothing is known.
    """
    sha = hashlib.sha256(file_bytes).hexdigest()
    reader = LogReader(base_url, pin, session)
    result = LogCheck(lang=lang)
    try:
        checkpoint, note = reader.checkpoint()
        result.tree_size, result.origin, result.checkpoint = checkpoint.tree_size, checkpoint.origin, note
        result.key_fingerprint = reader.fingerprint
        try:
            compare_with(reader, checkpoint, witnessed_heads(reader, list(witnessed), witnesses))
            check_seen(reader, checkpoint, heads)
        except LogProofError as exc:
            if exc.reason in ("split_view", "rolled_back"):
                result.split_view = True
                where = heads.path if heads is not None else "-"
                result.findings.append(finding(Code.LOG_SPLIT_VIEW, detail=(exc.message("sv"), exc.message("en")),
                                               heads=where))
                return result
            raise
        served = parse_note(note)
        for witness in witnesses:
            try:
                witness.check(served)
            except LogProofError as exc:
                result.findings.append(finding(Code.LOG_NOT_WITNESSED, detail=(exc.message("sv"), exc.message("en"))))
        if result.findings:
            return result
        data = reader.json(f"/api/v1/log/proof/{sha}?tree_size={checkpoint.tree_size}", not_found_ok=True)
        if data is None:
            result.findings.append(finding(Code.NOT_IN_LOG, sha256=sha, url=reader.base))
            return result
        proof_checkpoint = reader.open(data.get("checkpoint"))
        if proof_checkpoint != checkpoint:
            raise LogProofError("root_mismatch", field="checkpoint")
        proof = InclusionProof.from_dict(data.get("inclusion_proof"))
        leaf_json = data.get("leaf_json")
        if not isinstance(leaf_json, str):
            raise LogProofError("malformed", field="leaf_json")
        leaf_bytes = leaf_json.encode("utf-8")
        entry = decode_leaf(leaf_bytes)
        if hash_leaf(leaf_bytes) != proof.leaf_hash:
            raise LogProofError("root_mismatch", field="leaf_hash")
        if proof.tree_size != checkpoint.tree_size:
            raise LogProofError("wrong_length", field="tree_size")
        proof.verify(checkpoint.root_hash)
        result.leaf_index = proof.leaf_index
        if entry.sealed_sha256 != sha:
            # The server may find a file by its original hash too; only the sealed file itself counts.
            result.findings.append(finding(Code.LOG_ENTRY_OTHER_FILE, logged=entry.sealed_sha256, sha256=sha))
            return result
        result.included = True
    except LogProofError as exc:
        result.findings.append(finding(Code.LOG_PROOF_INVALID, detail=(exc.message("sv"), exc.message("en"))))
    return result
