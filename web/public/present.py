"""One public view of a notice, shared by the pages, the Atom feed and the JSON list.

Only what the anslagstavla may show goes in: names and roles of signers (while posted),
never e-mail addresses; the signers list is rebuilt key by key so nothing else slips through.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signering.legal_dates import format_date
from signering.models import Notice
from signering.route import NoticeStatus



#: lazy: a list page asks for one label per row, and each translation costs a lookup in the request
_KIND_LABELS = {
    "bevis_om_justering": _l("Bevis om justering"),
    "kungorelse": _l("Kungörelse"),
    "kallelse": _l("Kallelse"),
    "underrattelse": _l("Underrättelse"),
}


def kind_label(kind: str) -> str:
    label = _KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def notice_title(view: dict) -> str:
    """The notice's title in the page's language. A bevis om justering's title was made from its
    board and date ("Kommunstyrelsen, sammanträde 2025-09-16"), so it can be said in English too;
    any other title is shown as the secretary wrote it."""
    made = f"{view.get('board')}, sammanträde {view.get('meeting_date')}"
    title = view.get("title") or ""
    if view.get("kind") == "bevis_om_justering" and view.get("board") and title.startswith(made):
        return _("%(board)s, sammanträde %(date)s", board=view["board"], date=view["meeting_date"]) + title[len(made):]
    return title


def role_label(role: str) -> str:
    return {
        "sekreterare": _("Sekreterare"),
        "ordforande": _("Ordförande"),
        "justerare": _("Justerare"),
    }.get(role, role)


def day(value: dt.date | str | None, lang: str = "sv") -> str:
    """'fredag 2 januari 2026' for a date or its ISO text; empty for none."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return format_date(value, lang) if value else ""


def sealed_version(notice: Notice):
    """The sealed version behind a bevis om justering, or None."""
    if notice.protocol is None:
        return None
    sealed = [v for v in notice.protocol.versions if v.sealed_sha256 and not v.voided]
    return sealed[-1] if sealed else None


def notice_view(notice: Notice, base_url: str, org_slug: str, today: dt.date | None = None) -> dict:
    """With ``today``, a notice past its take-down date shows as taken down even before the
    worker's sweep has archived it (names and PDF link gone with it)."""
    base = base_url.rstrip("/")
    version = sealed_version(notice)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    up = notice.status == NoticeStatus.POSTED and (today is None or notice.takedown_date > today)
    view = {
        "id": notice.id,
        "organisation": org_slug,
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body or "",
        "board": notice.board_name or None,
        "meeting_date": iso(notice.meeting_date),
        "justering_date": iso(notice.justering_date),
        "posted_date": iso(notice.posted_date),
        "appeal_last_day": iso(notice.appeal_last_day),
        "takedown_date": iso(notice.takedown_date),
        "forvaringsplats": notice.forvaringsplats or None,
        "status": NoticeStatus.POSTED if up else NoticeStatus.ARCHIVED,
        # Cleared by the sweep when the notice comes down; the check here is belt and braces.
        "signers": ([{"name": str(s.get("name", "")), "role": str(s.get("role", ""))} for s in notice.signers or []
                     if isinstance(s, dict)] if up else []),
        # "2025-09-12: Rätt tid är 13.00" lines, oldest first; empty when never corrected
        "correction": notice.correction_note or None,
        "takedown_reason": notice.takedown_reason or None,
        "original_sha256": version.original_sha256 if version else None,
        "sealed_sha256": version.sealed_sha256 if version else None,
        # The PDF names the signers, so it is served only while the notice is up.
        "sealed_pdf_url": (f"{base}/protokoll/{version.sealed_sha256}.pdf"
                           if version and up else None),
        "verify_url": f"{base}/verifiera/{version.original_sha256}" if version else None,
        "url": f"{base}/{org_slug}/anslagstavla/{notice.id}",
    }
    return view


def api_fields(view: dict) -> dict:
    """The documented JSON of ``GET /api/v1/notices``."""
    keys = ("id", "organisation", "kind", "title", "body", "correction", "board", "meeting_date", "justering_date", "posted_date",
            "appeal_last_day", "takedown_date", "forvaringsplats", "signers", "sealed_pdf_url", "verify_url")
    return {k: view[k] for k in keys}


def paragraphs(text: str) -> list[list[str]]:
    """Body text as paragraphs (blank-line separated) of lines, for templates without inline styles."""
    blocks = [b for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [b.strip("\n").split("\n") for b in blocks]
