"""Server-side staff sessions: what a login cookie is worth is decided here, not by the cookie.

A signed cookie alone cannot be taken back: a copy keeps working after logout, and a cookie
re-signed on every request never ages. So the cookie carries only a random token, the
database keeps its hash with an absolute expiry, and ending a session deletes the row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from .clock import aware
from .models import StaffSession, User
from .workflow.secrets import new_token, token_hash

#: from login, whatever happens after: activity does not extend it
LIFETIME = dt.timedelta(hours=12)


def start(session, user_id: int, now: dt.datetime) -> str:
    """A new session for the user; the token goes in the cookie and is not kept here."""
    # Login is the natural moment to drop the user's stale rows, so the table stays small.
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id, StaffSession.expires_at <= now))
    token = new_token()
    session.add(StaffSession(user_id=user_id, token_hash=token_hash(token), created_at=now, expires_at=now + LIFETIME))
    session.flush()
    return token


def user_for(session, token: str | None, now: dt.datetime) -> User | None:
    """The active user whose unexpired session this token is, or None."""
    if not token or len(token) > 200:
        return None
    row = session.execute(select(StaffSession).filter_by(token_hash=token_hash(token))).scalar_one_or_none()
    if row is None or aware(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end(session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def end_all(session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of the user, except the one holding ``keep``. Returns how many ended."""
    stmt = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep:
        stmt = stmt.where(StaffSession.token_hash != token_hash(keep))
    return session.execute(stmt).rowcount
