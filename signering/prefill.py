"""Turn what the reader found in a protocol into a route: board, meeting date, signers with e-mails.

Only exact knowledge goes in: the board when its name is one of the organisation's boards,
e-mails from the member register by exact name. Whatever is not known stays empty for the
secretary (or the API caller) to give.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from .extract.model import ROLE_ORDER, ProtocolInfo
from .members import find_email, name_key
from .models import Board
from .workflow.finalize import SignerInput


@dataclass
class Prefill:
    #: an existing board's name as stored, or None
    board: str | None = None
    #: the board as written in the protocol (shown when it matches no board)
    board_text: str | None = None
    meeting_date: dt.date | None = None
    #: in signing order; ``email`` is "" when the register has no (unambiguous) address
    signers: list[SignerInput] = field(default_factory=list)
    has_text: bool = True


def match_board(session, org_id: int, text: str | None) -> str | None:
    """The organisation's board the protocol's board line names: equal, or contained as whole words.

    Whole words, so that "Kommunstyrelsens allmänna utskott" does not match "Kommunstyrelsen";
    the longest contained name wins ("Socialnämndens arbetsutskott" over "Socialnämnden").
    """
    wanted = name_key(text or "")
    if not wanted:
        return None
    names = session.execute(select(Board.name).filter_by(organisation_id=org_id)).scalars().all()
    for name in names:
        if name_key(name) == wanted:
            return name
    contained = [name for name in names if name_key(name) and
                 re.search(r"(?<!\w)" + re.escape(name_key(name)) + r"(?!\w)", wanted)]
    return max(contained, key=len) if contained else None


def prefill(session, org_id: int, info: ProtocolInfo) -> Prefill:
    board = match_board(session, org_id, info.board)
    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    people = sorted(info.signers, key=lambda s: order.get(s.role, len(order)))
    signers = [SignerInput(p.name, find_email(session, org_id, board or info.board, p.name) or "", p.role)
               for p in people]
    return Prefill(board=board, board_text=info.board, meeting_date=info.meeting_date, signers=signers,
                   has_text=info.has_text)
