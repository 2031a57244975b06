"""Reading the finalize form: what the secretary typed, kept as typed so an error can show it again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from signering.errors import InputError, InvalidDate
from signering.workflow.finalize import SignerInput, live

#: rows the form always offers: one secretary, one chair, this many justerare
JUSTERARE_ROWS = 3


@dataclass
class Row:
    role: str
    name: str = ""
    email: str = ""
    #: as typed, for this request only: never rendered back into the form (see signering/identity.py)
    personnummer: str = ""

    @property
    def empty(self) -> bool:
        return not self.name.strip() and not self.email.strip()


@dataclass
class FinalizeForm:
    board: str = ""
    meeting_date: str = ""
    rows: list[Row] = field(default_factory=list)
    #: the secretary knows the justering deadline has passed (asked for only when it has)
    confirm_late: bool = False

    @classmethod
    def blank(cls, secretary_name: str = "", secretary_email: str = "") -> FinalizeForm:
        return cls(rows=[Row("sekreterare", secretary_name, secretary_email), Row("ordforande")]
                   + [Row("justerare") for _ in range(JUSTERARE_ROWS)])

    @classmethod
    def from_protocol(cls, protocol) -> FinalizeForm:
        """The form for a new version: same board, date and people as the version it replaces."""
        rows = [Row(r.role, r.name, r.email) for r in live(protocol.current)] if protocol.current else []
        form = cls(board=protocol.board.name, meeting_date=protocol.meeting_date.isoformat(), rows=rows)
        form.pad()
        return form

    @classmethod
    def from_request(cls, form) -> FinalizeForm:
        roles, names, emails = (form.getlist(k) for k in ("signer_role", "signer_name", "signer_email"))
        if not (len(roles) == len(names) == len(emails)):
            raise InputError("Formuläret är ofullständigt. Ladda om sidan och fyll i det igen.",
                             "The form is incomplete. Reload the page and fill it in again.")
        numbers = form.getlist("signer_personnummer")
        numbers = numbers if len(numbers) == len(roles) else [""] * len(roles)
        rows = [Row(r.strip()[:16], n.strip()[:200], e.strip()[:254], p.strip()[:20])
                for r, n, e, p in zip(roles, names, emails, numbers)]
        return cls(board=form.get("board", "").strip()[:200], meeting_date=form.get("meeting_date", "").strip()[:20],
                   rows=rows[:50], confirm_late=form.get("confirm_late") == "1")

    def pad(self) -> None:
        """Offer at least the standard rows, and always one empty justerare row to fill in."""
        if not any(r.role == "sekreterare" for r in self.rows):
            self.rows.insert(0, Row("sekreterare"))
        if not any(r.role == "ordforande" for r in self.rows):
            self.rows.insert(1, Row("ordforande"))
        justerare = sum(r.role == "justerare" for r in self.rows)
        for _ in range(max(JUSTERARE_ROWS - justerare, 1 if all(not r.empty for r in self.rows) else 0)):
            self.rows.append(Row("justerare"))

    def signers(self) -> list[SignerInput]:
        # Empty extra rows are normal (three justerare rows are offered); a row half filled is not.
        return [SignerInput(r.name, r.email, r.role, r.personnummer) for r in self.rows if not r.empty]

    def date(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.meeting_date)
        except ValueError:
            if not self.meeting_date:
                raise InvalidDate("Ange sammanträdesdatum.", "Give the meeting date.", field="meeting_date") from None
            raise InvalidDate(field="meeting_date") from None
