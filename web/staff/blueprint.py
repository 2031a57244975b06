"""The staff side's URL map (under /sekreterare). Handlers live in ``login``, ``protocols``,
``finalize``, ``prefill``, ``extracts``, ``at_meeting``, ``notices``, ``password`` and, for role admin,
``admin``, ``members``, ``api_tokens`` and ``signer_auth``; nothing here reads or writes data."""

from __future__ import annotations

from flask import Blueprint, session

from ..auth import login_required, me
from . import (admin, api_tokens, at_meeting, extracts, finalize, login, members, notices, password, prefill, present,
               protocols, signer_auth)

bp = Blueprint("staff", __name__, url_prefix="/sekreterare")

_ANYONE, _STAFF, _ADMIN = (lambda view: view), login_required, login_required(role="admin")

_ROUTES = [
    # (rule, endpoint, view, methods, who may use it)
    ("/logga-in", "login", login.login, ["GET", "POST"], _ANYONE),
    ("/logga-ut", "logout", login.logout, ["POST"], _ANYONE),
    ("/losenord", "change_password", password.change_password, ["GET", "POST"], _STAFF),
    ("/", "protocols", protocols.protocols, ["GET"], _STAFF),
    ("/protokoll/<int:protocol_id>", "protocol", protocols.protocol, ["GET"], _STAFF),
    ("/protokoll/<int:protocol_id>/pdf", "protocol_pdf", protocols.protocol_pdf, ["GET"], _STAFF),
    ("/protokoll/<int:protocol_id>/paminn", "remind", protocols.remind, ["POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/byt-undertecknare", "replace", protocols.replace, ["POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/dra-tillbaka", "withdraw", protocols.withdraw, ["POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/utdrag", "make_extract", extracts.make_extract, ["POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/mottagare", "add_recipient", extracts.add_recipient, ["POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/omedelbar-justering", "adjust_at_once", extracts.adjust_at_once, ["POST"],
     _STAFF),
    ("/nytt", "new_protocol", finalize.new_protocol, ["GET", "POST"], _STAFF),
    ("/nytt/las-in", "read_pdf", prefill.read_pdf, ["POST"], _STAFF),
    ("/omedelbar-justering", "start_at_meeting", at_meeting.start_at_meeting, ["GET", "POST"], _STAFF),
    ("/protokoll/<int:protocol_id>/ny-version", "new_version", finalize.new_version, ["GET", "POST"], _STAFF),
    ("/anslag", "notices", notices.notices, ["GET", "POST"], _STAFF),
    ("/anslag/<int:notice_id>/ta-ned", "notice_take_down", notices.take_down, ["POST"], _STAFF),
    ("/anslag/<int:notice_id>/ratta", "notice_correct", notices.correct, ["POST"], _STAFF),
    ("/admin/namnder", "admin_boards", admin.boards, ["GET", "POST"], _ADMIN),
    ("/admin/namnder/<int:board_id>", "admin_board_update", admin.board_update, ["POST"], _ADMIN),
    ("/admin/namnder/<int:board_id>/ledamoter", "admin_members", members.members_page, ["GET", "POST"], _ADMIN),
    ("/admin/namnder/<int:board_id>/ledamoter/importera", "admin_members_import", members.members_import,
     ["POST"], _ADMIN),
    ("/admin/namnder/<int:board_id>/ledamoter/<int:member_id>/ta-bort", "admin_member_remove",
     members.member_remove, ["POST"], _ADMIN),
    ("/admin/anvandare", "admin_users", admin.users, ["GET", "POST"], _ADMIN),
    ("/admin/anvandare/<int:user_id>/stang-av", "admin_user_deactivate", admin.user_deactivate, ["POST"], _ADMIN),
    ("/admin/webhooks", "admin_webhooks", admin.webhooks_page, ["GET", "POST"], _ADMIN),
    ("/admin/legitimering", "admin_signer_auth", signer_auth.signer_auth_page, ["GET", "POST"], _ADMIN),
    ("/admin/webhooks/<int:webhook_id>/stang-av", "admin_webhook_deactivate", admin.webhook_deactivate, ["POST"],
     _ADMIN),
    ("/admin/api-nycklar", "admin_api_tokens", api_tokens.tokens_page, ["GET", "POST"], _ADMIN),
    ("/admin/api-nycklar/<int:token_id>/aterkalla", "admin_api_token_revoke", api_tokens.token_revoke, ["POST"],
     _ADMIN),
]

for _rule, _endpoint, _view, _methods, _guard in _ROUTES:
    bp.add_url_rule(_rule, _endpoint, _guard(_view), methods=_methods)


@bp.context_processor
def _labels():
    return {"labels": present, "me": me() if session.get("user_id") else None}
