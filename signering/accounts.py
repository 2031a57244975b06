"""Organisations, boards, staff accounts and API tokens (the operator's side)."""

from __future__ import annotations

import datetime as dt
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update

from . import staff_sessions
from .clock import aware, utcnow
from .errors import InputError
from .models import ApiToken, Board, Organisation, User
from .scoping import one_in_organisation
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


SIGNER_AUTH = ("code", "oidc")


def configure_signer_auth(session, org: Organisation, *, signer_auth: str, issuer: str | None = None,
                          client_id: str | None = None, client_secret_env: str | None = None,
                          personnummer_claim: str | None = None) -> Organisation:
    """How the organisation's signers prove who they are. With "oidc" the IdP's settings are
    kept (the client secret only as the name of the environment variable that holds it)."""
    if signer_auth not in SIGNER_AUTH:
        raise InputError(f'Okänt sätt att identifiera undertecknare: "{signer_auth}" (code eller oidc).',
                         f'Unknown way of identifying signers: "{signer_auth}" (code or oidc).')
    if signer_auth == "oidc":
        issuer, client_id = (issuer or "").strip(), (client_id or "").strip()
        if not issuer or not client_id:
            raise InputError("Med --signer-auth oidc behövs --oidc-issuer och --oidc-client-id.",
                             "--signer-auth oidc needs --oidc-issuer and --oidc-client-id.")
        from .oidc.client import DEFAULT_PERSONNUMMER_CLAIM

        org.oidc_issuer, org.oidc_client_id = issuer, client_id
        org.oidc_client_secret_env = client_secret_env or None
        org.oidc_personnummer_claim = personnummer_claim or DEFAULT_PERSONNUMMER_CLAIM
    org.signer_auth = signer_auth
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
    _check_password(password)
    if session.execute(select(User).filter_by(organisation_id=org.id, email=email)).scalar_one_or_none():
        raise InputError(f"Användaren {email} finns redan.", f"The user {email} already exists.")
    user = User(organisation_id=org.id, email=email, name=name, role=role, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def _check_password(password: str, field: str | None = None) -> None:
    if len(password or "") < 12:
        raise InputError("Lösenordet måste ha minst 12 tecken.", "The password must have at least 12 characters.",
                         **({"field": field} if field else {}))


def change_password(session, user: User, current: str, new: str, *, keep_session: str | None = None) -> None:
    """Set a new password and end the user's other sessions: whoever knew the old one is out."""
    try:
        ok = _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise InputError("Det nuvarande lösenordet stämmer inte. Skriv det igen.",
                         "The current password is wrong. Type it again.", field="current_password")
    _check_password(new, field="new_password")
    user.password_hash = _hasher.hash(new)
    staff_sessions.end_all(session, user.id, keep=keep_session)


def deactivate_user(session, user: User) -> None:
    """The account can no longer log in, and its open sessions end now."""
    user.active = False
    staff_sessions.end_all(session, user.id)


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


#: last_used_at is written at most this often per token, so API reads stay reads
API_TOKEN_TOUCH = dt.timedelta(minutes=1)


def create_api_token(session, org: Organisation, name: str, *, valid_days: int | None = None,
                     now: dt.datetime | None = None) -> str:
    if not (name or "").strip():
        raise InputError("Ge nyckeln ett namn, t.ex. mötessystemets namn.", "Give the token a name.", field="name")
    if valid_days is not None and not 1 <= valid_days <= 3660:
        raise InputError("Giltighetstiden ska vara mellan 1 och 3660 dagar, eller tom för ingen sista dag.",
                         "The validity must be between 1 and 3660 days, or empty for no end date.",
                         field="valid_days")
    now = now or utcnow()
    token = "sgn_" + new_token()
    session.add(ApiToken(organisation_id=org.id, name=name.strip()[:200], token_hash=token_hash(token), created_at=now,
                         expires_at=now + dt.timedelta(days=valid_days) if valid_days else None))
    session.flush()
    return token


def api_tokens(session, org_id: int) -> list[ApiToken]:
    """The organisation's tokens, newest first, revoked and expired ones too (for the record)."""
    return session.execute(select(ApiToken).filter_by(organisation_id=org_id)
                           .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars().all()


def token_state(row: ApiToken, now: dt.datetime) -> str:
    """active | expired | revoked"""
    if row.revoked:
        return "revoked"
    if row.expires_at is not None and aware(row.expires_at) <= now:
        return "expired"
    return "active"


def revoke_api_token(session, org_id: int, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one of the organisation's tokens; another organisation's ids are not found."""
    row = one_in_organisation(session, ApiToken, token_id, org_id, missing=NotFound(
        f"API-nyckel {token_id} finns inte i organisationen.",
        f"API token {token_id} does not exist in the organisation."))
    if not row.revoked:
        row.revoked, row.revoked_at = True, now or utcnow()
    return row


def api_token_for(session, token: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The token's row if it exists, is not revoked and has not expired; else None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).filter_by(token_hash=token_hash(token), revoked=False)).scalar_one_or_none()
    return row if row is not None and token_state(row, now or utcnow()) == "active" else None


def needs_touch(row: ApiToken, now: dt.datetime) -> bool:
    return row.last_used_at is None or now - aware(row.last_used_at) >= API_TOKEN_TOUCH


def touch_api_token(session, token_id: int, now: dt.datetime) -> None:
    """Record use. Conditional, so concurrent requests in the same minute write once at most."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id, or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - API_TOKEN_TOUCH)).values(last_used_at=now))


def organisation_for_token(session, token: str, now: dt.datetime | None = None) -> Organisation | None:
    row = api_token_for(session, token, now)
    return session.get(Organisation, row.organisation_id) if row else None
