"""The anslagstavla: landing page, each organisation's board, its archive, one notice, the PDF."""

from __future__ import annotations

import datetime as dt
import io

import qrcode
import qrcode.constants
import qrcode.image.svg
from flask import abort, g, redirect, render_template, request, send_file, url_for
from sqlalchemy import null, select

from signering import notices as notice_rules
from signering.local_time import STOCKHOLM
from signering.models import Notice, Organisation, Protocol, ProtocolVersion
from signering.registry import InvalidHash, normalise

from ..extensions import services
from ..paging import page_arg, page_count
from .log import latest_note
from .page_cache import app_cache
from .present import notice_view, paragraphs
from signering.route import JUSTERAT, NoticeStatus

ARCHIVE_PAGE = 50
#: the newest notices first; a board with hundreds of notices is read page by page
BOARD_PAGE = 20


def _org(session, slug: str) -> Organisation:
    org = session.execute(select(Organisation).filter_by(slug=slug)).scalar_one_or_none()
    if org is None:
        abort(404)
    return org


def _organisations(session) -> list[Organisation]:
    return session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()


def index():
    svc = services()
    with svc.db.read() as session:
        orgs = [(o.slug, o.name) for o in _organisations(session)]
    return render_template("public/index.html", orgs=orgs)


def board_redirect():
    svc = services()
    with svc.db.read() as session:
        orgs = [(o.slug, o.name) for o in _organisations(session)]
    if len(orgs) == 1:
        return redirect(url_for("public.board", org=orgs[0][0]))
    return render_template("public/organisations.html", orgs=orgs)


#: How long a board's fingerprint is reused before it is asked again. A change made by this
#: process shows at once (its commit count is in the key); one made by another process (the
#: worker posting a notice, another server) shows within this time.
FINGERPRINT_SECONDS = 1.0


def _fingerprint(svc, org: str, today):
    """The board's fingerprint (see ``board_fingerprint``), reused for up to a second.

    At a thousand visitors a second its query was half of what a cached board costs.
    """
    cache = app_cache("board_fingerprint", max_entries=1024, ttl=FINGERPRINT_SECONDS)
    key = (org, today, svc.db.commits)
    found = cache.get(key)
    if found is None:
        # One query on a plain connection, no ORM session.
        with svc.db.engine.connect() as conn:
            found = notice_rules.board_fingerprint(conn, org, today) or ()
        cache.put(key, found)
    return found or None


def board(org: str):
    svc = services()
    page = page_arg()
    today = svc.today()
    found = _fingerprint(svc, org, today)
    if found is None:
        abort(404)
    org_id, name, fingerprint = found
    key = (org, g.lang, page, fingerprint)
    # The rendered board is the same for every visitor until a notice goes up or comes down,
    # the day changes or the log gets a new checkpoint (the fingerprint); the TTL only bounds
    # memory, not correctness.
    cache = app_cache("board", max_entries=256, ttl=60)
    html = cache.get(key)
    if html is not None:
        return html
    checkpoint = latest_note()
    total = fingerprint[0]
    with svc.db.read() as session:
        items = [notice_view(n, svc.settings.base_url, org, today)
                 for n in notice_rules.current(session, org_id, today, offset=(page - 1) * BOARD_PAGE,
                                               limit=BOARD_PAGE)]
    pages = page_count(total, BOARD_PAGE)
    html = render_template("public/board.html", org_slug=org, org_name=name, notices=items, paragraphs=paragraphs,
                           total=total, page=page, pages=pages, checkpoint=checkpoint)
    cache.put(key, html)
    return html


def archive(org: str):
    svc = services()
    query = (request.args.get("q") or "").strip()[:200]
    page = page_arg()
    today = svc.today()
    with svc.db.read() as session:
        row = _org(session, org)
        found, total = notice_rules.archived(session, row.id, query, offset=(page - 1) * ARCHIVE_PAGE,
                                             limit=ARCHIVE_PAGE, today=today)
        items = [notice_view(n, svc.settings.base_url, row.slug, today) for n in found]
        name = row.name
    pages = page_count(total, ARCHIVE_PAGE)
    return render_template("public/archive.html", org_slug=org, org_name=name, notices=items, q=query,
                           total=total, page=page, pages=pages)


def notice(org: str, notice_id: int):
    svc = services()
    with svc.db.read() as session:
        row = _org(session, org)
        item = session.execute(select(Notice).filter_by(id=notice_id, organisation_id=row.id)).scalar_one_or_none()
        # A notice announced for a later day is not public until that day, and one taken down
        # before that day never was.
        today = svc.today()
        if item is None or item.posted_date > min(today, item.takedown_date):
            abort(404)
        view = notice_view(item, svc.settings.base_url, row.slug, today)
        name = row.name
    return render_template("public/notice.html", org_slug=org, org_name=name, n=view, paragraphs=paragraphs)


def sealed_pdf(sha256: str):
    svc = services()
    try:
        sha = normalise(sha256)
    except InvalidHash:
        abort(404)
    today = svc.today()
    with svc.db.read() as session:
        # Only what the anslagstavla shows today: a protocol still being signed, or one
        # withdrawn, has no public PDF even if someone learns its hash, and neither has one
        # whose notice has come down (its names were public for the appeal period only; the
        # protocol is then requested from the organisation as an allmän handling).
        hit = session.execute(
            select(ProtocolVersion.id, Protocol.meeting_date, Notice.takedown_date)
            .join(Protocol, ProtocolVersion.protocol_id == Protocol.id)
            .join(Notice, Notice.protocol_id == Protocol.id)
            .where(ProtocolVersion.sealed_sha256 == sha, Notice.status == NoticeStatus.POSTED, Notice.takedown_date > today)
        ).first()
        if hit is None:
            # A sealed protokollsutdrag has no notice of its own; it is sent to the recipients
            # of the decision by this link.
            hit = session.execute(
                select(ProtocolVersion.id, Protocol.meeting_date, null())
                .join(Protocol, ProtocolVersion.protocol_id == Protocol.id)
                .where(ProtocolVersion.sealed_sha256 == sha, Protocol.kind == "utdrag",
                       Protocol.status.in_(JUSTERAT))
            ).first()
    if hit is None or not svc.blobs.exists(sha):
        abort(404)
    max_age = _PDF_MAX_AGE if hit[2] is None else _seconds_until(hit[2], svc.clock(), _PDF_MAX_AGE)
    response = send_file(svc.blobs.path(sha), mimetype="application/pdf", as_attachment=False,
                         download_name=f"protokoll-{hit.meeting_date.isoformat()}-{sha[:12]}.pdf",
                         conditional=True, etag=sha, max_age=max_age)
    response.headers["Cache-Control"] = f"public, max-age={max_age}, immutable"
    return response


#: a day; a notice's PDF is kept in caches no longer than until its take-down day starts
_PDF_MAX_AGE = 86400


def _seconds_until(day: dt.date, now: dt.datetime, cap: int) -> int:
    """Whole seconds from ``now`` to the start of ``day`` in Swedish time, between 0 and ``cap``."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM)
    return max(0, min(cap, int((start - now).total_seconds())))


def qr_svg(sha256: str):
    try:
        sha = normalise(sha256)
    except InvalidHash:
        abort(404)
    target = f"{services().settings.base_url.rstrip('/')}/verifiera/{sha}"
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(target)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    response = send_file(io.BytesIO(out.getvalue()), mimetype="image/svg+xml", max_age=86400)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
