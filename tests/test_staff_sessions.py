"""Staff sessions are held server-side: logout, a password change and deactivation end them,
and none lives longer than 12 hours from login (security review, issue 9)."""

from __future__ import annotations

from sqlalchemy import update

from signering.models import User
from test_staff_support import ADMIN, PASSWORD, SECRETARY, env, login, post_form, text  # noqa: F401  (env: the shared fixture)

HOME = "/sekreterare/"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(env, cookie: str):
    """A new browser holding a copy of a saved session cookie."""
    thief = env.app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sekreterare/logga-in")


def test_saved_cookie_is_worthless_after_logout(env):
    client = env.client(SECRETARY)
    saved = _cookie(client)
    assert _replay(env, saved).get(HOME).status_code == 200
    assert post_form(client, HOME, "/sekreterare/logga-ut", {}).status_code == 303
    assert _to_login(client.get(HOME))
    assert _to_login(_replay(env, saved).get(HOME))


def test_session_ends_twelve_hours_after_login_however_busy(env):
    client = env.client(SECRETARY)
    for _ in range(11):
        env.svc.clock.advance(hours=1)
        assert client.get(HOME).status_code == 200  # activity re-signs the cookie but does not extend the session
    env.svc.clock.advance(minutes=59, seconds=59)
    assert client.get(HOME).status_code == 200
    saved = _cookie(client)
    env.svc.clock.advance(seconds=1)
    assert _to_login(client.get(HOME))
    assert _to_login(_replay(env, saved).get(HOME))
    # Logging in again gives a new 12 hours.
    assert login(client, SECRETARY, PASSWORD).status_code == 303
    assert client.get(HOME).status_code == 200


def test_password_change_ends_the_other_sessions(env):
    here, elsewhere = env.client(SECRETARY), env.client(SECRETARY)
    other_user = env.client(ADMIN)
    new_password = "ett helt nytt och långt lösenord"
    response = post_form(here, "/sekreterare/losenord", "/sekreterare/losenord",
                         {"current_password": PASSWORD, "new_password": new_password})
    assert response.status_code == 303
    assert "Lösenordet är bytt" in text(here.get(HOME))
    assert _to_login(elsewhere.get(HOME))
    assert other_user.get(HOME).status_code == 200
    assert login(env.app.test_client(), SECRETARY, PASSWORD).status_code == 401
    assert login(env.app.test_client(), SECRETARY, new_password).status_code == 303


def test_password_change_needs_the_current_password_and_a_long_new_one(env):
    here, elsewhere = env.client(SECRETARY), env.client(SECRETARY)
    wrong = post_form(here, "/sekreterare/losenord", "/sekreterare/losenord",
                      {"current_password": "inte det här", "new_password": "ett helt nytt och långt lösenord"})
    assert wrong.status_code == 422 and "Det nuvarande lösenordet stämmer inte" in text(wrong)
    short = post_form(here, "/sekreterare/losenord", "/sekreterare/losenord",
                      {"current_password": PASSWORD, "new_password": "kort"})
    assert short.status_code == 422 and "minst 12 tecken" in text(short)
    assert elsewhere.get(HOME).status_code == 200
    assert login(env.app.test_client(), SECRETARY, PASSWORD).status_code == 303


def test_deactivation_ends_sessions_for_good(env):
    admin, victim = env.client(ADMIN), env.client(SECRETARY)
    saved = _cookie(victim)
    with env.svc.db.read() as s:
        user_id = s.query(User.id).filter_by(email=SECRETARY).scalar()
    assert post_form(admin, "/sekreterare/admin/anvandare", f"/sekreterare/admin/anvandare/{user_id}/stang-av",
                     {}).status_code == 303
    assert _to_login(_replay(env, saved).get(HOME))
    # Turning the account back on later must not bring the old cookie back to life.
    with env.svc.db.write() as s:
        s.execute(update(User).where(User.id == user_id).values(active=True))
    assert _to_login(_replay(env, saved).get(HOME))
    assert login(env.app.test_client(), SECRETARY, PASSWORD).status_code == 303


def test_a_forged_or_foreign_session_token_gets_nowhere(env):
    client = env.client(SECRETARY)
    with client.session_transaction() as sess:
        sess["sid"] = "made-up"
    assert _to_login(client.get(HOME))
    # Another user's live session token does not turn this cookie into theirs.
    admin = env.client(ADMIN)
    with admin.session_transaction() as sess:
        admin_sid = sess["sid"]
    with client.session_transaction() as sess:
        sess["sid"] = admin_sid
    assert _to_login(client.get(HOME))
