"""Checkpoints a verifier has seen, kept in a small local file, to catch a log that shows
different trees to different readers (a split view) or goes back to an older tree.

One JSON object: ``{"logs": {"<origin> <key fingerprint>": {"<size>": "<root hex>", ...}}}``. The
file is only ever added to (up to ``KEEP`` sizes per log, the newest kept); losing it loses
nothing but the comparison.
"""

from __future__ import annotations

import json
import os

from ..files import atomic_write

KEEP = 200


def default_path() -> str:
    configured = os.environ.get("SIGNERING_LOG_HEADS_FILE")
    if configured:
        return configured
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "signering", "log_heads.json")


class SeenHeads:
    def __init__(self, path: str):
        self.path = path
        self._data = self._read()

    def _read(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {"logs": {}}
        except (OSError, ValueError):
            return {"logs": {}}  # unreadable: start afresh rather than refuse to verify
        logs = data.get("logs") if isinstance(data, dict) else None
        return {"logs": logs if isinstance(logs, dict) else {}}

    def sizes(self, log: str) -> dict[int, bytes]:
        """Sizes seen for ``log`` and their roots."""
        seen = self._data["logs"].get(log)
        out = {}
        if isinstance(seen, dict):
            for size, root in seen.items():
                if isinstance(size, str) and size.isdigit() and isinstance(root, str) and len(root) == 64:
                    try:
                        out[int(size)] = bytes.fromhex(root)
                    except ValueError:
                        continue
        return out

    def add(self, log: str, size: int, root: bytes) -> None:
        seen = self.sizes(log)
        seen[size] = root
        kept = sorted(seen)[-KEEP:]
        self._data["logs"][log] = {str(s): seen[s].hex() for s in kept}
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        atomic_write(self.path, json.dumps(self._data, sort_keys=True, indent=1).encode("utf-8"))
