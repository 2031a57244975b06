"""Staff pages see their own organisation only; any other id is the plain 404 page."""

from __future__ import annotations

from flask import abort

from signering.scoping import one_in_organisation
from signering.workflow.errors import NotFound

from ..auth import current_org_id


def scoped(session, model, row_id: int, **query):
    """``model`` row ``row_id`` of the session's organisation (the rule is :mod:`signering.scoping`)."""
    try:
        return one_in_organisation(session, model, row_id, current_org_id(), **query)
    except NotFound:
        abort(404)
