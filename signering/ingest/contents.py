"""Refuse decompression bombs in what a viewer must inflate to show a page.

A few hundred kilobytes of Flate data can inflate to gigabytes; published on the board, such a
protocol would hang every citizen's browser that opens it. The only way to know how large a
stream inflates is to inflate it, so this module does, for the page content streams, the form
XObjects they draw (recursively) and the annotations' appearance streams, with output thrown
away in 1 MiB steps: memory stays flat and a bomb is stopped at ``MAX_STREAM_BYTES``, never
inflated fully. Images, fonts and the rest are not inflated (they are not needed to sign, and
viewers bound images by their declared dimensions).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from pyhanko.pdf_utils import filters, generic

from .walk import MAX_TREE_DEPTH, Budget, damaged, deref, get, get_array, get_dict, raw, visit_once

MiB = 1024 * 1024
#: A page of dense vector drawing (a detailed map) stays well below this.
MAX_STREAM_BYTES = 64 * MiB
MAX_TOTAL_BYTES = 512 * MiB
STEP = MiB
FLATE = frozenset({"/FlateDecode", "/Fl"})
#: Text encodings pyHanko decodes; they shrink data, so decoding them whole is safe.
ASCII = frozenset({"/ASCIIHexDecode", "/AHx", "/ASCII85Decode", "/A85"})


def check_content_sizes(pages: list[generic.DictionaryObject], budget: Budget) -> None:
    """Raise DamagedPdf if a page's drawing inflates beyond the limits."""
    total = 0
    seen: set = set()
    for page in pages:
        pending = list(_page_streams(page))
        for stream in visit_once(pending, seen):
            if not isinstance(stream, generic.StreamObject):
                continue
            total += decoded_size(stream, MAX_STREAM_BYTES, budget)
            if total > MAX_TOTAL_BYTES:
                raise damaged("content_too_large")
            resources = get_dict(stream, "/Resources")
            if resources is not None:
                pending.extend(_form_xobjects(resources))


def _page_streams(page: generic.DictionaryObject) -> Iterator:
    contents = raw(page, "/Contents")
    resolved = deref(contents)
    if isinstance(resolved, generic.ArrayObject):
        yield from (resolved.raw_get(i) for i in range(len(resolved)))
    elif contents is not None:
        yield contents
    resources = _inherited_resources(page)
    if resources is not None:
        yield from _form_xobjects(resources)
    for annot in get_array(page, "/Annots") or ():
        annot = deref(annot)
        appearance = get_dict(annot, "/AP") if isinstance(annot, generic.DictionaryObject) else None
        normal = raw(appearance, "/N") if appearance is not None else None
        resolved = deref(normal)
        if isinstance(resolved, generic.StreamObject):
            yield normal
        elif isinstance(resolved, generic.DictionaryObject):
            # One appearance per state (a checkbox's on and off).
            yield from (resolved.raw_get(state) for state in resolved)


def _inherited_resources(page: generic.DictionaryObject):
    # /Resources may sit on any ancestor; the page tree walk already proved /Parent acyclic.
    node = page
    for _ in range(MAX_TREE_DEPTH + 1):
        resources = get_dict(node, "/Resources")
        if resources is not None:
            return resources
        node = get(node, "/Parent")
        if not isinstance(node, generic.DictionaryObject):
            return None
    return None


def _form_xobjects(resources: generic.DictionaryObject) -> Iterator:
    xobjects = get_dict(resources, "/XObject")
    if xobjects is None:
        return
    for name in xobjects:
        item = xobjects.raw_get(name)
        target = deref(item)
        if isinstance(target, generic.StreamObject) and get(target, "/Subtype") == "/Form":
            yield item


def _filter_names(stream: generic.StreamObject) -> list[str]:
    names = get(stream, "/Filter")
    if names is None:
        return []
    if isinstance(names, generic.NameObject):
        return [str(names)]
    if isinstance(names, generic.ArrayObject):
        return [str(deref(n)) for n in names]
    raise damaged("stream_filter")


def decoded_size(stream: generic.StreamObject, cap: int, budget: Budget) -> int:
    """Bytes the stream decodes to (stopping with DamagedPdf once past ``cap``).

    Filters pyHanko cannot decode end the measurement with what is known so far: we do not
    judge what we cannot read, and such streams are no worse than what any viewer meets.
    """
    chunks: Iterable[bytes] = (stream.encoded_data,)
    for name in _filter_names(stream):
        if name in FLATE:
            chunks = _inflate(chunks, budget)
        elif name in ASCII:
            decoder = filters.get_generic_decoder(name)
            chunks = (decoder.decode(_joined(chunks, cap), {}),)
        else:
            break
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise damaged("content_stream_too_large")
    return total


def _joined(chunks: Iterable[bytes], cap: int) -> bytes:
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise damaged("content_stream_too_large")
        parts.append(chunk)
    return b"".join(parts)


def _inflate(chunks: Iterable[bytes], budget: Budget) -> Iterator[bytes]:
    """Inflate lazily, at most STEP bytes at a time, whatever the compression ratio."""
    inflater = zlib.decompressobj()
    for data in chunks:
        while True:
            out = inflater.decompress(data, STEP)
            if out:
                yield out
            budget.tick()
            data = inflater.unconsumed_tail
            # A full step may leave output pending inside zlib even with no input left.
            if inflater.eof or (not data and len(out) < STEP):
                break
        if inflater.eof:
            return
