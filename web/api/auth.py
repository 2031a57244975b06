"""Bearer-token authentication of meeting systems: the token decides the organisation."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import g, request

from signering.accounts import api_token_for, needs_touch, touch_api_token

from ..extensions import services
from .errors import InvalidToken, Unauthorized


@dataclass(frozen=True)
class Caller:
    org_id: int
    token_name: str

    @property
    def actor(self) -> str:
        return f"api:{self.token_name}"


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header:
        raise Unauthorized()
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken()
    return token.strip()


def token_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer()
        svc = services()
        now = svc.clock()
        with svc.db.read() as session:
            row = api_token_for(session, token, now)
            if row is None:
                raise InvalidToken()
            g.api_caller = Caller(org_id=row.organisation_id, token_name=row.name)
            stale = needs_touch(row, now)
        if stale:
            # A write at most once a minute per token; the other requests only read.
            with svc.db.write() as session:
                touch_api_token(session, row.id, now)
        return view(*args, **kwargs)
    return wrapper


def caller() -> Caller:
    return g.api_caller
