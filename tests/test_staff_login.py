"""Staff login, logout, login throttling, CSRF and roles."""

from __future__ import annotations

import pytest

from signering.models import Protocol
from test_staff_support import (ADMIN, OTHER_SECRETARY, PASSWORD, SECRETARY, csrf_token, finalize_form, login,
                                make_env, post_form, protocol_pdf, text)


@pytest.fixture
def env(tmp_path):
    environment = make_env(tmp_path)
    yield environment
    environment.svc.db.dispose()


def test_pages_need_login(env):
    client = env.client()
    response = client.get("/sekreterare/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sekreterare/logga-in?next=")


def test_wrong_password_shows_message(env):
    client = env.client()
    response = login(client, SECRETARY, "fel lösenord helt enkelt")
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord" in text(response)
    # The address typed is kept, the password is not.
    assert f'value="{SECRETARY}"' in response.get_data(as_text=True)
    assert "fel lösenord" not in response.get_data(as_text=True)
    assert client.get("/sekreterare/").status_code == 302


def test_unknown_user_gets_same_message(env):
    response = login(env.client(), "ingen@ange.se", PASSWORD)
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord" in text(response)


def test_right_password_leads_to_list(env):
    client = env.client()
    response = login(client, SECRETARY.upper(), PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/sekreterare/"
    page = client.get("/sekreterare/")
    assert page.status_code == 200
    assert "Inga protokoll ännu" in text(page)
    assert page.headers["Cache-Control"] == "no-store"


def test_login_starts_a_fresh_permanent_session(env):
    client = env.client()
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    login(client, SECRETARY, PASSWORD)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["org_id"] == env.org_id and sess.permanent


@pytest.mark.parametrize("target, expected", [
    ("/sekreterare/nytt", "/sekreterare/nytt"),
    ("https://evil.example/", "/sekreterare/"),
    ("//evil.example/x", "/sekreterare/"),
    ("/\\evil.example", "/sekreterare/"),
    ("javascript:alert(1)", "/sekreterare/"),
])
def test_next_only_local(env, target, expected):
    response = login(env.client(), SECRETARY, PASSWORD, next_url=target)
    assert response.headers["Location"] == expected


def test_failed_logins_are_throttled_per_address_and_ip(env):
    client = env.client(ip="198.51.100.7")
    for _ in range(10):
        assert login(client, SECRETARY, "gissning gissning").status_code == 401
    blocked = login(client, SECRETARY, PASSWORD)
    assert blocked.status_code == 429
    assert "För många misslyckade inloggningsförsök" in text(blocked)
    assert client.get("/sekreterare/").status_code == 302
    # Another address from the same IP, and the same address from another IP, still work.
    assert login(env.client(ip="198.51.100.7"), ADMIN, PASSWORD).status_code == 303
    assert login(env.client(ip="203.0.113.9"), SECRETARY, PASSWORD).status_code == 303
    # The block lifts after the window.
    env.svc.clock.advance(minutes=15, seconds=1)
    assert login(client, SECRETARY, PASSWORD).status_code == 303


def test_success_clears_failures(env):
    client = env.client()
    for _ in range(9):
        login(client, SECRETARY, "gissning gissning")
    assert login(client, SECRETARY, PASSWORD).status_code == 303
    # Eleven failures in the window, but the success between them started the count over.
    again = env.client()  # same IP, not logged in
    for _ in range(2):
        assert login(again, SECRETARY, "gissning gissning").status_code == 401
    assert login(again, SECRETARY, PASSWORD).status_code == 303


def test_csrf_is_enforced(env):
    client = env.client()
    response = client.post("/sekreterare/logga-in", data={"email": SECRETARY, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formuläret hade gått ut" in text(response)
    client = env.client(SECRETARY)
    before = env.blob_files()
    response = client.post("/sekreterare/nytt", data=finalize_form(protocol_pdf()), content_type="multipart/form-data")
    assert response.status_code == 400
    assert env.count(Protocol) == 0 and env.blob_files() == before
    response = client.post("/sekreterare/nytt", data={**finalize_form(protocol_pdf()), "csrf_token": "forged"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and env.count(Protocol) == 0
    # Logging out is a POST with a token too.
    assert client.post("/sekreterare/logga-ut").status_code == 400
    assert client.get("/sekreterare/").status_code == 200


def test_logout(env):
    client = env.client(SECRETARY)
    assert client.get("/sekreterare/logga-ut").status_code == 405
    response = post_form(client, "/sekreterare/", "/sekreterare/logga-ut", {})
    assert response.status_code == 303
    assert "Du är utloggad" in text(client.get(response.headers["Location"]))
    assert client.get("/sekreterare/").status_code == 302


def test_secretary_cannot_open_admin_pages(env):
    client = env.client(SECRETARY)
    for path in ("/sekreterare/admin/namnder", "/sekreterare/admin/anvandare", "/sekreterare/admin/webhooks"):
        assert client.get(path).status_code == 403
    page = client.get("/sekreterare/").get_data(as_text=True)
    assert "/sekreterare/admin/" not in page
    token = csrf_token(page)
    response = client.post("/sekreterare/admin/anvandare", data={"csrf_token": token, "email": "ny@ange.se",
                                                                 "password": PASSWORD, "role": "admin"})
    assert response.status_code == 403
    assert login(env.client(), "ny@ange.se", PASSWORD).status_code == 401


def test_admin_sees_admin_links(env):
    page = env.client(ADMIN).get("/sekreterare/").get_data(as_text=True)
    for path in ("/sekreterare/admin/namnder", "/sekreterare/admin/anvandare", "/sekreterare/admin/webhooks"):
        assert path in page


def test_session_of_another_org_user_is_their_own(env):
    client = env.client(OTHER_SECRETARY)
    with client.session_transaction() as sess:
        assert sess["org_id"] == env.other_org_id
    # A session whose org_id was tampered with (signed cookies make this hard; belt and braces) is refused.
    with client.session_transaction() as sess:
        sess["org_id"] = env.org_id
    assert client.get("/sekreterare/").status_code == 302
