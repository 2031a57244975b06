"""URL map and handlers of the staff pages: log in, the protocol list, finalize, one protocol.

Every handler loads by (id, the session's organisation), so another organisation's ids
answer 404 exactly like ids that do not exist. Administration pages live in :mod:`.admin`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signering import accounts
from signering.errors import InputError, SigneringError
from signering.models import Event, Protocol, ProtocolVersion
from signering.workflow import manage
from signering.workflow.finalize import finalize

from ..auth import current_org_id, current_user, end_session, login_required, start_session
from . import present
from .forms import FinalizeForm
from .throttle import LoginThrottle

bp = Blueprint("staff", __name__, url_prefix="/sekreterare")


def _svc():
    from ..app import services

    return services()


def _me():
    if "staff_user" not in g:
        g.staff_user = current_user()
    return g.staff_user


def _lang() -> str:
    return getattr(g, "lang", "sv")


@bp.app_template_filter("stockholm")
def _stockholm(when):
    return present.local_time(when)


@bp.context_processor
def _labels():
    return {"labels": present, "me": _me() if session.get("user_id") else None}


# -- logging in ---------------------------------------------------------------------------

def _throttle() -> LoginThrottle:
    ext = current_app.extensions
    if "staff_login_throttle" not in ext:
        ext["staff_login_throttle"] = LoginThrottle(clock=_svc().clock)
    return ext["staff_login_throttle"]


def _local_path(target: str) -> bool:
    """Only paths on this site: no scheme, no host, and nothing a browser reads as one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if _me() is not None:
            return redirect(next_url if _local_path(next_url) else url_for("staff.protocols"))
        return render_template("staff/login.html", email="", next=next_url)
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1000]
    ip = request.remote_addr or ""
    throttle = _throttle()
    if throttle.blocked(email, ip):
        error = _("För många misslyckade inloggningsförsök. Vänta 15 minuter och försök igen, "
                  "eller be administratören om ett nytt lösenord.")
        return render_template("staff/login.html", email=email, next=next_url, error=error), 429
    with _svc().db.read() as s:
        user = accounts.authenticate(s, email, password)
        found = (user.id, user.organisation_id) if user is not None else None
    if found is None:
        throttle.failed(email, ip)
        error = _("Fel e-postadress eller lösenord. Kontrollera uppgifterna och försök igen.")
        return render_template("staff/login.html", email=email, next=next_url, error=error), 401
    throttle.succeeded(email, ip)
    # A fresh session on login: nothing from before (e.g. a planted session) carries over.
    start_session(*found)
    return redirect(next_url if _local_path(next_url) else url_for("staff.protocols"), code=303)


@bp.post("/logga-ut")
def logout():
    end_session()
    flash(_("Du är utloggad."), "ok")
    return redirect(url_for("staff.login"), code=303)


# -- protocols ----------------------------------------------------------------------------

def _scoped(s, protocol_id: int) -> Protocol:
    protocol = s.execute(select(Protocol).filter_by(id=protocol_id, organisation_id=current_org_id())
                         .options(selectinload(Protocol.versions).selectinload(ProtocolVersion.requests))
                         ).scalar_one_or_none()
    if protocol is None:
        abort(404)
    return protocol


@bp.get("/")
@login_required
def protocols():
    with _svc().db.read() as s:
        rows = s.execute(select(Protocol).filter_by(organisation_id=current_org_id())
                         .options(selectinload(Protocol.board),
                                  selectinload(Protocol.versions).selectinload(ProtocolVersion.requests))
                         .order_by(Protocol.meeting_date.desc(), Protocol.id.desc())).scalars().all()
        return render_template("staff/protocols.html", protocols=rows)


def _protocol_page(protocol_id: int, *, error: str | None = None, form: dict | None = None, status: int = 200):
    with _svc().db.read() as s:
        protocol = _scoped(s, protocol_id)
        events = s.execute(select(Event).filter_by(organisation_id=current_org_id(), protocol_id=protocol.id)
                           .order_by(Event.at, Event.id)).scalars().all()
        people = {r.id: r for v in protocol.versions for r in v.requests}
        version = protocol.current
        replaceable = [r for r in version.requests if r.status in ("waiting", "active", "locked")] \
            if version is not None and protocol.status == "signing" else []
        return render_template("staff/protocol.html", protocol=protocol, version=version, events=events,
                               people=people, turn=present.current_turn(protocol), declined=present.decline(protocol),
                               replaceable=replaceable, error=error, form=form or {},
                               **_extracts.page_context(s, protocol)), status


@bp.get("/protokoll/<int:protocol_id>")
@login_required
def protocol(protocol_id: int):
    return _protocol_page(protocol_id)


@bp.get("/protokoll/<int:protocol_id>/pdf")
@login_required
def protocol_pdf(protocol_id: int):
    svc = _svc()
    with svc.db.read() as s:
        protocol = _scoped(s, protocol_id)
        number = request.args.get("version", type=int)
        version = protocol.current if number is None else next(
            (v for v in protocol.versions if v.number == number), None)
        if version is None:
            abort(404)
        original = request.args.get("original") == "1"
        sha = version.original_sha256 if original else version.working_sha256
        stem = version.filename.rsplit(".", 1)[0] or "protokoll"
        suffix = "" if original else ("-justerat" if version.sealed_sha256 == sha else f"-v{version.number}")
    return send_file(svc.blobs.open(sha), mimetype="application/pdf", download_name=f"{stem}{suffix}.pdf",
                     max_age=0, conditional=False, etag=sha)


def _action(protocol_id: int, work):
    """Run one manage step on a protocol of this organisation; ``work`` returns the message to flash.

    Errors show the protocol page again, with what was typed, and the error's status.
    """
    with _svc().db.read() as s:
        _scoped(s, protocol_id)
    try:
        message = work()
    except SigneringError as exc:
        return _protocol_page(protocol_id, error=exc.message(_lang()), form=request.form.to_dict(),
                              status=exc.http_status)
    flash(message, "ok")
    return redirect(url_for("staff.protocol", protocol_id=protocol_id), code=303)


@bp.post("/protokoll/<int:protocol_id>/paminn")
@login_required
def remind(protocol_id: int):
    def work():
        # The person the secretary saw on the page: if they signed meanwhile, nobody else is reminded.
        request_id = request.form.get("request_id", type=int)
        name = manage.remind(_svc(), org_id=current_org_id(), protocol_id=protocol_id, actor=_me().email,
                             request_id=request_id)
        return _("En påminnelse med en ny länk skickades till %(name)s.", name=name)

    return _action(protocol_id, work)


@bp.post("/protokoll/<int:protocol_id>/byt-undertecknare")
@login_required
def replace(protocol_id: int):
    def work():
        try:
            position = int(request.form.get("position", ""))
        except ValueError:
            raise InputError("Välj vem som ska bytas ut.", "Choose who is to be replaced.") from None
        manage.replace_signer(_svc(), org_id=current_org_id(), protocol_id=protocol_id, position=position,
                              name=request.form.get("name", "")[:200], email=request.form.get("email", "")[:254],
                              actor=_me().email)
        return _("Undertecknaren är utbytt.")

    return _action(protocol_id, work)


@bp.post("/protokoll/<int:protocol_id>/dra-tillbaka")
@login_required
def withdraw(protocol_id: int):
    def work():
        reason = request.form.get("reason", "").strip()
        if not reason or len(reason) > 2000:
            raise InputError("Skriv varför protokollet dras tillbaka (högst 2000 tecken).",
                             "Write why the protocol is withdrawn (at most 2000 characters).")
        manage.withdraw(_svc(), org_id=current_org_id(), protocol_id=protocol_id, actor=_me().email, reason=reason)
        return _("Protokollet är tillbakadraget. Länkarna till undertecknarna gäller inte längre.")

    return _action(protocol_id, work)


# -- finalize -----------------------------------------------------------------------------

def _boards(s):
    from signering.models import Board

    return s.execute(select(Board).filter_by(organisation_id=current_org_id()).order_by(Board.name)).scalars().all()


def _finalize_page(form: FinalizeForm, *, protocol=None, error=None, status=200):
    with _svc().db.read() as s:
        return render_template("staff/new.html", form=form, boards=_boards(s), protocol=protocol, error=error), status


def _submit(form: FinalizeForm, protocol_id: int | None):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InputError("Välj protokollets PDF-fil.", "Choose the protocol's PDF file.", field="file")
    return finalize(_svc(), org_id=current_org_id(), board_name=form.board, meeting_date=form.date(),
                    signers=form.signers(), upload=upload.stream, filename=upload.filename,
                    actor=_me().email, protocol_id=protocol_id)


def _finalize_view(protocol_id: int | None):
    protocol = None
    if protocol_id is not None:
        with _svc().db.read() as s:
            protocol = _scoped(s, protocol_id)
            protocol.board  # loaded while the session is open; the template shows it
            if protocol.status not in ("signing", "declined"):
                return _protocol_page(protocol_id, status=409, error=_(
                    "En ny version kan bara laddas upp medan protokollet är under justering eller åter hos "
                    "sekreteraren."))
            blank = FinalizeForm.from_protocol(protocol)
    else:
        me = _me()
        blank = FinalizeForm.blank(me.name, me.email)
    if request.method == "GET":
        return _finalize_page(blank, protocol=protocol)
    form = blank
    try:
        form = FinalizeForm.from_request(request.form)
        new_id = _submit(form, protocol_id)
    except SigneringError as exc:
        form.pad()
        # The file cannot be put back into a file field: say so next to the error.
        return _finalize_page(form, protocol=protocol, error=exc.message(_lang()), status=exc.http_status)
    flash(_("Protokollet är skickat för justering. Den första undertecknaren har fått en inbjudan via e-post."), "ok")
    return redirect(url_for("staff.protocol", protocol_id=new_id), code=303)


@bp.route("/nytt", methods=["GET", "POST"])
@login_required
def new_protocol():
    return _finalize_view(None)


@bp.route("/protokoll/<int:protocol_id>/ny-version", methods=["GET", "POST"])
@login_required
def new_version(protocol_id: int):
    return _finalize_view(protocol_id)


from . import admin  # noqa: E402  (registers the administration routes on ``bp``)
from . import prefill as _prefill  # noqa: E402  (the "read from PDF" step of a new protocol)
from . import notices as _notices  # noqa: E402  (kungörelser, kallelser, underrättelser)
from . import extracts as _extracts  # noqa: E402  (protokollsutdrag, omedelbar justering)
from . import password as _password  # noqa: E402  (a user changes their own password)

admin.register(bp)
_prefill.register(bp)
_notices.register(bp)
_extracts.register(bp)
_password.register(bp)
