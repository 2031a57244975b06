"""Text that every output can carry: XML 1.0 (the Atom feeds), HTML, JSON, PDF and mail.

People paste notices and names from Word and Excel. Word's Shift+Enter arrives as a vertical
tab, other programs leave form feeds, NULs or escape characters behind; none of them is allowed
in XML 1.0, and a single one made the Atom feeds unreadable for every subscriber. Line-like
controls become line breaks (in one-line fields, spaces); the rest are dropped.
"""

from __future__ import annotations

import re

#: controls that stand for a line break where they come from
_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]|\r\n?")
#: everything outside XML 1.0's Char production, plus the C1 controls (allowed there, but never text)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with line-like controls as ``\\n`` and nothing XML 1.0 cannot carry."""
    if not text:
        return text or ""
    return _NOT_XML.sub("", _BREAKS.sub("\n", text))


def one_line(text: str) -> str:
    """:func:`xml_safe` for a one-line field (a title, a name): breaks and tabs become single spaces."""
    return " ".join(xml_safe(text).split())
