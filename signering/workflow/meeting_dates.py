"""The meeting date a protocol is sent with, checked against today and against the PDF.

A protocol whose meeting has not happened yet can never be posted (the notice's dates would
run backwards), so it is refused at upload instead of being signed by everyone and then stuck.
A justering after the legal deadline is possible but unlawful-looking, so the secretary has to
say that they know. A typed date that differs from the one printed in the PDF is only a warning:
the PDF reader can be wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import legal_dates
from ..errors import InputError
from ..legal_dates import format_date


class MeetingDateInFuture(InputError):
    code = "meeting_date_in_future"
    default_sv = "Sammanträdesdatumet ligger i framtiden. Ett protokoll kan bara justeras efter sammanträdet."
    default_en = "The meeting date is in the future. Minutes can only be adjusted after the meeting."


class JusteringDeadlinePassed(InputError):
    """Answered until the caller confirms (form checkbox ``confirm_late``, API ``confirm_late: true``)."""

    code = "justering_deadline_passed"
    http_status = 409
    default_sv = "Sista dag för justering har passerat. Bekräfta att protokollet ska skickas ändå."
    default_en = "The last day for justering has passed. Confirm that the minutes are to be sent anyway."


def check(meeting_date: dt.date, today: dt.date, *, confirm_late: bool, deadline_applies: bool = True) -> None:
    """Refuse a future meeting date; refuse a passed justering deadline unless confirmed."""
    if meeting_date > today:
        raise MeetingDateInFuture(
            f"Sammanträdesdatumet {meeting_date.isoformat()} ligger i framtiden (i dag är det {today.isoformat()}). "
            "Ett protokoll kan bara justeras och anslås efter sammanträdet. Kontrollera datumet, eller vänta "
            "tills sammanträdet har hållits.",
            f"The meeting date {meeting_date.isoformat()} is in the future (today is {today.isoformat()}). "
            "Minutes can only be adjusted and posted after the meeting. Check the date, or wait until the "
            "meeting has been held.",
            field="meeting_date", meeting_date=meeting_date.isoformat(), today=today.isoformat())
    deadline = legal_dates.justering_deadline(meeting_date)
    if deadline_applies and today > deadline and not confirm_late:
        raise JusteringDeadlinePassed(
            f"Sista dag för justering av protokollet från {meeting_date.isoformat()} var {format_date(deadline)} "
            f"(14 dagar efter sammanträdet). Kontrollera sammanträdesdatumet. Stämmer det, bekräfta att du vill "
            "skicka protokollet för justering ändå.",
            f"The last day for justering of the minutes of {meeting_date.isoformat()} was "
            f"{format_date(deadline, 'en')} (14 days after the meeting). Check the meeting date. If it is right, "
            "confirm that you want to send the minutes for justering anyway.",
            field="confirm_late", meeting_date=meeting_date.isoformat(), deadline=deadline.isoformat())


@dataclass(frozen=True)
class DateMismatch:
    """The typed meeting date and the one read from the PDF differ."""

    typed: dt.date
    in_pdf: dt.date
    code = "meeting_date_differs_from_pdf"

    def message(self, lang: str = "sv") -> str:
        if lang.startswith("en"):
            return (f"The meeting date given, {self.typed.isoformat()}, differs from the date in the PDF, "
                    f"{self.in_pdf.isoformat()}. If the date given is wrong, upload a new version with the right "
                    "date.")
        return (f"Sammanträdesdatumet som angavs, {self.typed.isoformat()}, skiljer sig från datumet i PDF-filen, "
                f"{self.in_pdf.isoformat()}. Är det angivna datumet fel: ladda upp en ny version med rätt datum.")

    def to_dict(self, lang: str = "sv") -> dict:
        return {"code": self.code, "message": self.message(lang), "meeting_date": self.typed.isoformat(),
                "pdf_meeting_date": self.in_pdf.isoformat()}


def mismatch(typed: dt.date, in_pdf: dt.date | None) -> DateMismatch | None:
    return DateMismatch(typed, in_pdf) if in_pdf is not None and in_pdf != typed else None


def from_event(detail: dict) -> DateMismatch | None:
    """The warning recorded with a version's upload (event ``date_mismatch``)."""
    try:
        return DateMismatch(dt.date.fromisoformat(detail["typed"]), dt.date.fromisoformat(detail["in_pdf"]))
    except (KeyError, TypeError, ValueError):
        return None
