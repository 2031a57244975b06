"""Bearer-token authentication of meeting systems: the token decides the organisation."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import g, request
from sqlalchemy import select

from signering.accounts import organisation_for_token
from signering.models import ApiToken
from signering.workflow.secrets import token_hash

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
        from ..app import services

        token = _bearer()
        with services().db.read() as session:
            org = organisation_for_token(session, token)
            if org is None:
                raise InvalidToken()
            name = session.execute(select(ApiToken.name).filter_by(
                token_hash=token_hash(token), organisation_id=org.id)).scalar_one()
            g.api_caller = Caller(org_id=org.id, token_name=name)
        return view(*args, **kwargs)
    return wrapper


def caller() -> Caller:
    return g.api_caller
