"""Organisations, boards, staff accounts and API tokens (the operator's side)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from .errors import InputError
from .models import ApiToken, Board, Organisation, User
from .workflow.errors import NotFound
from .workflow.secrets import new_token, token_hash

_hasher = PasswordHasher()
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
ROLES = ("secretary", "admin")
BOARD_KINDS = ("namnd", "utskott", "fullmaktige", "styrelse", "natverk")


def create_organisation(session, *, slug: str, name: str, key_dir: str, kind: str = "kommun",
                        seal_passphrase_env: str | None = None) -> Organisation:
    if not _SLUG.match(slug or ""):
        raise InputError(f'Kortnamnet "{slug}" får bara innehålla a–z, 0–9 och bindestreck (2–63 tecken).',
                         f'The slug "{slug}" may only contain a–z, 0–9 and hyphens (2–63 characters).')
    if session.execute(select(Organisation).filter_by(slug=slug)).scalar_one_or_none():
        raise InputError(f'Organisationen "{slug}" finns redan.', f'The organisation "{slug}" already exists.')
    if not (name or "").strip():
        raise InputError("Organisationens namn saknas.", "The organisation's name is missing.")
    org = Organisation(slug=slug, name=name.strip(), key_dir=key_dir, kind=kind,
                       seal_passphrase_env=seal_passphrase_env)
    session.add(org)
    session.flush()
    return org


def organisation(session, slug: str) -> Organisation:
    org = session.execute(select(Organisation).filter_by(slug=slug)).scalar_one_or_none()
    if org is None:
        raise NotFound(f'Organisationen "{slug}" finns inte.', f'The organisation "{slug}" does not exist.')
    return org


def create_board(session, org: Organisation, *, name: str, forvaringsplats: str = "", kind: str = "namnd") -> Board:
    name = (name or "").strip()
    if not name:
        raise InputError("Nämndens namn saknas.", "The board's name is missing.")
    if kind not in BOARD_KINDS:
        raise InputError(f'Okänd typ "{kind}".', f'Unknown kind "{kind}".')
    if session.execute(select(Board).filter_by(organisation_id=org.id, name=name)).scalar_one_or_none():
        raise InputError(f'Nämnden "{name}" finns redan.', f'The board "{name}" already exists.')
    board = Board(organisation_id=org.id, name=name, forvaringsplats=(forvaringsplats or "").strip(), kind=kind)
    session.add(board)
    session.flush()
    return board


def create_user(session, org: Organisation, *, email: str, password: str, role: str, name: str = "") -> User:
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InputError(f'E-postadressen "{email}" ser inte giltig ut.', f'The e-mail address "{email}" is not valid.')
    if role not in ROLES:
        raise InputError("Rollen ska vara secretary eller admin.", "The role must be secretary or admin.")
    if len(password or "") < 12:
        raise InputError("Lösenordet måste ha minst 12 tecken.", "The password must have at least 12 characters.")
    if session.execute(select(User).filter_by(organisation_id=org.id, email=email)).scalar_one_or_none():
        raise InputError(f"Användaren {email} finns redan.", f"The user {email} already exists.")
    user = User(organisation_id=org.id, email=email, name=name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None. Same work whether or not the user exists."""
    email = (email or "").strip().lower()
    users = session.execute(select(User).filter_by(email=email, active=True)).scalars().all()
    for user in users:
        try:
            if _hasher.verify(user.password_hash, password or ""):
                return user
        except (VerificationError, InvalidHashError):
            continue
    if not users:
        try:
            _hasher.verify(_DUMMY, password or "")
        except VerificationError:
            pass
    return None


_DUMMY = _hasher.hash("timing-equaliser-not-a-password")


def create_api_token(session, org: Organisation, name: str) -> str:
    if not (name or "").strip():
        raise InputError("Ge nyckeln ett namn, t.ex. mötessystemets namn.", "Give the token a name.")
    token = "sgn_" + new_token()
    session.add(ApiToken(organisation_id=org.id, name=name.strip(), token_hash=token_hash(token)))
    session.flush()
    return token


def organisation_for_token(session, token: str) -> Organisation | None:
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).filter_by(token_hash=token_hash(token), revoked=False)).scalar_one_or_none()
    return session.get(Organisation, row.organisation_id) if row else None
