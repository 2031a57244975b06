"""Omedelbar justering started at the meeting, from the paragraph's own text.

The meeting decides that § 19 be adjusted at once, usually before the protocol is written. The
secretary starts the route from the paragraph alone: its text typed in (made into a PDF here) or
a PDF of just that paragraph, with the board, meeting date and the people who sign. It runs like
any omedelbar justering and is posted on its own. When the full protocol of that board and
meeting is uploaded and holds § 19, the two are linked (:func:`omedelbar.link_started_at_meeting`):
the protocol then waits for the paragraph and its notice names it.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from ..errors import InputError
from ..models import Board, Organisation
from ..text_safety import one_line, xml_safe
from ..textpdf import render_text_pdf
from .finalize import SignerInput, finalize

MAX_TEXT = 50_000
MAX_TITLE = 300
#: the last words of the paragraph's PDF: what the signers attest and why it stands alone
NOTE = ("Sammanträdet beslutade att paragrafen skulle justeras omedelbart. Den justeras för sig, före resten av "
        "protokollet, och anslås med egna datum för överklagande.")


def paragraph_number(value) -> int:
    try:
        number = int(str(value).strip().lstrip("§").strip())
    except (TypeError, ValueError):
        number = 0
    if not 0 < number < 10_000:
        raise InputError("Ange paragrafens nummer, t.ex. 19.", "Give the paragraph's number, e.g. 19.",
                         field="paragraph")
    return number


def paragraph_pdf(*, number: int, title: str, text: str, board: str, meeting_date: dt.date,
                  organisation: str) -> bytes:
    """The paragraph as a protocol page: who met when, "§ 19 Title", its text and the note."""
    body = xml_safe(text or "").strip()
    if not body:
        raise InputError("Skriv in paragrafens text, eller välj en PDF med paragrafen.",
                         "Type in the paragraph's text, or choose a PDF holding the paragraph.", field="text")
    if len(body) > MAX_TEXT:
        raise InputError(f"Texten är för lång (högst {MAX_TEXT} tecken). Välj en PDF med paragrafen i stället.",
                         f"The text is too long (at most {MAX_TEXT} characters). Choose a PDF of the paragraph "
                         "instead.", field="text")
    heading = f"§ {number} {one_line(title)[:MAX_TITLE]}".strip()
    return render_text_pdf("\n".join([organisation, board, "", "Omedelbart justerad paragraf",
                                      f"Sammanträdesdatum: {meeting_date.isoformat()}", "", heading, "", body, "",
                                      NOTE]), header=f"{board} {meeting_date.isoformat()} {heading}"[:200])


def start(svc, *, org_id: int, board_name: str, meeting_date: dt.date, paragraph, signers: list[SignerInput],
          title: str = "", text: str = "", upload=None, filename: str = "", actor: str = "") -> int:
    """Start the omedelbar justering of § ``paragraph`` of a meeting whose protocol is not uploaded
    yet. ``upload`` (a PDF holding the paragraph) or ``text`` (made into one). Returns its id."""
    number = paragraph_number(paragraph)
    if not isinstance(meeting_date, dt.date):
        raise InputError("Sammanträdesdatum saknas.", "The meeting date is missing.", field="meeting_date")
    if upload is None:
        with svc.db.read() as session:
            organisation = session.get(Organisation, org_id)
            board = session.execute(select(Board).filter_by(organisation_id=org_id, name=(board_name or "").strip())
                                    ).scalar_one_or_none()
            org_name, board_label = organisation.name, board.name if board else board_name
        upload = io.BytesIO(paragraph_pdf(number=number, title=title, text=text, board=board_label,
                                          meeting_date=meeting_date, organisation=org_name))
    filename = filename or f"omedelbar-justering-{meeting_date.isoformat()}-p{number}.pdf"
    return finalize(svc, org_id=org_id, board_name=board_name, meeting_date=meeting_date, signers=signers,
                    upload=upload, filename=filename, actor=actor, kind="omedelbar", parent_id=None,
                    paragraphs=[number])
