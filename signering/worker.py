"""The background worker: everything that happens after a request has answered.

One loop, each job idempotent and safe to run in several processes at once: send queued
mail, deliver webhooks, finish interrupted seals, send automatic reminders, take down
notices whose appeal period has ended, renew archive timestamps that near their end. Run it
with ``signering worker`` (``signering serve`` starts one beside the web server).
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("signering.worker")


def run_once(svc, mailer) -> dict:
    from . import notices, webhooks
    from .recovery import release_stale_claims
    from .workflow import manage, outbox, renewal, sealing

    done = {}
    for name, job in (("claims_released", lambda: release_stale_claims(svc)),
                      ("sealed", lambda: sealing.seal_pending(svc)),
                      ("mail", lambda: outbox.drain(svc, mailer)),
                      ("webhooks", lambda: webhooks.deliver_due(svc)),
                      ("reminders", lambda: manage.auto_remind(svc)),
                      ("taken_down", lambda: notices.sweep(svc)),
                      ("renewed", lambda: renewal.renew_due(svc))):
        try:
            done[name] = job()
        except Exception:  # one failing job must not stop the others; it is retried next round
            log.exception("worker job %s failed", name)
            done[name] = 0
    return done


def run_forever(svc, mailer, interval: float = 1.0, stop=lambda: False) -> None:
    while not stop():
        run_once(svc, mailer)
        time.sleep(interval)
