"""The anslagstavla's rules: which notices are up, posting other notices, taking them down.

A notice is up from its ``posted_date`` while its status is ``posted``. :func:`sweep` takes it
down on its ``takedown_date`` (the day after the appeal period for a bevis om justering) and
removes the signers' names with it: the law wants the notice up for the appeal period, and
personal data no longer than that purpose needs.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from .errors import DatesOutOfOrder, InputError, InvalidDate
from .models import Board, Notice, Organisation, Protocol
from .workflow.audit import record
from .workflow.errors import NotFound, UnknownBoard
from .route import NoticeStatus, ProtocolStatus

#: notices staff post by hand; a bevis om justering is posted by sealing
KINDS = ("kungorelse", "kallelse", "underrattelse")
MAX_TITLE = 300
MAX_BODY = 20_000


#: the board shows each notice's sealed version: load them in two queries, not two per notice
_WITH_VERSIONS = (selectinload(Notice.protocol).selectinload(Protocol.versions),)


def current(session, org_id: int, today: dt.date, *, offset: int = 0, limit: int | None = None) -> list[Notice]:
    """The notices on the organisation's board today, newest first."""
    return session.execute(
        select(Notice).where(Notice.organisation_id == org_id, Notice.status == NoticeStatus.POSTED,
                             Notice.posted_date <= today)
        .order_by(Notice.posted_date.desc(), Notice.id.desc())
        .options(*_WITH_VERSIONS).offset(offset).limit(limit)
    ).scalars().all()


# Built once: constructing the statement cost more than running it (the board asks on every request).
_ON_BOARD = (Notice.organisation_id == Organisation.id) & (Notice.status == NoticeStatus.POSTED) & \
    (Notice.posted_date <= bindparam("today"))
_FINGERPRINT = (
    select(Organisation.id, Organisation.name, func.count(Notice.id), func.max(Notice.id))
    .select_from(Organisation).outerjoin(Notice, _ON_BOARD)
    .where(Organisation.slug == bindparam("slug")).group_by(Organisation.id, Organisation.name)
)


def board_fingerprint(conn, slug: str, today: dt.date) -> tuple[int, str, tuple] | None:
    """(organisation id, name, fingerprint) in one query, or None for an unknown organisation.

    The fingerprint changes whenever the board's content does: a notice posted (a new, higher
    id), one taken down (fewer), or a new day (notices dated today appear).
    """
    row = conn.execute(_FINGERPRINT, {"slug": slug, "today": today}).first()
    if row is None:
        return None
    org_id, name, count, newest = row
    return org_id, name, (count, newest, today)


def current_all(session, today: dt.date) -> list[Notice]:
    """Every organisation's current notices, newest first (for the common feed)."""
    return session.execute(
        select(Notice).where(Notice.status == NoticeStatus.POSTED, Notice.posted_date <= today)
        .order_by(Notice.posted_date.desc(), Notice.id.desc()).options(*_WITH_VERSIONS)
    ).scalars().all()


def archived(session, org_id: int, query: str = "", *, offset: int = 0, limit: int = 50) -> tuple[list[Notice], int]:
    """Archived notices whose board or title contains ``query`` (any case), newest first,
    and how many matched in all.

    The match runs in Python on (id, title, board) rows: SQLite's LIKE folds ASCII only, so
    "älv" would miss "Älvdalen". A municipality archives some hundred notices a year; reading
    three short columns of them is cheap.
    """
    rows = session.execute(
        select(Notice.id, Notice.title, Notice.board_name)
        .where(Notice.organisation_id == org_id, Notice.status == NoticeStatus.ARCHIVED)
        .order_by(Notice.posted_date.desc(), Notice.id.desc())
    ).all()
    needle = " ".join((query or "").split()).casefold()
    ids = [r.id for r in rows if not needle or needle in f"{r.title}\n{r.board_name}".casefold()]
    page = ids[offset:offset + limit]
    found = {n.id: n for n in session.execute(select(Notice).where(Notice.id.in_(page))).scalars()} if page else {}
    return [found[i] for i in page], len(ids)


def sweep(svc) -> int:
    """Take down every posted notice whose ``takedown_date`` has come. Returns how many.

    One write transaction: either every due notice comes down with its audit events and
    webhook deliveries, or none does.
    """
    today = svc.today()
    with svc.db.write() as session:
        due = session.execute(
            select(Notice).where(Notice.status == NoticeStatus.POSTED, Notice.takedown_date <= today)
            .order_by(Notice.id).with_for_update()
        ).scalars().all()
        now = svc.clock()
        for notice in due:
            notice.status, notice.archived_at, notice.signers = NoticeStatus.ARCHIVED, now, []
            protocol = notice.protocol
            if protocol is not None and protocol.status in (ProtocolStatus.SEALED, ProtocolStatus.POSTED):
                protocol.status, protocol.updated_at = ProtocolStatus.ARCHIVED, now
            # The webhook names a protocol event; a kungörelse coming down is not one.
            payload = ({"protocol_id": notice.protocol_id, "notice_id": notice.id, "taken_down": today.isoformat()}
                       if notice.protocol_id is not None else None)
            record(session, svc, org_id=notice.organisation_id, kind="taken_down", protocol_id=notice.protocol_id,
                   actor="system", notice_id=notice.id, webhook_payload=payload)
        return len(due)


def post_notice(svc, org_id: int, kind: str, title: str, body: str, posted_date: dt.date,
                takedown_date: dt.date, board_name: str = "", *, actor: str = "") -> int:
    """Post a kungörelse, kallelse or underrättelse. Returns the notice id.

    ``posted_date`` may lie ahead (the notice appears that day) but not behind: a notice
    dated before it was really up would misstate when it was announced.
    """
    if kind not in KINDS:
        raise InputError(f'Okänd typ av anslag "{kind}". Välj kungörelse, kallelse eller underrättelse.',
                         f'Unknown kind of notice "{kind}". Choose kungörelse, kallelse or underrättelse.',
                         field="kind")
    title, body, board_name = (title or "").strip(), (body or "").strip(), (board_name or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InputError(f"Ange en rubrik för anslaget (högst {MAX_TITLE} tecken).",
                         f"Give the notice a title (at most {MAX_TITLE} characters).", field="title")
    if len(body) > MAX_BODY:
        raise InputError(f"Texten är för lång (högst {MAX_BODY} tecken). Lägg längre handlingar som bilaga.",
                         f"The text is too long (at most {MAX_BODY} characters). Attach longer documents instead.",
                         field="body")
    for value, field in ((posted_date, "posted_date"), (takedown_date, "takedown_date")):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise InvalidDate(field=field)
    today = svc.today()
    if posted_date < today:
        raise DatesOutOfOrder(
            f"Anslagsdatum {posted_date} har redan passerat. Ett anslag sätts upp i dag ({today}) eller senare.",
            f"The posting date {posted_date} has passed. A notice is posted today ({today}) or later.",
            field="posted_date")
    if takedown_date <= posted_date:
        raise DatesOutOfOrder(
            f"Nedtagningsdatum {takedown_date} måste ligga efter anslagsdatum {posted_date}.",
            f"The take-down date {takedown_date} must be after the posting date {posted_date}.",
            field="takedown_date")
    with svc.db.write() as session:
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound()
        if board_name:
            board = session.execute(select(Board).filter_by(organisation_id=org.id, name=board_name)
                                    ).scalar_one_or_none()
            if board is None:
                raise UnknownBoard(f'Nämnden "{board_name}" finns inte hos {org.name}. Välj en befintlig nämnd.',
                                   f'The board "{board_name}" does not exist in {org.name}. Choose an existing board.',
                                   field="board")
        notice = Notice(organisation_id=org.id, kind=kind, title=title, body=body, board_name=board_name,
                        posted_date=posted_date, takedown_date=takedown_date, signers=[], status=NoticeStatus.POSTED,
                        created_at=svc.clock())
        session.add(notice)
        session.flush()
        record(session, svc, org_id=org.id, kind="notice_posted", actor=actor, notice_id=notice.id,
               notice_kind=kind, posted=posted_date.isoformat(), takedown=takedown_date.isoformat())
        return notice.id
