"""Who on the staff side hears that a protocol needs them: the person who uploaded the version
and the signing secretary (often, but not always, the same person)."""

from __future__ import annotations

from ..emails import is_valid_email
from .finalize import live


def staff_addresses(protocol, version) -> list[str]:
    """The uploader (when the upload came from a person, not an API client) and the secretary, once each."""
    found = []
    uploader = (version.uploaded_by or protocol.created_by or "").strip().lower()
    if is_valid_email(uploader):
        found.append(uploader)
    people = live(version)
    if people and people[0].email not in found:
        found.append(people[0].email)
    return found
