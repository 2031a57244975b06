"""The legal dates of a protocol, computed from the meeting, justering and posting dates.

Sources (see shared/domain.md):
- justering at the latest 14 days after the meeting (Kommunallagen 5 kap. 69 §, 6 kap. 35 §);
- the justering announced on the anslagstavla at the latest the second day after it (8 kap. 12 §);
- an appeal within three weeks from the posting day (13 kap. 5 §), which by Lag (1930:173)
  1 § ends on the same weekday three weeks later and by 2 § moves to the next weekday when it
  falls on a Saturday, a Sunday, another public holiday, midsommarafton, julafton or nyårsafton;
- the notice stays up until the appeal period has run out, so it may come down the day after.

Whether the justering and posting deadlines move off a weekend is unsure; they are returned
as plain dates with flags the caller can warn on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays
from holidays.constants import PUBLIC

from .errors import DatesOutOfOrder, InvalidDate

JUSTERING_PERIOD = timedelta(days=14)
POSTING_PERIOD = timedelta(days=2)
APPEAL_PERIOD = timedelta(weeks=3)

_SATURDAY, _SUNDAY = 5, 6

_WEEKDAYS = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
# Lag 1930:173 2 § names these three eves itself. We add them by rule rather than through the
# package's DE_FACTO category, whose contents have changed between versions; a test checks that
# the two still agree.
_EVES = {
    "sv": {"midsummer": "Midsommarafton", "christmas": "Julafton", "new_year": "Nyårsafton"},
    "en": {"midsummer": "Midsummer Eve", "christmas": "Christmas Eve", "new_year": "New Year's Eve"},
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _lang(lang: str) -> str:
    return "en" if lang.startswith("en") else "sv"


@functools.lru_cache(maxsize=128)
def _public_holidays(year: int, lang: str) -> holidays.HolidayBase:
    # Only PUBLIC: the optional and bank categories add days such as trettondagsafton that do
    # not move a deadline. Sundays are checked by weekday, whatever the package does with them.
    return holidays.country_holidays(
        "SE", years=year, categories=(PUBLIC,), language="en_US" if lang == "en" else "sv", expand=False
    )


def _eve(day: date) -> str | None:
    if day.month == 12 and day.day == 24:
        return "christmas"
    if day.month == 12 and day.day == 31:
        return "new_year"
    # Midsommardagen is the Saturday between 20 and 26 June (Lag 1989:253), its eve the Friday before.
    if day.month == 6 and 19 <= day.day <= 25 and day.weekday() == 4:
        return "midsummer"
    return None


def day_off_reason(day: date, lang: str = "sv") -> str | None:
    """Why an appeal period ending on ``day`` moves on, or None when ``day`` is a weekday.

    A public holiday or eve is named before the weekday, so midsommardagen reads as such rather
    than as a Saturday.
    """
    lang = _lang(lang)
    name = _public_holidays(day.year, lang).get(day)
    if name:
        return name
    eve = _eve(day)
    if eve:
        return _EVES[lang][eve]
    if day.weekday() in (_SATURDAY, _SUNDAY):
        return _WEEKDAYS[lang][day.weekday()]
    return None


def is_deadline_exempt(day: date) -> bool:
    """True when a period ending on ``day`` runs on to the next weekday (Lag 1930:173 2 §)."""
    return day_off_reason(day) is not None


def next_weekday(day: date) -> date:
    """``day`` itself if it is a weekday in the sense of Lag 1930:173 2 §, else the next one."""
    while is_deadline_exempt(day):
        day += timedelta(days=1)
    return day


def justering_deadline(meeting: date) -> date:
    """The last day for justering: 14 days after the meeting, not moved off a weekend."""
    return meeting + JUSTERING_PERIOD


def posting_deadline(justering: date) -> date:
    """The last day to post the notice of justering: the second day after it, not moved."""
    return justering + POSTING_PERIOD


def appeal_last_day(posted: date) -> date:
    """The last day an appeal may reach the court when the notice was posted on ``posted``."""
    return next_weekday(posted + APPEAL_PERIOD)


def appeal_last_day_joint(postings: Iterable[date]) -> date:
    """The last appeal day for a gemensam nämnd: the period runs from the last municipality's posting."""
    postings = list(postings)
    if not postings:
        raise InvalidDate(
            "Ange minst ett anslagsdatum för den gemensamma nämnden.",
            "Give at least one posting date for the joint committee.",
        )
    return appeal_last_day(max(postings))


def takedown_earliest(posted: date) -> date:
    """The first day the notice may come down: the day after the last appeal day."""
    return appeal_last_day(posted) + timedelta(days=1)


@dataclass(frozen=True)
class DateWarning:
    code: str
    message_sv: str
    message_en: str

    def message(self, lang: str = "sv") -> str:
        return self.message_en if lang.startswith("en") else self.message_sv


@dataclass(frozen=True)
class LegalDates:
    """The computed dates of one justering event. Dates that need a missing input are None."""

    meeting_date: date
    justering_deadline: date
    justering_date: date | None = None
    #: For a gemensam nämnd, the last municipality's posting.
    posted_date: date | None = None
    posting_deadline: date | None = None
    appeal_last_day: date | None = None
    takedown_earliest: date | None = None

    @property
    def justering_deadline_on_day_off(self) -> bool:
        """The deadline falls on a weekend, holiday or eve; whether it then moves is unsure."""
        return is_deadline_exempt(self.justering_deadline)

    @property
    def posting_deadline_on_day_off(self) -> bool:
        return self.posting_deadline is not None and is_deadline_exempt(self.posting_deadline)

    @property
    def justering_late(self) -> bool:
        return self.justering_date is not None and self.justering_date > self.justering_deadline

    @property
    def posting_late(self) -> bool:
        return (
            self.posted_date is not None
            and self.posting_deadline is not None
            and self.posted_date > self.posting_deadline
        )

    def warnings(self) -> list[DateWarning]:
        found = []
        if self.justering_deadline_on_day_off and self.justering_date is None:
            found.append(DateWarning(
                "justering_deadline_on_day_off",
                f"Sista dag för justering, {format_date(self.justering_deadline)}, är ingen vardag. "
                "Det är osäkert om fristen flyttas; justera senast vardagen före.",
                f"The justering deadline, {format_date(self.justering_deadline, 'en')}, is not a weekday. "
                "Whether it moves is unsure; complete justering by the weekday before.",
            ))
        if self.justering_late:
            found.append(DateWarning(
                "justering_late",
                f"Justeringen skedde efter fristen ({format_date(self.justering_deadline)}).",
                f"Justering took place after the deadline ({format_date(self.justering_deadline, 'en')}).",
            ))
        if self.posting_deadline_on_day_off and self.posted_date is None:
            found.append(DateWarning(
                "posting_deadline_on_day_off",
                f"Sista dag för anslag, {format_date(self.posting_deadline)}, är ingen vardag. "
                "Det är osäkert om fristen flyttas; anslå senast vardagen före.",
                f"The posting deadline, {format_date(self.posting_deadline, 'en')}, is not a weekday. "
                "Whether it moves is unsure; post by the weekday before.",
            ))
        if self.posting_late:
            found.append(DateWarning(
                "posting_late",
                f"Anslaget sattes upp efter fristen ({format_date(self.posting_deadline)}).",
                f"The notice was posted after the deadline ({format_date(self.posting_deadline, 'en')}).",
            ))
        return found

    def to_json(self) -> dict[str, str | None]:
        """A JSON-ready dict with the public API's Swedish keys and ISO dates (None → null)."""
        def iso(day: date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "justering_senast": iso(self.justering_deadline),
            "anslag_senast": iso(self.posting_deadline),
            "overklagande_sista_dag": iso(self.appeal_last_day),
            "ned_tidigast": iso(self.takedown_earliest),
        }


def _plain_date(value: date, what: str) -> date:
    # datetime is a subclass of date, and mixing the two fails later with a less clear error.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a datetime.date, got {type(value).__name__}")
    return value


def compute(
    meeting_date: date,
    justering_date: date | None = None,
    posted_date: date | Iterable[date] | None = None,
) -> LegalDates:
    """All legal dates known from the given ones.

    ``posted_date`` may be a list of the postings of a gemensam nämnd; the appeal period then
    runs from the last of them. Raises :class:`DatesOutOfOrder` when justering precedes the
    meeting or a posting precedes the justering (or the meeting).
    """
    meeting_date = _plain_date(meeting_date, "meeting_date")
    if justering_date is not None:
        justering_date = _plain_date(justering_date, "justering_date")
        if justering_date < meeting_date:
            raise DatesOutOfOrder(
                f"Justeringsdatum {justering_date} ligger före sammanträdesdatum {meeting_date}. "
                "Kontrollera datumen: justeringen sker på eller efter sammanträdesdagen.",
                f"The justering date {justering_date} is before the meeting date {meeting_date}. "
                "Check the dates: justering happens on or after the day of the meeting.",
                justering_date=justering_date.isoformat(), meeting_date=meeting_date.isoformat(),
            )
    if isinstance(posted_date, date) or posted_date is None:
        postings = [] if posted_date is None else [posted_date]
    else:
        postings = list(posted_date)
    earliest_allowed = justering_date or meeting_date
    for posting in postings:
        posting = _plain_date(posting, "posted_date")
        if posting < earliest_allowed:
            after_sv, after_en = ("justeringsdatum", "justering date") if justering_date else ("sammanträdesdatum", "meeting date")
            raise DatesOutOfOrder(
                f"Anslagsdatum {posting} ligger före {after_sv} {earliest_allowed}. "
                "Kontrollera datumen: anslaget sätts upp efter justeringen.",
                f"The posting date {posting} is before the {after_en} {earliest_allowed}. "
                "Check the dates: the notice is posted after justering.",
                posted_date=posting.isoformat(), earlier_date=earliest_allowed.isoformat(),
            )
    posted = max(postings) if postings else None
    return LegalDates(
        meeting_date=meeting_date,
        justering_deadline=justering_deadline(meeting_date),
        justering_date=justering_date,
        posted_date=posted,
        posting_deadline=posting_deadline(justering_date) if justering_date else None,
        appeal_last_day=appeal_last_day(posted) if posted else None,
        takedown_earliest=takedown_earliest(posted) if posted else None,
    )


def parse_date(text: str, what_sv: str = "Datumet", what_en: str = "The date") -> date:
    """Read a YYYY-MM-DD date typed by a user; ``what_*`` name the field in the error message."""
    text = (text or "").strip()
    try:
        # fromisoformat alone would also take forms such as 20250923 or 2025-W39-2.
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(
            f"{what_sv} '{text}' är inget giltigt datum. Ange det som ÅÅÅÅ-MM-DD, t.ex. 2025-09-23.",
            f"{what_en} '{text}' is not a valid date. Give it as YYYY-MM-DD, e.g. 2025-09-23.",
            value=text,
        ) from None


def format_date(day: date, lang: str = "sv") -> str:
    """'fredag 2 januari 2026' (or 'Friday 2 January 2026'), independent of the process locale."""
    lang = _lang(lang)
    return f"{_WEEKDAYS[lang][day.weekday()]} {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"
