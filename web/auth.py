"""Staff sessions. Every staff view works inside exactly one organisation: the user's."""

from __future__ import annotations

import functools

from flask import abort, redirect, request, session, url_for


def current_org_id() -> int | None:
    return session.get("org_id")


def current_user():
    from signering.models import User

    from .app import services

    user_id = session.get("user_id")
    if user_id is None:
        return None
    with services().db.read() as s:
        user = s.get(User, user_id)
        return user if user is not None and user.active and user.organisation_id == session.get("org_id") else None


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
