"""Deliver queued webhook calls: signed JSON POSTs with retries and exponential back-off.

Deliveries are rows written in the same transaction as the event they announce
(:func:`signering.workflow.audit.record`); this worker sends them afterwards. A row is
claimed by a conditional UPDATE that pushes its ``next_attempt_at`` past the send window
and counts the attempt, so two workers never send the same delivery at the same time, and
a worker that dies mid-send leaves a row that becomes due again once the claim runs out.

The receiver checks ``X-Signering-Signature: sha256=<hex>``, the HMAC-SHA256 under the
webhook's secret of ``f"{timestamp}.{body}"``, with ``timestamp`` from
``X-Signering-Timestamp`` (unix seconds), and should refuse old timestamps (replays).

Before every attempt the URL is checked again (:mod:`signering.webhook_guard`) and the request
goes to exactly the address that check approved, with no redirects followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets

import urllib3
from sqlalchemy import select, update
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import webhook_guard
from .errors import SigneringError
from .models import Webhook, WebhookDelivery

log = logging.getLogger("signering.webhooks")

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 10
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
#: longer than one send can take (connect + read timeouts), so a live claim is never taken over
CLAIM = dt.timedelta(seconds=3 * TIMEOUT_SECONDS)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: 30 s, 60 s, 120 s, … at most 6 h."""
    return min(BASE_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)


def deliver_due(svc, limit: int = 100) -> int:
    """Send every pending delivery that is due; return how many were delivered (2xx)."""
    policy = webhook_guard.Policy.from_settings(svc.settings)
    now = svc.clock()
    with svc.db.read() as session:
        due = session.execute(
            select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                             WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)).scalars().all()
    delivered = 0
    for delivery_id in due:
        job = _claim(svc, delivery_id)
        if job is None:
            continue
        url, secret, event, payload, attempts = job
        code, error = _send(policy, url, secret, event, payload, svc.clock())
        _finish(svc, delivery_id, attempts, code, error)
        delivered += error is None
    return delivered


def _claim(svc, delivery_id: int):
    now = svc.clock()
    with svc.db.write() as session:
        claimed = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
                   WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + CLAIM, attempts=WebhookDelivery.attempts + 1)).rowcount
        if not claimed:
            return None
        row = session.get(WebhookDelivery, delivery_id)
        hook = session.get(Webhook, row.webhook_id)
        if hook is None or not hook.active:
            row.status, row.last_error = "failed", "webhook inactive"
            return None
        return hook.url, hook.secret, row.event, row.payload, row.attempts


def _send(policy, url: str, secret: str, event: str, payload: dict, now: dt.datetime):
    """(status code or None, error text or None); error is None only for a 2xx answer.

    The error text is for the operator's log and database only; the admin page shows a
    generic outcome, so its answers cannot be used to map internal hosts.
    """
    try:
        # Checked again at every attempt: the name may resolve elsewhere than when it was saved.
        target = webhook_guard.check(url, policy)
    except SigneringError as exc:
        return None, f"refused: {exc.code}"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Signering-Webhook/1",
        "X-Signering-Event": event,
        "X-Signering-Timestamp": str(timestamp),
        "X-Signering-Signature": signature(secret, timestamp, body),
    }
    try:
        code = _post_pinned(target, body, headers)
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return code, None if 200 <= code < 300 else f"HTTP {code}"


def _post_pinned(target: webhook_guard.Target, body: bytes, headers: dict) -> int:
    """POST to the checked addresses in turn until one connects; return the HTTP status.

    The connection goes to the address, while the Host header, TLS SNI and the certificate
    check use the URL's host name. No redirects: a 3xx could send the signed body somewhere
    the organisation did not name (and to an address nobody checked).
    """
    from requests.certs import where as ca_bundle  # the CA bundle deliveries have always used

    headers = {**headers, "Host": target.host_header}
    if target.basic_auth is not None:
        headers.update(urllib3.util.make_headers(basic_auth=target.basic_auth))
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    last_error: Exception | None = None
    for address in target.addresses:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1,
                                               cert_reqs="CERT_REQUIRED", ca_certs=ca_bundle(),
                                               server_hostname=target.hostname, assert_hostname=target.hostname)
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen("POST", target.request_target, body=body, headers=headers, redirect=False,
                                    retries=False, assert_same_host=False, preload_content=False)
            response.close()  # the body is not needed, however long it is
            return response.status
        except (NewConnectionError, ConnectTimeoutError) as exc:
            last_error = exc  # this address is down; the host may have another one
        finally:
            pool.close()
    raise last_error


def _finish(svc, delivery_id: int, attempts: int, code: int | None, error: str | None) -> None:
    with svc.db.write() as session:
        if error is None:
            values = {"status": "delivered", "last_status_code": code, "last_error": None}
        elif attempts >= MAX_ATTEMPTS:
            values = {"status": "failed", "last_status_code": code, "last_error": error}
            log.warning("webhook delivery %s failed for good after %s attempts: %s", delivery_id, attempts, error)
        else:
            values = {"last_status_code": code, "last_error": error,
                      "next_attempt_at": svc.clock() + backoff(attempts)}
            log.info("webhook delivery %s attempt %s failed (%s); retried later", delivery_id, attempts, error)
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))
