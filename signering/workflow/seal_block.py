"""A fully signed version that cannot be sealed: say so once, and stop retrying.

Sealing posts the notice, and the notice's dates must follow the meeting. A version whose
meeting date lies after the day of justering (possible for protocols uploaded before the upload
check existed) would fail the same way every second, forever, while every page said all was
well. Instead it is marked blocked, the staff get one mail and the page says what to do. A new
version or a withdrawal takes the version out of use, which is how the protocol moves on.
"""

from __future__ import annotations

from sqlalchemy import select

from ..errors import DatesOutOfOrder, SigneringError
from ..mail import templates as mails
from ..models import ProtocolVersion
from .audit import queue_mail, record
from .staff_addresses import staff_addresses


class SealBlocked(SigneringError):
    """Sealing cannot succeed however often it is tried; only the staff can move the protocol on."""

    code = "seal_blocked"
    http_status = 409
    default_sv = "Protokollet kan inte förseglas. Ladda upp en ny version eller dra tillbaka protokollet."
    default_en = "The minutes cannot be sealed. Upload a new version or withdraw the minutes."

#: the one reason a version is blocked so far, stored in ``ProtocolVersion.seal_blocked``
MEETING_DATE_IN_FUTURE = "meeting_date_in_future"


def precheck(protocol, today) -> SealBlocked | None:
    """The reason sealing today must fail, found before any PDF work."""
    if protocol.meeting_date > today:
        return SealBlocked(
            f"Sammanträdesdatumet {protocol.meeting_date.isoformat()} ligger efter i dag ({today.isoformat()}); "
            "anslaget kan inte sättas upp före sammanträdet.",
            f"The meeting date {protocol.meeting_date.isoformat()} is after today ({today.isoformat()}); the "
            "notice cannot be posted before the meeting.")
    return None


def is_permanent(exc: SigneringError) -> bool:
    """Errors that retrying will not cure (a TSA that is down, by contrast, is worth retrying)."""
    return isinstance(exc, (SealBlocked, DatesOutOfOrder))


def block(svc, version_id: int, exc: SigneringError) -> bool:
    """Mark the version blocked, record why, and mail the staff. False if it was no longer pending."""
    with svc.db.write() as session:
        version = session.execute(select(ProtocolVersion).filter_by(id=version_id).with_for_update()
                                  ).scalar_one_or_none()
        if version is None or not version.seal_pending or version.voided or version.seal_blocked:
            return False
        protocol = version.protocol
        # Both permanent errors come from the meeting date lying after the day of justering.
        version.seal_blocked, version.seal_blocked_at = MEETING_DATE_IN_FUTURE, svc.clock()
        record(session, svc, org_id=protocol.organisation_id, kind="seal_blocked", protocol_id=protocol.id,
               version=version.number, reason=exc.message(svc.settings.lang))
        for address in staff_addresses(protocol, version):
            queue_mail(session, svc, mails.seal_blocked(
                to=address, board=protocol.board.name, meeting_date=protocol.meeting_date,
                reason=exc.message(svc.settings.lang), protocol_url=svc.urls.staff_protocol(protocol.id),
                lang=svc.settings.lang), org_id=protocol.organisation_id)
        return True
