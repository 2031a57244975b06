"""What the signer's pages call the document: a protocol, an extract or one paragraph."""

from __future__ import annotations

from flask_babel import gettext as _


def heading(kind: str, paragraphs) -> str:
    """The page's title: an extract and an immediately adjusted paragraph are named as such, so a
    signer with two links (the paragraph's and the protocol's) can tell them apart."""
    numbers = ", ".join(f"§ {n}" for n in paragraphs)
    if kind == "omedelbar":
        return _("Justera %(numbers)s (omedelbar justering)", numbers=numbers)
    if kind == "utdrag":
        return _("Signera protokollsutdrag %(numbers)s", numbers=numbers)
    return _("Justera protokoll")
