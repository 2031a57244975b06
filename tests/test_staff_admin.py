"""Administration pages: boards, staff accounts and webhooks (with a real delivery)."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from signering import webhooks
from signering.models import Board, User, Webhook
from test_staff_support import ADMIN, PASSWORD, SECRETARY, env, login, make_env, post_form, text, upload_ok  # noqa: F401  (env: the shared fixture)


#: the operator settings the tests that deliver need: receivers listen on loopback over plain http
LOOPBACK_OK = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}


@pytest.fixture
def loopback_env(tmp_path):
    environment = make_env(tmp_path, **LOOPBACK_OK)
    yield environment
    environment.svc.db.dispose()


BOARDS = "/sekreterare/admin/namnder"
USERS = "/sekreterare/admin/anvandare"
HOOKS = "/sekreterare/admin/webhooks"


def test_create_board_and_use_it(env):
    client = env.client(ADMIN)
    response = post_form(client, BOARDS, BOARDS, {"name": "Socialnämnden", "kind": "namnd",
                                                  "forvaringsplats": "Socialkontoret, Storgatan 3"})
    assert response.status_code == 303
    shown = text(client.get(BOARDS))
    assert "Nämnden Socialnämnden är upplagd" in shown and "Socialnämnden Nämnd" in shown
    with env.svc.db.read() as s:
        board = s.execute(select(Board).filter_by(organisation_id=env.org_id, name="Socialnämnden")).scalar_one()
        assert board.forvaringsplats == "Socialkontoret, Storgatan 3"
    assert '<option value="Socialnämnden"' in client.get("/sekreterare/nytt").get_data(as_text=True)


def test_duplicate_or_empty_board_is_refused(env):
    client = env.client(ADMIN)
    response = post_form(client, BOARDS, BOARDS, {"name": "Kommunstyrelsen", "kind": "namnd", "forvaringsplats": "X"})
    assert response.status_code == 422 and 'Nämnden "Kommunstyrelsen" finns redan' in text(response)
    response = post_form(client, BOARDS, BOARDS, {"name": " ", "kind": "utskott", "forvaringsplats": "Arkivet"})
    assert response.status_code == 422 and "Nämndens namn saknas" in text(response)
    assert 'value="Arkivet"' in response.get_data(as_text=True)
    assert env.count(Board, organisation_id=env.org_id) == 1


def test_update_forvaringsplats(env):
    client = env.client(ADMIN)
    with env.svc.db.read() as s:
        board_id = s.execute(select(Board.id).filter_by(organisation_id=env.org_id)).scalar_one()
    response = post_form(client, BOARDS, f"{BOARDS}/{board_id}", {"forvaringsplats": "Kansliet, plan 2"})
    assert response.status_code == 303
    assert 'value="Kansliet, plan 2"' in client.get(BOARDS).get_data(as_text=True)


def test_create_user_who_can_log_in_and_deactivate(env):
    client = env.client(ADMIN)
    response = post_form(client, USERS, USERS, {"email": "Ny.Sekreterare@ange.se", "name": "Nils Ny",
                                                "role": "secretary", "password": "ett långt lösenord"})
    assert response.status_code == 303
    assert "Kontot för ny.sekreterare@ange.se är skapat" in text(client.get(USERS))
    new = env.app.test_client()
    assert login(new, "ny.sekreterare@ange.se", "ett långt lösenord").status_code == 303
    assert new.get("/sekreterare/").status_code == 200
    assert new.get(USERS).status_code == 403
    with env.svc.db.read() as s:
        user_id = s.execute(select(User.id).filter_by(email="ny.sekreterare@ange.se")).scalar_one()
    assert post_form(client, USERS, f"{USERS}/{user_id}/stang-av", {}).status_code == 303
    assert "Kontot för ny.sekreterare@ange.se är avstängt" in text(client.get(USERS))
    # The open session ends at its next request, and the password no longer works.
    assert new.get("/sekreterare/").status_code == 302
    assert login(env.app.test_client(), "ny.sekreterare@ange.se", "ett långt lösenord").status_code == 401


def test_bad_user_input_keeps_fields_but_not_password(env):
    client = env.client(ADMIN)
    response = post_form(client, USERS, USERS, {"email": "kort@ange.se", "name": "Kort Lösen", "role": "admin",
                                                "password": "kort123"})
    assert response.status_code == 422 and "Lösenordet måste ha minst 12 tecken" in text(response)
    html = response.get_data(as_text=True)
    assert 'value="kort@ange.se"' in html and "kort123" not in html
    response = post_form(client, USERS, USERS, {"email": SECRETARY, "role": "secretary", "password": PASSWORD})
    assert response.status_code == 422 and f"Användaren {SECRETARY} finns redan" in text(response)


def test_admin_cannot_deactivate_self(env):
    client = env.client(ADMIN)
    with env.svc.db.read() as s:
        me = s.execute(select(User.id).filter_by(email=ADMIN)).scalar_one()
    response = post_form(client, USERS, f"{USERS}/{me}/stang-av", {})
    assert response.status_code == 303
    assert "Du kan inte stänga av ditt eget konto" in text(client.get(USERS))
    assert client.get("/sekreterare/").status_code == 200


class Receiver:
    def __init__(self, secret_box: dict, status: int = 204):
        self.got = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mac = hmac.new(secret_box["secret"].encode(), f"{self.headers['X-Signering-Timestamp']}.".encode()
                               + body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest("sha256=" + mac, self.headers["X-Signering-Signature"])
                receiver.got.append((self.headers["X-Signering-Event"], ok))
                self.send_response(status if ok else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/signering"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_webhook_secret_shown_once_and_deliveries_listed(loopback_env):
    env = loopback_env
    box = {}
    receiver = Receiver(box)
    try:
        client = env.client(ADMIN)
        response = post_form(client, HOOKS, HOOKS, {"url": receiver.url})
        assert response.status_code == 201
        shown = response.get_data(as_text=True)
        secret = re.search(r'id="webhook-secret">([^<]+)<', shown).group(1)
        with env.svc.db.read() as s:
            hook = s.execute(select(Webhook).filter_by(organisation_id=env.org_id)).scalar_one()
        assert hook.secret == secret and secret.startswith("whsec_") and len(secret) > 40
        assert secret not in client.get(HOOKS).get_data(as_text=True)
        box["secret"] = secret

        protocol_id = upload_ok(env, env.client(SECRETARY))
        listed = text(client.get(HOOKS))
        assert f"protocol.finalized {receiver.url} Väntar 0" in listed
        assert webhooks.deliver_due(env.svc) == 1
        assert receiver.got == [("protocol.finalized", True)]
        listed = text(client.get(HOOKS))
        assert f"2025-09-23 10:00 CEST protocol.finalized {receiver.url} Levererad 1 HTTP 2xx" in listed
        assert protocol_id
    finally:
        receiver.close()


def test_webhook_url_is_checked(env):
    client = env.client(ADMIN)
    for bad in ("ftp://example.se/x", "example.se/hook", "https:///nohost", "https://ex ample.se/",
                "http://93.184.215.14/hook"):
        response = post_form(client, HOOKS, HOOKS, {"url": bad})
        assert response.status_code == 422, bad
        assert "Adressen ska vara en fullständig webbadress" in text(response)
        assert "webhook-secret" not in response.get_data(as_text=True)
    assert env.count(Webhook) == 0


def test_deactivated_webhook_gets_nothing_more(loopback_env):
    env = loopback_env
    client = env.client(ADMIN)
    assert post_form(client, HOOKS, HOOKS, {"url": "https://127.0.0.1:9/hook"}).status_code == 201
    with env.svc.db.read() as s:
        hook_id = s.execute(select(Webhook.id)).scalar_one()
    assert post_form(client, HOOKS, f"{HOOKS}/{hook_id}/stang-av", {}).status_code == 303
    assert "Avstängd" in text(client.get(HOOKS))
    upload_ok(env, env.client(SECRETARY))
    assert "Inga leveranser ännu" in text(client.get(HOOKS))


def test_internal_webhook_addresses_are_refused_and_get_nothing(tmp_path):
    """Plain http is allowed here (as in the other tests), but no private host is listed."""
    env = make_env(tmp_path, WEBHOOK_ALLOW_HTTP=True)
    box = {"secret": "unused"}
    receiver = Receiver(box)
    port = receiver.server.server_port
    try:
        client = env.client(ADMIN)
        for bad in (receiver.url, f"http://[::1]:{port}/signering", f"http://localhost:{port}/signering",
                    f"http://[::ffff:127.0.0.1]:{port}/", "http://169.254.169.254/latest/meta-data/",
                    "https://10.0.0.1/hook", "https://192.168.1.10/hook"):
            response = post_form(client, HOOKS, HOOKS, {"url": bad})
            assert response.status_code == 422, bad
            assert "Adressen leder till ett internt, lokalt eller reserverat nät" in text(response), bad
            assert "webhook-secret" not in response.get_data(as_text=True)
        assert env.count(Webhook) == 0
        upload_ok(env, env.client(SECRETARY))
        assert webhooks.deliver_due(env.svc) == 0
    finally:
        receiver.close()
        env.svc.db.dispose()
    assert receiver.got == []


def test_delivery_outcome_is_shown_as_a_class_only(loopback_env):
    """The page says delivered or failed with the status class, never the receiver's errors."""
    env = loopback_env
    box = {}
    receiver = Receiver(box, status=405)
    closed = Receiver(box)
    closed.close()  # nothing listens there any more: "Connection refused"
    try:
        client = env.client(ADMIN)
        for url in (receiver.url, closed.url):
            response = post_form(client, HOOKS, HOOKS, {"url": url})
            assert response.status_code == 201
        box["secret"] = re.search(r'id="webhook-secret">([^<]+)<', response.get_data(as_text=True)).group(1)
        with env.svc.db.write() as s:
            for hook in s.execute(select(Webhook)).scalars():
                hook.secret = box["secret"]
        upload_ok(env, env.client(SECRETARY))
        assert webhooks.deliver_due(env.svc) == 0
    finally:
        receiver.close()
    assert receiver.got == [("protocol.finalized", True)]
    listed = text(client.get(HOOKS))
    assert f"protocol.finalized {receiver.url} Väntar, nästa försök 2025-09-23 10:00 CEST 1 HTTP 4xx" in listed
    assert f"protocol.finalized {closed.url} Väntar, nästa försök 2025-09-23 10:00 CEST 1 Inget svar" in listed
    # The receivers' URLs are on the page by design; their random ports may contain "405".
    rest = listed.replace(receiver.url, "").replace(closed.url, "")
    for leak in ("405", "refused", "Connection", "Errno", "HTTPConnectionPool"):
        assert leak not in rest, leak
