"""Audit trail and everything that leaves the system because of a state change.

Mail and webhook deliveries are rows written in the *same* transaction as the change that
causes them, so a committed change always has its messages queued and a rolled-back one
never does. Workers send them afterwards (:mod:`signering.workflow.outbox`).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from ..models import Event, OutboxMail, Webhook, WebhookDelivery

#: event kinds that webhooks announce, with their public names
WEBHOOK_EVENTS = {
    "created": "protocol.finalized",
    "signed": "protocol.signed",
    "declined": "protocol.declined",
    "sealed": "protocol.sealed",
    "posted": "protocol.posted",
    "taken_down": "protocol.taken_down",
}


def record(session, svc, *, org_id: int, kind: str, protocol_id: int | None = None, request_id: int | None = None,
           actor: str = "", webhook_payload: dict | None = None, **detail) -> Event:
    event = Event(organisation_id=org_id, protocol_id=protocol_id, request_id=request_id, kind=kind, actor=actor,
                  detail=detail, at=svc.clock())
    session.add(event)
    if kind in WEBHOOK_EVENTS and webhook_payload is not None:
        hooks = session.execute(select(Webhook).filter_by(organisation_id=org_id, active=True)).scalars()
        for hook in hooks:
            session.add(WebhookDelivery(webhook_id=hook.id, event=WEBHOOK_EVENTS[kind],
                                        payload={"event": WEBHOOK_EVENTS[kind], "at": svc.clock().isoformat(),
                                                 **webhook_payload},
                                        next_attempt_at=svc.clock(), created_at=svc.clock()))
    return event


def queue_mail(session, svc, mail, *, org_id: int | None, dedupe_key: str | None = None) -> OutboxMail:
    """Queue ``mail`` (a :class:`signering.mail.OutgoingMail`). The body is stored encrypted."""
    row = OutboxMail(organisation_id=org_id, dedupe_key=dedupe_key or secrets.token_hex(16), to=mail.to,
                     subject=mail.subject, body=svc.box.seal(mail.body_text), created_at=svc.clock())
    session.add(row)
    return row
