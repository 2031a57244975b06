"""Bounded traversal of a PDF's object graph, and the page tree walk.

An uploaded file is hostile until proven otherwise: every walk here is iterative (no Python
recursion a deep file could exhaust), remembers the objects it has seen (cycles end the walk),
limits depth, and ticks a time budget, so a crafted file costs at most a few seconds.
"""

from __future__ import annotations

import time

from pyhanko.pdf_utils import generic

from ..errors import DamagedPdf, NoPages

#: Real page trees are a handful of levels deep; pyHanko walks them recursively.
MAX_TREE_DEPTH = 64
#: An indirect object may point at another indirect object; a longer chain is a loop.
MAX_REF_CHAIN = 16
#: Direct nesting of arrays and dictionaries inside one object. Real files stay under ten;
#: pyHanko reads and writes objects recursively (Python's limit is 1000 frames), so objects the
#: signing step rewrites must stay far below that.
MAX_NESTING = 64


def damaged(reason: str) -> DamagedPdf:
    return DamagedPdf(reason=reason)


class Budget:
    """A deadline for one check; ``tick`` once per object visited."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise damaged("too_slow")


def deref(obj):
    """Resolve indirect references (a bounded chain); PDF null becomes None."""
    for _ in range(MAX_REF_CHAIN):
        if isinstance(obj, generic.IndirectObject):
            obj = obj.reference.get_object()
            continue
        return None if isinstance(obj, generic.NullObject) else obj
    raise damaged("reference_loop")


def raw(container: generic.DictionaryObject, key: str):
    """The unresolved value of ``key``, or None."""
    try:
        return container.raw_get(key)
    except KeyError:
        return None


def get(container: generic.DictionaryObject, key: str):
    """The resolved value of ``key``, or None when absent or null."""
    return deref(raw(container, key))


def get_dict(container: generic.DictionaryObject, key: str) -> generic.DictionaryObject | None:
    value = get(container, key)
    return value if isinstance(value, generic.DictionaryObject) else None


def get_array(container: generic.DictionaryObject, key: str) -> generic.ArrayObject | None:
    value = get(container, key)
    return value if isinstance(value, generic.ArrayObject) else None


def ref_key(obj) -> tuple[int, int] | None:
    """Identity of an indirect reference, or None for a direct object."""
    if isinstance(obj, generic.IndirectObject):
        return obj.reference.idnum, obj.reference.generation
    return None


def check_nesting(obj, limit: int = MAX_NESTING) -> None:
    """Raise DamagedPdf if arrays/dictionaries inside ``obj`` nest deeper than ``limit``."""
    pending = [(obj, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, generic.DictionaryObject):
            children = dict.values(item)
        elif isinstance(item, generic.ArrayObject):
            children = list.__iter__(item)
        else:
            continue
        if depth >= limit:
            raise damaged("nesting_too_deep")
        pending.extend((child, depth + 1) for child in children)


def _parent_key(node: generic.DictionaryObject):
    return ref_key(raw(node, "/Parent"))


def _count(node: generic.DictionaryObject) -> int:
    count = get(node, "/Count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise damaged("page_count_missing")
    return count


def collect_pages(root: generic.DictionaryObject, budget: Budget) -> list[generic.DictionaryObject]:
    """Return the page dictionaries in document order, or raise NoPages / DamagedPdf.

    Checks what pyHanko relies on when the signature page is inserted: the tree root and
    every child are indirect, each node has ``/Type`` ``/Pages`` or ``/Page`` and a
    ``/Parent`` naming the node that lists it (``insert_page`` climbs ``/Parent`` to update
    counts, so a wrong or cyclic ``/Parent`` would corrupt the file or loop forever), and each
    ``/Count`` equals the pages below it (``insert_page`` navigates by ``/Count``).
    """
    top_ref = raw(root, "/Pages")
    top_key = ref_key(top_ref)
    top = deref(top_ref)
    if top_key is None or not isinstance(top, generic.DictionaryObject):
        raise damaged("no_page_tree")
    if raw(top, "/Parent") is not None:
        raise damaged("page_tree_parent")
    check_nesting(top)
    if _count(top) == 0 and not get_array(top, "/Kids"):
        raise NoPages()

    pages: list[generic.DictionaryObject] = []
    seen = {top_key}
    # Each frame: (node key, node, its /Kids, next kid index, pages found before it).
    stack = [(top_key, top, _kids(top), 0, 0)]
    while stack:
        key, node, kids, index, before = stack.pop()
        budget.tick()
        if index == len(kids):
            if _count(node) != len(pages) - before:
                raise damaged("page_count_mismatch")
            continue
        stack.append((key, node, kids, index + 1, before))
        kid_ref = kids.raw_get(index)
        kid_key = ref_key(kid_ref)
        if kid_key is None:
            raise damaged("page_not_indirect")
        if kid_key in seen:
            raise damaged("page_tree_cycle")
        seen.add(kid_key)
        kid = deref(kid_ref)
        if not isinstance(kid, generic.DictionaryObject):
            raise damaged("page_not_dictionary")
        check_nesting(kid)
        if _parent_key(kid) != key:
            raise damaged("page_tree_parent")
        kind = get(kid, "/Type")
        if kind == "/Page":
            pages.append(kid)
        elif kind == "/Pages":
            if len(stack) >= MAX_TREE_DEPTH:
                raise damaged("page_tree_too_deep")
            stack.append((kid_key, kid, _kids(kid), 0, len(pages)))
        else:
            raise damaged("page_tree_node_type")
    if not pages:
        raise NoPages()
    return pages


def _kids(node: generic.DictionaryObject) -> generic.ArrayObject:
    kids = get_array(node, "/Kids")
    if kids is None:
        raise damaged("page_tree_kids")
    return kids


def visit_once(pending: list, seen: set):
    """Yield each object in ``pending`` dereferenced, skipping indirect objects already in ``seen``.

    The caller may extend ``pending`` while iterating: a work list walk where a reference
    cycle cannot make it loop.
    """
    while pending:
        item = pending.pop()
        key = ref_key(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        yield deref(item)
