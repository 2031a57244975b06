"""The board for machines: an Atom feed and a JSON list of the current notices.

The feed leaves out the signers' names: feed readers and aggregators keep copies long after
the notice comes down, and the names must come down with it. The JSON list is fetched live,
so it carries them while the notice is up.
"""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from signering import notices as notice_rules
from signering.models import Organisation
from signering.text_safety import one_line, xml_safe

from ..extensions import current_lang, services
from .log import latest_note
from .present import api_fields, day, kind_label, notice_view

ATOM = "http://www.w3.org/2005/Atom"


def _utc(value: dt.datetime | None) -> str:
    value = value or dt.datetime.now(dt.timezone.utc)
    if value.tzinfo is None:  # SQLite gives back naive datetimes; they were written in UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _current(org_slug: str | None) -> tuple[list[tuple[dict, str, tuple]], str | None]:
    """[(view, organisation name, (went up, last changed))] and the organisation's name (None for all)."""
    svc = services()
    with svc.db.read() as session:
        orgs = {o.id: o for o in session.execute(select(Organisation)).scalars()}
        if org_slug is not None:
            org = next((o for o in orgs.values() if o.slug == org_slug), None)
            if org is None:
                abort(404)
            rows = notice_rules.current(session, org.id, svc.today())
        else:
            org, rows = None, notice_rules.current_all(session, svc.today())
        items = [(notice_view(n, svc.settings.base_url, orgs[n.organisation_id].slug),
                  orgs[n.organisation_id].name, (notice_rules.went_up_at(n), notice_rules.last_changed_at(n)))
                 for n in rows]
        return items, org.name if org else None


def _summary(view: dict, lang: str) -> str:
    parts = [kind_label(view["kind"]) + "."]
    facts = [
        (_("Organ"), view["board"]),
        (_("Sammanträdesdatum"), day(view["meeting_date"], lang)),
        (_("Datum för justering"), day(view["justering_date"], lang)),
        (_("Anslaget"), day(view["posted_date"], lang)),
        (_("Sista dag för överklagande"), day(view["appeal_last_day"], lang)),
        (_("Anslaget tas ned"), day(view["takedown_date"], lang)),
        (_("Förvaringsplats för protokollet"), view["forvaringsplats"]),
    ]
    parts += [f"{label}: {value}." for label, value in facts if value]
    if view["body"]:
        parts.append(view["body"])
    if view["correction"]:
        parts.append(_("Rättelse: %(note)s", note=view["correction"]))
    return " ".join(parts)


def atom(org: str | None = None):
    items, org_name = _current(org)
    base = services().settings.base_url.rstrip("/")
    lang = current_lang()
    page = f"{base}/{org}/anslagstavla" if org else f"{base}/anslagstavla"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    sub = lambda parent, tag, text=None, **attrs: _sub(parent, tag, text, attrs)  # noqa: E731
    sub(feed, "id", page)
    sub(feed, "title", _("Anslagstavla – %(org)s", org=org_name) if org_name else _("Anslagstavlor"))
    sub(feed, "updated", _utc(max((changed for _v, _n, (_up, changed) in items), default=None, key=_utc)))
    sub(feed, "link", rel="self", href=f"{page}.atom")
    sub(feed, "link", rel="alternate", type="text/html", href=page)
    latest = latest_note()
    if latest is not None:
        # The checkpoint's text in the title: copies of the feed keep the head, not just a link.
        size, note = latest
        sub(feed, "link", rel="related", type="text/plain", href=f"{base}/api/v1/log/checkpoint/{size}",
            title=one_line(note.split("\n\n", 1)[0].replace("\n", " ")))
    author = sub(feed, "author")
    sub(author, "name", org_name or "Signering")
    for view, name, (went_up, changed) in items:
        entry = sub(feed, "entry")
        sub(entry, "id", view["url"])
        sub(entry, "title", one_line(f"{kind_label(view['kind'])}: {view['title']}"))
        sub(entry, "updated", _utc(changed))
        sub(entry, "published", _utc(went_up))
        sub(entry, "link", rel="alternate", type="text/html", href=view["url"])
        if view["sealed_pdf_url"]:
            sub(entry, "link", rel="enclosure", type="application/pdf", href=view["sealed_pdf_url"])
        entry_author = sub(entry, "author")
        sub(entry_author, "name", name)
        sub(entry, "summary", _summary(view, lang), type="text")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})


def _sub(parent, tag: str, text: str | None, attrs: dict) -> ET.Element:
    # The stored text is cleaned when it is written, but rows from before that, or an
    # organisation's name, pass here too: one character XML cannot carry breaks the whole feed.
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def api_notices():
    slug = request.args.get("org") or None
    items, _org_name = _current(slug)
    return jsonify({"notices": [api_fields(view) for view, _n, _c in items]})
