"""The rules of omedelbar justering: one paragraph adjusted and posted before the rest.

The law's point is that the paragraph's appeal period starts before the protocol's. So:

- a full protocol whose signers are all done is not sealed while one of its immediately adjusted
  paragraphs is still under justering (:func:`under_way`); it waits, and is sealed and posted
  right after the paragraph (or after the paragraph's route is withdrawn);
- a paragraph has one route (:func:`check_one_route`), whether it was started from the
  protocol or at the meeting, from the paragraph's own text, before the protocol existed;
- a route started at the meeting is linked to the protocol of the same board, meeting date and
  paragraph number when that protocol is uploaded (:func:`link_started_at_meeting`);
- the notices say what really happened (:func:`child_notice_body`, :func:`parent_notice_lines`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from ..models import Notice, Protocol
from ..route import IN_PROGRESS, JUSTERAT, ProtocolKind, ProtocolStatus
from .audit import record
from .errors import NotAllowed


class RouteExists(NotAllowed):
    """A second omedelbar justering of one paragraph would post two notices of one decision,
    each with its own appeal dates."""
    code = "omedelbar_route_exists"
    http_status = 409
    default_sv = ("Paragrafen är redan skickad för omedelbar justering. Dra tillbaka den pågående justeringen "
                  "om den ska göras om.")
    default_en = ("The paragraph has already been sent for immediate justering. Withdraw the one under way to "
                  "start again.")


def numbers_text(paragraphs) -> str:
    return ", ".join(f"§ {n}" for n in paragraphs or [])


def under_way(session, protocol: Protocol) -> list[Protocol]:
    """The immediately adjusted paragraphs of ``protocol`` that are not yet adjusted (signing, or
    sent back by a signer): while there are any, the protocol is not sealed."""
    if protocol.kind not in (None, ProtocolKind.PROTOKOLL):
        return []
    return session.execute(
        select(Protocol).filter_by(parent_id=protocol.id, kind=ProtocolKind.OMEDELBAR,
                                   organisation_id=protocol.organisation_id)
        .where(Protocol.status.in_(IN_PROGRESS)).order_by(Protocol.id)).scalars().all()


def check_one_route(session, *, org_id: int, board_id: int, meeting_date: dt.date, parent_id: int | None,
                    number: int) -> None:
    """Refuse a second live route for § ``number``: one started from the protocol ``parent_id``,
    or one started at the meeting (same board and meeting date) not yet linked to it."""
    same_meeting = (Protocol.parent_id.is_(None) & (Protocol.board_id == board_id)
                    & (Protocol.meeting_date == meeting_date))
    where = or_(Protocol.parent_id == parent_id, same_meeting) if parent_id is not None else same_meeting
    for other in session.execute(select(Protocol).filter_by(kind=ProtocolKind.OMEDELBAR, organisation_id=org_id)
                                 .where(where).order_by(Protocol.id)).scalars():
        if number in (other.paragraphs or []) and other.status != ProtocolStatus.WITHDRAWN:
            raise RouteExists(
                f"§ {number} är redan skickad för omedelbar justering (protokoll {other.id}). En paragraf justeras "
                f"omedelbart en gång; ska den göras om, dra först tillbaka den pågående justeringen.",
                f"§ {number} has already been sent for immediate justering (protocol {other.id}). A paragraph is "
                f"adjusted at once only once; to start again, withdraw the justering under way first.",
                protocol_id=other.id)


def check_start(session, *, org_id: int, board_id: int, meeting_date: dt.date, parent_id: int | None,
                paragraphs: list[int], lock: bool = False) -> None:
    """May an omedelbar justering of ``paragraphs`` start now? Its protocol (if there is one yet)
    must still be under justering with signers to go, and no paragraph may have a route already.
    ``lock`` (in the transaction that writes the route) holds the protocol until the commit."""
    if parent_id is not None:
        stmt = select(Protocol).filter_by(id=parent_id, organisation_id=org_id)
        parent = session.execute(stmt.with_for_update() if lock else stmt).scalar_one()
        if parent.status != ProtocolStatus.SIGNING:
            raise NotAllowed("Omedelbar justering görs medan protokollet är under justering.",
                             "Immediate adjustment is done while the protocol is being adjusted.")
        if parent.current is not None and parent.current.seal_pending:
            raise NotAllowed(
                "Alla har redan signerat protokollet, så paragrafen kan inte längre justeras och anslås före "
                "resten. Den justeras med protokollet.",
                "Everyone has signed the protocol already, so the paragraph can no longer be adjusted and posted "
                "before the rest. It is adjusted with the protocol.")
    else:
        protocol = session.execute(
            select(Protocol).filter_by(kind=ProtocolKind.PROTOKOLL, organisation_id=org_id, board_id=board_id,
                                       meeting_date=meeting_date)
            .where(Protocol.status != ProtocolStatus.WITHDRAWN).order_by(Protocol.id)).scalars().first()
        if protocol is not None:
            raise NotAllowed(
                f"Protokollet från sammanträdet är redan uppladdat (protokoll {protocol.id}). Skicka paragrafen för "
                "omedelbar justering från protokollets sida.",
                f"The protocol of the meeting has already been uploaded (protocol {protocol.id}). Send the paragraph "
                "for immediate justering from the protocol's page.", protocol_id=protocol.id)
    for number in paragraphs:
        check_one_route(session, org_id=org_id, board_id=board_id, meeting_date=meeting_date, parent_id=parent_id,
                        number=number)


def link_started_at_meeting(session, svc, protocol: Protocol, found: set[int], *, actor: str = "") -> list[int]:
    """Make ``protocol`` the parent of the routes started at its meeting for paragraphs it holds
    (``found``: its § numbers as the upload reader reads them). Returns the linked ids."""
    linked = []
    for child in session.execute(
            select(Protocol).filter_by(kind=ProtocolKind.OMEDELBAR, organisation_id=protocol.organisation_id,
                                       board_id=protocol.board_id, meeting_date=protocol.meeting_date)
            .where(Protocol.parent_id.is_(None), Protocol.status != ProtocolStatus.WITHDRAWN)
            .order_by(Protocol.id)).scalars():
        if set(child.paragraphs or []) <= found:
            child.parent_id = protocol.id
            linked.append(child.id)
            record(session, svc, org_id=protocol.organisation_id, kind="omedelbar_linked", protocol_id=child.id,
                   actor=actor, parent_id=protocol.id, paragraphs=numbers_text(child.paragraphs))
            record(session, svc, org_id=protocol.organisation_id, kind="omedelbar_linked", protocol_id=protocol.id,
                   actor=actor, child_id=child.id, paragraphs=numbers_text(child.paragraphs))
    return linked


def child_notice_body(session, protocol: Protocol) -> str:
    """The immediately adjusted paragraph's notice text, as things stand when it is posted."""
    numbers = numbers_text(protocol.paragraphs)
    parent = protocol.parent
    parent_notice = None
    if parent is not None and parent.status in JUSTERAT:
        parent_notice = session.execute(select(Notice).filter_by(protocol_id=parent.id)).scalar_one_or_none()
    if parent_notice is None:
        return (f"Sammanträdet beslutade att {numbers} skulle justeras omedelbart. Paragrafen är justerad "
                "och anslås för sig, före resten av protokollet.")
    # Only when the protocol got ahead of the paragraph (a paragraph linked after the protocol was
    # sealed): say so, rather than claim an order that did not happen.
    return (f"Sammanträdet beslutade att {numbers} skulle justeras omedelbart. Resten av protokollet justerades "
            f"först och anslogs {parent_notice.posted_date.isoformat()}; paragrafen anslås nu för sig, med egna "
            "datum för överklagande.")


def parent_notice_lines(session, protocol: Protocol) -> list[str]:
    """For the protocol's notice: each immediately adjusted paragraph, and the day it was posted."""
    lines = []
    for child in session.execute(
            select(Protocol).filter_by(parent_id=protocol.id, kind=ProtocolKind.OMEDELBAR,
                                       organisation_id=protocol.organisation_id)
            .where(Protocol.status.in_(JUSTERAT)).order_by(Protocol.id)).scalars():
        lines.append(_child_line(session, child))
    return lines


def _child_line(session, child: Protocol) -> str:
    notice = session.execute(select(Notice).filter_by(protocol_id=child.id)).scalar_one_or_none()
    when = f" och anslogs {notice.posted_date.isoformat()}" if notice is not None else ""
    return f"{numbers_text(child.paragraphs)} justerades omedelbart{when}, med egna datum för överklagande."


def note_on_parent(session, child: Protocol) -> None:
    """A paragraph posted after its protocol: add it to the protocol's notice, which went up
    without it, so that the protocol's notice names every paragraph adjusted on its own."""
    parent = child.parent
    if parent is None:
        return
    notice = session.execute(select(Notice).filter_by(protocol_id=parent.id)).scalar_one_or_none()
    if notice is None:
        return
    line = _child_line(session, child)
    if line not in (notice.body or ""):
        notice.body = f"{notice.body}\n{line}" if notice.body else line
