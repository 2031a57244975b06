"""A monitor of a Signering transparency log: downloads every entry once and checks the log.

Each run fetches the newest checkpoint (checked against the pinned key), then the entries added
since the last run, in pages, and checks that

- the log does not go back (a smaller size than last time) or fork (another root for a size);
- every entry is a canonical leaf, its hash is the one served, and the leaves seen so far
  give exactly the checkpoint's root (so no entry was changed, left out or slipped in);
- no sealed file or original appears twice;
- with ``fetch_files``, each sealed file has the hash its entry names and starts with the
  original it names (the signature page and signatures are added after the original's bytes).

The state (leaf hashes and what was seen) is kept in a JSON file between runs; it is written only
after a run without problems, so a problem is reported again until it is looked into.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from ..errors import LogProofError
from ..files import atomic_write
from . import merkle
from .client import LogReader, LogUnavailable
from .leaf import decode_leaf
from .merkle import hash_leaf

_EOF = re.compile(rb"%%EOF[\r\n]*")


def default_state_path() -> str:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "signering", "monitor.json")


@dataclass
class Problem:
    code: str
    message: str
    index: int | None = None

    def to_json(self) -> dict:
        return {"code": self.code, "index": self.index, "message": self.message}


@dataclass
class MonitorReport:
    origin: str = ""
    tree_size: int = 0
    previous_size: int = 0
    new_entries: int = 0
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"origin": self.origin, "tree_size": self.tree_size, "previous_size": self.previous_size,
                "new_entries": self.new_entries, "files_checked": self.files_checked,
                "problems": [p.to_json() for p in self.problems]}


def _read_state(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _starts_with_original(sealed: bytes, original_sha256: str) -> bool:
    # The original is the sealed file's first revision: a prefix ending at one of its %%EOF markers.
    for match in _EOF.finditer(sealed):
        for end in {match.start() + 5, match.end()}:
            if hashlib.sha256(sealed[:end]).hexdigest() == original_sha256:
                return True
    return False


def monitor(reader: LogReader, state_path: str, *, fetch_files: bool = False) -> MonitorReport:
    report = MonitorReport()
    checkpoint, _note = reader.checkpoint()
    report.origin, report.tree_size = checkpoint.origin, checkpoint.tree_size
    state = _read_state(state_path)
    log = f"{checkpoint.origin} {reader.fingerprint}"
    previous = state.get(log) if isinstance(state.get(log), dict) else {}
    hashes = [bytes.fromhex(h) for h in previous.get("leaf_hashes", [])]
    seen_sealed = set(previous.get("sealed", []))
    seen_original = set(previous.get("originals", []))
    report.previous_size = len(hashes)
    problems = report.problems

    if checkpoint.tree_size < len(hashes):
        problems.append(Problem("size_backwards", f"The log's newest checkpoint has size {checkpoint.tree_size}, "
                                f"smaller than the {len(hashes)} seen before."))
        if merkle.root(hashes[:checkpoint.tree_size]) != checkpoint.root_hash:
            problems.append(Problem("split_view", f"The checkpoint of size {checkpoint.tree_size} does not match "
                                    "the entries seen before."))
        return report

    index = len(hashes)
    while index < checkpoint.tree_size:
        page = reader.json(f"/api/v1/log/entries?start={index}&end={checkpoint.tree_size}")
        entries = page.get("entries")
        if not isinstance(entries, list) or not entries:
            problems.append(Problem("entries_missing", f"The log served no entries from {index} although its "
                                    f"checkpoint has size {checkpoint.tree_size}.", index))
            return report
        for item in entries:
            if not isinstance(item, dict) or item.get("index") != index or not isinstance(item.get("leaf_json"), str):
                problems.append(Problem("entries_missing", f"Entry {index} is missing or out of order.", index))
                return report
            leaf = item["leaf_json"].encode("utf-8")
            leaf_hash = hash_leaf(leaf)
            hashes.append(leaf_hash)
            if item.get("leaf_hash") != leaf_hash.hex():
                problems.append(Problem("leaf_hash_mismatch", f"Entry {index}: the served leaf hash is not "
                                        "SHA-256(0x00 ‖ leaf).", index))
            try:
                entry = decode_leaf(leaf)
            except LogProofError:
                problems.append(Problem("leaf_malformed", f"Entry {index} is not a canonical leaf.", index))
                index += 1
                continue
            if entry.sealed_sha256 in seen_sealed:
                problems.append(Problem("duplicate", f"Entry {index}: the sealed file {entry.sealed_sha256} is "
                                        "already in the log.", index))
            if entry.original_sha256 in seen_original:
                problems.append(Problem("duplicate", f"Entry {index}: the original {entry.original_sha256} is "
                                        "already in the log.", index))
            seen_sealed.add(entry.sealed_sha256)
            seen_original.add(entry.original_sha256)
            if fetch_files:
                _check_file(reader, entry, index, report)
            index += 1
        report.new_entries = index - report.previous_size

    if len(hashes) != checkpoint.tree_size or merkle.root(hashes) != checkpoint.root_hash:
        problems.append(Problem("root_mismatch", f"The entries do not give the root of the checkpoint of size "
                                f"{checkpoint.tree_size}: an entry was changed, left out or added."))
    if not problems:
        state[log] = {"tree_size": checkpoint.tree_size, "root_hash": checkpoint.root_hash.hex(),
                      "leaf_hashes": [h.hex() for h in hashes], "sealed": sorted(seen_sealed),
                      "originals": sorted(seen_original)}
        os.makedirs(os.path.dirname(os.path.abspath(state_path)), exist_ok=True)
        atomic_write(state_path, json.dumps(state, sort_keys=True).encode("utf-8"))
    return report


def _check_file(reader: LogReader, entry, index: int, report: MonitorReport) -> None:
    try:
        response = reader.get(f"/protokoll/{entry.sealed_sha256}.pdf", not_found_ok=True)
    except LogUnavailable:
        response = None
    if response is None:
        return  # taken down from the anslagstavla, or not public: nothing to compare
    report.files_checked += 1
    data = response.content
    if hashlib.sha256(data).hexdigest() != entry.sealed_sha256:
        report.problems.append(Problem("sealed_file_mismatch", f"Entry {index}: the file served for "
                                       f"{entry.sealed_sha256} has another hash.", index))
    elif not _starts_with_original(data, entry.original_sha256):
        report.problems.append(Problem("original_not_prefix", f"Entry {index}: the sealed file does not start "
                                       f"with the original {entry.original_sha256} its entry names.", index))

