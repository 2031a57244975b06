"""Staff login, logout, login throttling, CSRF and roles."""

from __future__ import annotations

import pytest

from signering.models import Protocol
from test_staff_support import (ADMIN, OTHER_SECRETARY, PASSWORD, SECRETARY, csrf_token, env, finalize_form, login,
                                make_env, post_form, protocol_pdf, text)  # noqa: F401  (env: the shared fixture)


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


# -- client addresses behind the reverse proxy ----------------------------------------------

PROXY = "127.0.0.1"


@pytest.fixture
def proxied(tmp_path):
    """The app behind one trusted proxy (SIGNERING_FORWARDED_ALLOW_IPS), as in README's nginx set-up."""
    environment = make_env(tmp_path, FORWARDED_ALLOW_IPS=PROXY)
    yield environment
    environment.svc.db.dispose()


def _via(env, forwarded_for: str, *, remote: str = PROXY):
    client = env.client(ip=remote)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def test_failures_from_other_clients_behind_the_proxy_never_lock_an_account(proxied):
    for i in range(24):
        attacker = _via(proxied, f"203.0.113.{i % 3 + 1}")
        assert login(attacker, SECRETARY, "gissning gissning").status_code in (401, 429)
    assert login(_via(proxied, "198.51.100.20"), SECRETARY, PASSWORD).status_code == 303
    # A spoofed entry before the proxy's own counts for nothing: the proxy appended the real one.
    assert login(_via(proxied, "203.0.113.1, 198.51.100.21"), SECRETARY, PASSWORD).status_code == 303


def test_the_client_behind_the_proxy_is_throttled_not_the_proxy(proxied):
    attacker = _via(proxied, "203.0.113.66")
    for _ in range(10):
        assert login(attacker, SECRETARY, "gissning gissning").status_code == 401
    assert login(attacker, SECRETARY, PASSWORD).status_code == 429
    # Prepending made-up addresses does not make the same client someone else.
    assert login(_via(proxied, "192.0.2.99, 203.0.113.66"), SECRETARY, PASSWORD).status_code == 429
    assert login(_via(proxied, "198.51.100.20"), SECRETARY, PASSWORD).status_code == 303


def test_forwarded_for_from_an_untrusted_address_is_ignored(proxied):
    for i in range(10):
        spoofer = _via(proxied, f"203.0.113.{i + 1}", remote="198.51.100.7")
        assert login(spoofer, SECRETARY, "gissning gissning").status_code == 401
    # All ten counted against 198.51.100.7, whatever it claimed to forward.
    assert login(_via(proxied, "203.0.113.200", remote="198.51.100.7"), SECRETARY, PASSWORD).status_code == 429
    # Clients the proxy forwards are unaffected.
    assert login(_via(proxied, "203.0.113.1"), SECRETARY, PASSWORD).status_code == 303


def test_one_client_guessing_many_accounts_is_stopped_for_all(env):
    client = env.client(ip="198.51.100.8")
    for i in range(30):
        assert login(client, f"gissad{i}@ange.se", "gissning gissning").status_code == 401
    assert login(client, ADMIN, PASSWORD).status_code == 429
    assert login(env.client(ip="198.51.100.9"), ADMIN, PASSWORD).status_code == 303


def test_ipv6_client_is_counted_by_its_block(env):
    for i in range(10):
        assert login(env.client(ip=f"2001:db8:1:2::{i + 1:x}"), SECRETARY, "gissning gissning").status_code == 401
    assert login(env.client(ip="2001:db8:1:2::ff"), SECRETARY, PASSWORD).status_code == 429
    assert login(env.client(ip="2001:db8:1:3::1"), SECRETARY, PASSWORD).status_code == 303


def test_audit_trail_records_the_client_behind_the_proxy(proxied):
    import re

    from sqlalchemy import select

    from signering.models import Event
    from test_staff_support import upload_ok

    upload_ok(proxied, proxied.client(SECRETARY))
    token = re.search(r"/signera/(\S+)", proxied.mail_text(proxied.mails_to(SECRETARY)[-1])).group(1)
    assert _via(proxied, "192.0.2.1, 198.51.100.30").get(f"/signera/{token}").status_code == 200
    with proxied.svc.db.read() as s:
        opened = s.execute(select(Event).filter_by(kind="opened")).scalar_one()
    assert opened.detail["ip"] == "198.51.100.30"
