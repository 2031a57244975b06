"""Webhook delivery against a real HTTP server on loopback that checks the HMAC signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from clock import FixedClock
from sqlalchemy import select

from signering import accounts, webhooks
from signering.db import Database
from signering.models import Webhook, WebhookDelivery
from signering.pki.keys import DEMO_DIR
from signering.storage import BlobStore
from signering.workflow.audit import record
from signering.workflow.services import Services, Settings

SECRET = "whsec_test-secret-for-hmac"


class Receiver:
    """An HTTP endpoint that verifies the signature; answers ``statuses`` in turn (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ts = self.headers["X-Signering-Timestamp"]
                expected = "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
                good = hmac.compare_digest(expected, self.headers.get("X-Signering-Signature", ""))
                receiver.received.append({"event": self.headers["X-Signering-Event"], "ts": int(ts),
                                          "good_signature": good, "payload": json.loads(body)})
                status = 401 if not good else (receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _services(tmp_path, **settings) -> Services:
    db = Database(f"sqlite:///{tmp_path}/db.sqlite3")
    db.upgrade()
    config = Settings(secret_key=b"k" * 32)
    for name, value in settings.items():
        setattr(config, name, value)
    return Services(db=db, blobs=BlobStore(tmp_path / "blobs"), settings=config,
                    clock=FixedClock(dt.datetime(2025, 9, 23, 10, 0, tzinfo=dt.timezone.utc)))


@pytest.fixture
def svc(tmp_path):
    # The receivers listen on loopback over plain http: the operator settings for tests allow both.
    service = _services(tmp_path, webhook_allow_http=True, webhook_allowed_hosts="127.0.0.1")
    yield service
    service.db.dispose()


@pytest.fixture
def strict_svc(tmp_path):
    """Production settings except plain http: no private host is allowed."""
    service = _services(tmp_path, webhook_allow_http=True)
    yield service
    service.db.dispose()


def _queue(svc, url: str, secret: str = SECRET) -> int:
    with svc.db.write() as s:
        org = accounts.create_organisation(s, slug="ange", name="Ånge kommun", key_dir=DEMO_DIR)
        s.add(Webhook(organisation_id=org.id, url=url, secret=secret, active=True))
        s.flush()
        record(s, svc, org_id=org.id, kind="created", protocol_id=None,
               webhook_payload={"protocol_id": 7, "sha256": "ab" * 32})
    with svc.db.read() as s:
        return s.execute(select(WebhookDelivery.id)).scalar_one()


def _row(svc, delivery_id):
    with svc.db.read() as s:
        return s.get(WebhookDelivery, delivery_id)


def test_delivery_is_signed_and_marked_delivered(svc):
    receiver = Receiver()
    try:
        delivery_id = _queue(svc, receiver.url)
        assert webhooks.deliver_due(svc) == 1
    finally:
        receiver.close()
    [got] = receiver.received
    assert got["good_signature"] and got["event"] == "protocol.finalized"
    assert got["ts"] == int(svc.clock().timestamp())
    assert got["payload"]["protocol_id"] == 7 and got["payload"]["event"] == "protocol.finalized"
    row = _row(svc, delivery_id)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    # Delivered rows are never sent again.
    assert webhooks.deliver_due(svc) == 0


def test_failure_backs_off_then_succeeds(svc):
    receiver = Receiver(statuses=[500, 503])
    try:
        delivery_id = _queue(svc, receiver.url)
        assert webhooks.deliver_due(svc) == 0
        row = _row(svc, delivery_id)
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
        # Not due again before the back-off has passed.
        svc.clock.advance(seconds=29)
        assert webhooks.deliver_due(svc) == 0 and len(receiver.received) == 1
        svc.clock.advance(seconds=1)
        assert webhooks.deliver_due(svc) == 0
        assert _row(svc, delivery_id).last_status_code == 503
        svc.clock.advance(seconds=59)
        assert webhooks.deliver_due(svc) == 0 and len(receiver.received) == 2
        svc.clock.advance(seconds=1)
        assert webhooks.deliver_due(svc) == 1
    finally:
        receiver.close()
    assert [r["good_signature"] for r in receiver.received] == [True, True, True]
    row = _row(svc, delivery_id)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)


def test_wrong_secret_is_refused_by_receiver_and_gives_up_after_ten_attempts(svc):
    receiver = Receiver()
    try:
        delivery_id = _queue(svc, receiver.url, secret="whsec_some-other-secret")
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliver_due(svc)
            svc.clock.advance(hours=7)
        assert webhooks.deliver_due(svc) == 0
    finally:
        receiver.close()
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert not any(r["good_signature"] for r in receiver.received)
    row = _row(svc, delivery_id)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 10, 401)


def test_unreachable_receiver_is_retried(svc):
    receiver = Receiver()
    url = receiver.url
    receiver.close()  # nothing listens on that port any more
    delivery_id = _queue(svc, url)
    assert webhooks.deliver_due(svc) == 0
    row = _row(svc, delivery_id)
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code is None
    assert "Connection" in row.last_error


def test_claimed_row_is_not_sent_twice(svc):
    receiver = Receiver()
    try:
        delivery_id = _queue(svc, receiver.url)
        # A second worker's claim on the same due row loses: only one claim can win.
        assert webhooks._claim(svc, delivery_id) is not None
        assert webhooks._claim(svc, delivery_id) is None
        assert webhooks.deliver_due(svc) == 0 and receiver.received == []
        # A worker that died mid-send: its claim runs out and the row is sent.
        svc.clock.advance(seconds=webhooks.CLAIM.total_seconds())
        assert webhooks.deliver_due(svc) == 1
    finally:
        receiver.close()
    assert len(receiver.received) == 1
    assert _row(svc, delivery_id).attempts == 2


def test_backoff_is_capped():
    assert webhooks.backoff(1) == dt.timedelta(seconds=30)
    assert webhooks.backoff(2) == dt.timedelta(seconds=60)
    assert webhooks.backoff(20) == dt.timedelta(hours=6)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "127.1"])
def test_loopback_receiver_gets_nothing_without_the_operators_allowance(strict_svc, host):
    """Rows saved before the check existed (or a name that now resolves inward) are refused at delivery."""
    receiver = Receiver()
    try:
        delivery_id = _queue(strict_svc, receiver.url.replace("127.0.0.1", host))
        assert webhooks.deliver_due(strict_svc) == 0
        strict_svc.clock.advance(hours=7)
        assert webhooks.deliver_due(strict_svc) == 0
    finally:
        receiver.close()
    assert receiver.received == []
    row = _row(strict_svc, delivery_id)
    assert row.status == "pending" and row.attempts == 2 and row.last_status_code is None
    assert row.last_error == "refused: webhook_address_refused"


def test_plain_http_is_refused_at_delivery_unless_allowed(tmp_path):
    receiver = Receiver()
    service = _services(tmp_path, webhook_allowed_hosts="127.0.0.1")  # loopback listed, http not allowed
    try:
        delivery_id = _queue(service, receiver.url)
        assert webhooks.deliver_due(service) == 0
    finally:
        receiver.close()
        service.db.dispose()
    assert receiver.received == []
    assert _row(service, delivery_id).last_error == "refused: webhook_url_invalid"


def test_redirect_is_not_followed(svc):
    target = Receiver()
    redirector = Receiver(statuses=[302])
    try:
        delivery_id = _queue(svc, redirector.url)
        assert webhooks.deliver_due(svc) == 0
    finally:
        redirector.close()
        target.close()
    assert len(redirector.received) == 1 and target.received == []
    assert _row(svc, delivery_id).last_status_code == 302


def test_connection_goes_to_the_checked_address_with_the_name_in_host(svc):
    """The URL's name is looked up once, by the check; the request goes to that address."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    svc.settings.webhook_allowed_hosts = "localhost"
    try:
        # "localhost" may resolve to ::1 first, where nothing listens: the next checked address is used.
        _queue(svc, f"http://localhost:{server.server_port}/hook")
        assert webhooks.deliver_due(svc) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [f"localhost:{server.server_port}"]
