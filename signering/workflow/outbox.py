"""Drain the mail outbox: each mail is claimed by one worker before it is sent.

A claim is a conditional UPDATE (only rows unclaimed or with an expired claim), so two
workers never send the same mail at the same time. A worker that dies mid-send leaves an
expired claim, and the mail is sent again later: at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import or_, select, update

from ..errors import MailError
from ..mail import OutgoingMail
from ..models import OutboxMail

log = logging.getLogger("signering.outbox")
CLAIM_SECONDS = 120
MAX_ATTEMPTS = 20


def drain(svc, mailer, limit: int = 50) -> int:
    """Send what is due; return how many mails went out."""
    sent = 0
    with svc.db.read() as session:
        candidates = session.execute(
            select(OutboxMail.id).where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMail.id).limit(limit)).scalars().all()
    for mail_id in candidates:
        now = svc.clock()
        with svc.db.write() as session:
            claimed = session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
                       or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
                .values(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
                        attempts=OutboxMail.attempts + 1)).rowcount
            row = session.get(OutboxMail, mail_id) if claimed else None
            mail = OutgoingMail(to=row.to, subject=row.subject, body_text=svc.box.open(row.body) or "") if row else None
        if mail is None:
            continue
        try:
            mailer.send(mail)
        except MailError as exc:
            with svc.db.write() as session:
                session.execute(update(OutboxMail).where(OutboxMail.id == mail_id)
                                .values(last_error=exc.message("en")[:500]))
            log.warning("mail %s not sent (attempt will be retried): %s", mail_id, exc.message("en"))
            continue
        with svc.db.write() as session:
            # The body held a link or a code; once delivered it has no reason to stay.
            session.execute(update(OutboxMail).where(OutboxMail.id == mail_id)
                            .values(sent_at=svc.clock(), body="", last_error=None))
        sent += 1
    return sent
