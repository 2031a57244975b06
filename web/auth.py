"""Staff sessions. Every staff view works inside exactly one organisation: the user's.

The cookie names a server-side session (:mod:`signering.staff_sessions`); a cookie whose
session was ended or has passed its 12 hours is worth nothing, even if its signature is good.
"""

from __future__ import annotations

import functools

from flask import abort, g, redirect, request, session, url_for

from signering import staff_sessions

from .extensions import services

#: the cookie key holding the session token
SID = "sid"


def current_org_id() -> int | None:
    return session.get("org_id")


def current_user():
    if session.get("user_id") is None:
        return None
    svc = services()
    with svc.db.read() as s:
        user = staff_sessions.user_for(s, session.get(SID), svc.clock())
        if user is None or user.id != session.get("user_id") or user.organisation_id != session.get("org_id"):
            return None
        return user


def me():
    """The staff user of this request, looked up once: pages and their layout ask many times."""
    if "staff_user" not in g:
        g.staff_user = current_user()
    return g.staff_user


def start_session(user_id: int, org_id: int) -> None:
    """A fresh cookie for a fresh server-side session: nothing from before carries over."""
    svc = services()
    with svc.db.write() as s:
        token = staff_sessions.start(s, user_id, svc.clock())
    session.clear()
    session[SID], session["user_id"], session["org_id"] = token, user_id, org_id
    session.permanent = True


def end_session() -> None:
    token = session.get(SID)
    if token:
        with services().db.write() as s:
            staff_sessions.end(s, token)
    session.clear()


def login_required(view=None, *, role: str | None = None):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                session.clear()
                return redirect(url_for("staff.login", next=request.full_path))
            if role and user.role != role and user.role != "admin":
                abort(403)
            return fn(*args, **kwargs)
        return wrapper
    return decorate(view) if view is not None else decorate
