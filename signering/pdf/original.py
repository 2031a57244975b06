"""Where the original protocol ends inside a signed PDF.

The signature-page revision records the uploaded file's length and SHA-256 in the document
catalog (``/SigneringOriginal``). Every later signature covers that entry, so a verifier can
cut the original out (``head -c LENGTH``) and compare it with the registry, offline.
"""

from __future__ import annotations

from pyhanko.pdf_utils import generic

MARKER = "/SigneringOriginal"


def write_original_marker(writer, length: int, sha256: str) -> None:
    writer.root[generic.pdf_name(MARKER)] = generic.DictionaryObject({
        generic.pdf_name("/Length"): generic.NumberObject(length),
        generic.pdf_name("/SHA256"): generic.TextStringObject(sha256),
    })
    writer.update_root()


def read_original_marker(reader) -> tuple[int, str] | None:
    try:
        entry = reader.root.get(MARKER)
        if entry is None:
            return None
        entry = entry.get_object()
        return int(entry["/Length"]), str(entry["/SHA256"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
