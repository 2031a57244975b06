"""The anslagstavla's rules: which notices are up, posting other notices, taking them down.

A notice is up from its ``posted_date`` while its status is ``posted``. :func:`sweep` takes it
down on its ``takedown_date`` (the day after the appeal period for a bevis om justering) and
removes the signers' names with it: the law wants the notice up for the appeal period, and
personal data no longer than that purpose needs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import selectinload

from .errors import DatesOutOfOrder, InputError, InvalidDate
from .models import Board, LogCheckpoint, Notice, Organisation, Protocol
from .notice_search import folded_query
from .text_safety import one_line, xml_safe
from .workflow.audit import record
from .workflow.errors import NotAllowed, NotFound, UnknownBoard
from .route import NoticeStatus, ProtocolStatus

#: notices staff post by hand; a bevis om justering is posted by sealing
KINDS = ("kungorelse", "kallelse", "underrattelse")
MAX_TITLE = 300
MAX_BODY = 20_000
MAX_NOTE = 1000
STOCKHOLM = ZoneInfo("Europe/Stockholm")


#: the board shows each notice's sealed version: load them in two queries, not two per notice
_WITH_VERSIONS = (selectinload(Notice.protocol).selectinload(Protocol.versions),)


def current(session, org_id: int, today: dt.date, *, offset: int = 0, limit: int | None = None) -> list[Notice]:
    """The notices on the organisation's board today, newest first."""
    return session.execute(
        select(Notice).where(Notice.organisation_id == org_id, *on_board(today))
        .order_by(Notice.posted_date.desc(), Notice.id.desc())
        .options(*_WITH_VERSIONS).offset(offset).limit(limit)
    ).scalars().all()


def on_board(today) -> tuple:
    """The conditions for a notice to be up ``today``.

    The take-down date counts here, not only in :func:`sweep`: a worker that is down must not
    keep a notice (and its signers' names) on the board past its date.
    """
    return (Notice.status == NoticeStatus.POSTED, Notice.posted_date <= today, Notice.takedown_date > today)


# Built once: constructing the statement cost more than running it (the board asks on every request).
_ON_BOARD = and_(Notice.organisation_id == Organisation.id, *on_board(bindparam("today")))
_NEWEST_CHECKPOINT = select(LogCheckpoint).order_by(LogCheckpoint.tree_size.desc()).limit(1).subquery()
_FINGERPRINT = (
    select(Organisation.id, Organisation.name, func.count(Notice.id), func.max(Notice.id),
           func.max(Notice.corrected_at),
           # The board shows the log's newest checkpoint with its witnesses' cosignatures.
           select(_NEWEST_CHECKPOINT.c.tree_size).scalar_subquery(),
           select(func.length(_NEWEST_CHECKPOINT.c.cosignatures)).scalar_subquery())
    .select_from(Organisation).outerjoin(Notice, _ON_BOARD)
    .where(Organisation.slug == bindparam("slug")).group_by(Organisation.id, Organisation.name)
)


def board_fingerprint(conn, slug: str, today: dt.date) -> tuple[int, str, tuple] | None:
    """(organisation id, name, fingerprint) in one query, or None for an unknown organisation.

    The fingerprint changes whenever the board's content does: a notice posted (a new, higher
    id), one taken down (fewer), one corrected (a later correction time), a new day (notices
    dated today appear, those due come down), or a new log checkpoint or cosignature.
    The notice count comes first.
    """
    row = conn.execute(_FINGERPRINT, {"slug": slug, "today": today}).first()
    if row is None:
        return None
    org_id, name, count, newest, corrected, log_size, cosigned = row
    return org_id, name, (count, newest, str(corrected), today, log_size, cosigned)


def current_all(session, today: dt.date) -> list[Notice]:
    """Every organisation's current notices, newest first (for the common feed)."""
    return session.execute(
        select(Notice).where(*on_board(today))
        .order_by(Notice.posted_date.desc(), Notice.id.desc()).options(*_WITH_VERSIONS)
    ).scalars().all()


def archived(session, org_id: int, query: str = "", *, offset: int = 0, limit: int = 50,
             today: dt.date | None = None) -> tuple[list[Notice], int]:
    """Archived notices whose board or title contains ``query`` (any case), newest first,
    and how many matched in all. With ``today``, also the notices past their take-down date
    that the sweep has not reached yet.

    Matched, ordered and paged in the database: ``LIKE`` on the stored case-folded title and
    board (``notice.search_text``) with the query folded the same way, since SQLite's LIKE
    folds ASCII only and "älv" must find "Älvdalen". % and _ in the query are matched as
    themselves.
    """
    where = [Notice.organisation_id == org_id,
             (Notice.status == NoticeStatus.ARCHIVED) if today is None else
             ((Notice.status == NoticeStatus.ARCHIVED) | (Notice.takedown_date <= today)),
             # taken down before the day it was to go up: it was never public
             Notice.posted_date <= Notice.takedown_date]
    needle = folded_query(query)
    if needle:
        where.append(Notice.search_text.contains(needle, autoescape=True))
    page = session.execute(
        select(Notice).where(*where).order_by(Notice.posted_date.desc(), Notice.id.desc())
        .options(*_WITH_VERSIONS).offset(offset).limit(limit)
    ).scalars().all()
    if len(page) < limit and (page or not offset):
        return page, offset + len(page)  # the last page: the count is known without asking
    return page, session.execute(select(func.count(Notice.id)).where(*where)).scalar_one()


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


def _texts(title: str, body: str) -> tuple[str, str]:
    """Title and body as stored: what XML cannot carry taken out first, then the lengths checked."""
    title, body = one_line(title or ""), xml_safe(body or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise InputError(f"Ange en rubrik för anslaget (högst {MAX_TITLE} tecken).",
                         f"Give the notice a title (at most {MAX_TITLE} characters).", field="title")
    if len(body) > MAX_BODY:
        raise InputError(f"Texten är för lång (högst {MAX_BODY} tecken). Lägg längre handlingar som bilaga.",
                         f"The text is too long (at most {MAX_BODY} characters). Attach longer documents instead.",
                         field="body")
    return title, body


def _note(text: str, *, field: str, sv: str, en: str) -> str:
    note = xml_safe(text or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise InputError(f"{sv} (högst {MAX_NOTE} tecken).", f"{en} (at most {MAX_NOTE} characters).", field=field)
    return note


def went_up_at(notice: Notice) -> dt.datetime:
    """When the notice went (or goes) up: when it was written, or the start of its posting day in
    Sweden if that is later. This, not the row's creation, is what a feed reader should see."""
    created = notice.created_at
    if created.tzinfo is None:  # SQLite gives back naive datetimes; they were written in UTC
        created = created.replace(tzinfo=dt.timezone.utc)
    day_starts = dt.datetime.combine(notice.posted_date, dt.time(0), tzinfo=STOCKHOLM)
    return max(created, day_starts).astimezone(dt.timezone.utc)


def last_changed_at(notice: Notice) -> dt.datetime:
    """When the notice as shown last changed: when it went up, or its latest correction."""
    corrected = notice.corrected_at
    if corrected is not None and corrected.tzinfo is None:
        corrected = corrected.replace(tzinfo=dt.timezone.utc)
    return max(went_up_at(notice), corrected) if corrected else went_up_at(notice)


def _posted_notice(session, org_id: int, notice_id: int, today: dt.date) -> Notice:
    notice = session.execute(select(Notice).filter_by(id=notice_id, organisation_id=org_id).with_for_update()
                             ).scalar_one_or_none()
    if notice is None:
        raise NotFound()
    if notice.status != NoticeStatus.POSTED or notice.takedown_date <= today:
        raise NotAllowed("Anslaget är redan nedtaget.", "The notice has already been taken down.")
    return notice


def take_down(svc, org_id: int, notice_id: int, reason: str, *, actor: str = "") -> None:
    """Take a kungörelse, kallelse or underrättelse down before its take-down date.

    A bevis om justering is not taken down early: the appeal period runs while it is up, and
    shortening it would cut the right to appeal. It is corrected instead (:func:`correct`).
    """
    reason = _note(reason, field="reason", sv="Skriv varför anslaget tas ned", en="Say why the notice is taken down")
    today = svc.today()
    with svc.db.write() as session:
        notice = _posted_notice(session, org_id, notice_id, today)
        if notice.kind not in KINDS:
            raise NotAllowed(
                "Ett bevis om justering sitter uppe hela överklagandetiden och kan inte tas ned i förtid. "
                "Gör en rättelse om något i det är fel.",
                "A bevis om justering stays up for the whole appeal period and cannot be taken down early. "
                "Correct it if something in it is wrong.")
        planned = notice.takedown_date
        now = svc.clock()
        notice.status, notice.archived_at, notice.signers = NoticeStatus.ARCHIVED, now, []
        notice.takedown_date, notice.takedown_reason = today, reason
        record(session, svc, org_id=org_id, kind="notice_taken_down", actor=actor, notice_id=notice.id,
               notice_kind=notice.kind, planned_takedown=planned.isoformat(), reason=reason)


def correct(svc, org_id: int, notice_id: int, note: str, *, title: str | None = None, body: str | None = None,
            actor: str = "") -> None:
    """Correct a notice while it is up (or before it goes up). The note says what was wrong and is
    shown with the notice, dated, so that readers of the first version see it was changed.

    The title and text of a bevis om justering state what the sealed protocol says and are not
    edited; it gets the note only.
    """
    note = _note(note, field="note", sv="Skriv vad som rättades", en="Say what was corrected")
    today = svc.today()
    with svc.db.write() as session:
        notice = _posted_notice(session, org_id, notice_id, today)
        changed = {}
        if notice.kind in KINDS:
            new_title, new_body = _texts(notice.title if title is None else title,
                                         notice.body if body is None else body)
            changed = {k: v for k, v in (("title", new_title), ("body", new_body)) if getattr(notice, k) != v}
            notice.title, notice.body = new_title, new_body
        elif (title is not None and one_line(title) != notice.title) or \
                (body is not None and xml_safe(body).strip() != notice.body):
            raise NotAllowed("Rubrik och text i ett bevis om justering kommer från det justerade protokollet och "
                             "ändras inte. Skriv vad som är fel i rättelsen.",
                             "The title and text of a bevis om justering come from the adjusted protocol and are "
                             "not edited. Say what is wrong in the correction note.")
        line = f"{today.isoformat()}: {note}"
        notice.correction_note = f"{notice.correction_note}\n{line}" if notice.correction_note else line
        notice.corrected_at = svc.clock()
        record(session, svc, org_id=org_id, kind="notice_corrected", actor=actor, notice_id=notice.id,
               notice_kind=notice.kind, note=note, changed=sorted(changed))


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
    title, body = _texts(title, body)
    board_name = one_line(board_name or "")
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
