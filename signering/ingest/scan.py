"""Existing signatures and active content in a protocol PDF.

A protocol we sign must be a plain document: no earlier certification (DocMDP forbids adding
a signature page), no earlier signatures (they would not cover our signature page, and the
"first bytes are the upload" rule would hide them in the middle of the chain), and nothing that
runs by itself or launches programs. Plain navigation stays allowed: destinations, GoTo,
named page actions and web/e-mail links, which word processors put in ordinary protocols.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pyhanko.pdf_utils import generic

from ..errors import ActiveContent, AlreadySigned, CertifiedPdf
from .walk import Budget, damaged, deref, get, get_array, get_dict, raw, ref_key, visit_once

#: Actions a reader may run when the user clicks a link or bookmark.
LINK_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
#: Actions allowed to run when the document opens: moving to a page, nothing else.
OPEN_ACTIONS = frozenset({"/GoTo"})
URI_SCHEMES = frozenset({"", "http", "https", "mailto", "tel"})
#: Annotation types that embed players, 3D scenes or Flash, each able to carry scripts.
ACTIVE_ANNOTATIONS = frozenset({"/RichMedia", "/3D", "/Screen", "/Movie", "/Sound"})
MAX_FIELD_DEPTH = 32
MAX_ACTION_CHAIN = 64


def active(reason: str) -> ActiveContent:
    return ActiveContent(reason=reason)


def check_signatures(root: generic.DictionaryObject, budget: Budget) -> None:
    """Raise CertifiedPdf or AlreadySigned if the document carries a signature."""
    perms = get_dict(root, "/Perms")
    if perms is not None and raw(perms, "/DocMDP") is not None:
        raise CertifiedPdf()
    signed = False
    for field, field_type in _fields(root, budget):
        if field_type != "/Sig":
            continue
        value = get(field, "/V")
        if value is None:
            continue
        if not isinstance(value, generic.DictionaryObject):
            raise damaged("signature_value")
        signed = True
        # A certification signature names the DocMDP transform in its reference dictionaries,
        # even when a writer forgot the catalog's /Perms entry.
        for ref in get_array(value, "/Reference") or ():
            ref = deref(ref)
            if isinstance(ref, generic.DictionaryObject) and get(ref, "/TransformMethod") == "/DocMDP":
                raise CertifiedPdf()
    if signed:
        raise AlreadySigned()


def check_active_content(root: generic.DictionaryObject, pages, budget: Budget) -> None:
    """Raise ActiveContent if anything in the document can run scripts or programs."""
    if _non_empty(get(root, "/AA")):
        raise active("document_additional_actions")
    opening = get(root, "/OpenAction")
    if isinstance(opening, generic.DictionaryObject):
        _check_action(opening, OPEN_ACTIONS, budget)
    elif opening is not None and not isinstance(opening, (generic.ArrayObject, generic.NameObject,
                                                          generic.TextStringObject, generic.ByteStringObject)):
        # Anything but a destination (array or name) or an action dictionary is malformed.
        raise damaged("open_action")
    names = get_dict(root, "/Names")
    if names is not None and raw(names, "/JavaScript") is not None:
        raise active("document_javascript")
    form = get_dict(root, "/AcroForm")
    if form is not None and raw(form, "/XFA") is not None:
        # XFA forms are scripted by design, and pyHanko cannot sign them faithfully.
        raise active("xfa_form")
    for page in pages:
        budget.tick()
        if _non_empty(get(page, "/AA")):
            raise active("page_additional_actions")
        for annot in get_array(page, "/Annots") or ():
            _check_annotation(deref(annot), budget)
    for field, _ in _fields(root, budget):
        _check_annotation(field, budget)
    _check_outlines(root, budget)


def _non_empty(value) -> bool:
    return isinstance(value, generic.DictionaryObject) and len(value) > 0


def _check_annotation(annot, budget: Budget) -> None:
    budget.tick()
    if not isinstance(annot, generic.DictionaryObject):
        return
    if get(annot, "/Subtype") in ACTIVE_ANNOTATIONS:
        raise active("multimedia_annotation")
    if _non_empty(get(annot, "/AA")):
        raise active("annotation_additional_actions")
    action = get(annot, "/A")
    if action is not None:
        _check_action(action, LINK_ACTIONS, budget)


def _check_action(action, allowed: frozenset, budget: Budget) -> None:
    """Check an action and everything chained after it through /Next."""
    pending = [action]
    steps = 0
    for item in visit_once(pending, set()):
        steps += 1
        if steps > MAX_ACTION_CHAIN:
            raise active("action_chain_too_long")
        budget.tick()
        if isinstance(item, generic.ArrayObject):
            pending.extend(item.raw_get(i) for i in range(len(item)))
            continue
        if not isinstance(item, generic.DictionaryObject):
            continue
        kind = get(item, "/S")
        if kind not in allowed:
            name = str(kind).lstrip("/").lower()[:32] if isinstance(kind, str) else ""
            raise active(f"action_{name or 'unknown'}")
        if kind == "/URI":
            _check_uri(get(item, "/URI"))
        following = raw(item, "/Next")
        if following is not None:
            pending.append(following)


def _check_uri(uri) -> None:
    if isinstance(uri, generic.ByteStringObject):
        uri = bytes(uri).decode("latin-1")
    if not isinstance(uri, str):
        return
    try:
        scheme = urlsplit(uri.strip()).scheme.lower()
    except ValueError:
        raise active("uri_malformed") from None
    if scheme not in URI_SCHEMES:
        raise active("uri_scheme")


def _fields(root: generic.DictionaryObject, budget: Budget):
    """Yield (field dictionary, inherited /FT) for every node of the AcroForm field tree."""
    form = get_dict(root, "/AcroForm")
    top = get_array(form, "/Fields") if form is not None else None
    if not top:
        return
    seen: set = set()
    stack = [(top.raw_get(i), None, 0) for i in reversed(range(len(top)))]
    while stack:
        item, inherited, depth = stack.pop()
        budget.tick()
        key = ref_key(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        field = deref(item)
        if not isinstance(field, generic.DictionaryObject):
            continue
        field_type = get(field, "/FT") or inherited
        yield field, field_type
        kids = get_array(field, "/Kids")
        if kids:
            if depth >= MAX_FIELD_DEPTH:
                raise damaged("field_tree_too_deep")
            stack.extend((kids.raw_get(i), field_type, depth + 1) for i in reversed(range(len(kids))))


def _check_outlines(root: generic.DictionaryObject, budget: Budget) -> None:
    """Bookmarks can carry actions too; walk /First and /Next without recursion."""
    outlines = get_dict(root, "/Outlines")
    if outlines is None:
        return
    seen: set = set()
    pending = [raw(outlines, "/First")]
    while pending:
        item = pending.pop()
        if item is None:
            continue
        key = ref_key(item)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        budget.tick()
        entry = deref(item)
        if not isinstance(entry, generic.DictionaryObject):
            continue
        action = get(entry, "/A")
        if action is not None:
            _check_action(action, LINK_ACTIONS, budget)
        pending.append(raw(entry, "/Next"))
        pending.append(raw(entry, "/First"))
