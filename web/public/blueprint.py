"""The public side's URL map: anslagstavla, verification, transparency log. Handlers live in
``board``, ``feed``, ``verify`` and ``log``; nothing here reads or writes data."""

from __future__ import annotations

from flask import Blueprint

from signering.local_time import local_time as when

from ..extensions import csrf, current_lang
from . import board, feed, log, verify
from .present import day, kind_label, notice_title, role_label

bp = Blueprint("public", __name__, static_folder="static", static_url_path="/public-static")

_ROUTES = [
    # (rule, endpoint, view, methods)
    ("/", "index", board.index, ["GET"]),
    ("/anslagstavla", "board_redirect", board.board_redirect, ["GET"]),
    ("/anslagstavla.atom", "atom_all", feed.atom, ["GET"]),
    ("/<org>/anslagstavla", "board", board.board, ["GET"]),
    ("/<org>/anslagstavla.atom", "atom", feed.atom, ["GET"]),
    ("/<org>/anslagstavla/arkiv", "archive", board.archive, ["GET"]),
    ("/<org>/anslagstavla/<int:notice_id>", "notice", board.notice, ["GET"]),
    ("/protokoll/<sha256>.pdf", "sealed_pdf", board.sealed_pdf, ["GET"]),
    ("/qr/<sha256>.svg", "qr", board.qr_svg, ["GET"]),
    ("/verifiera", "verify_page", verify.verify_page, ["GET"]),
    ("/verifiera", "verify_post", verify.verify_post, ["POST"]),
    ("/verifiera/<sha256>", "verify_hash_page", verify.verify_hash_page, ["GET"]),
    ("/api/v1/notices", "api_notices", feed.api_notices, ["GET"]),
    ("/api/v1/verify/<sha256>", "api_verify_hash", verify.api_verify_hash, ["GET"]),
    ("/api/v1/verify", "api_verify_post", verify.api_verify_post, ["POST"]),
    ("/api/v1/log/head", "log_head", log.head, ["GET"]),
    ("/api/v1/log/proof/<sha256>", "log_proof", log.proof, ["GET"]),
    ("/api/v1/log/consistency", "log_consistency", log.consistency, ["GET"]),
    ("/api/v1/log/checkpoint", "log_checkpoint_latest", log.checkpoint, ["GET"]),
    ("/api/v1/log/checkpoint/<int:size>", "log_checkpoint", log.checkpoint, ["GET"]),
    ("/api/v1/log/checkpoint/<int:size>/cosignature", "log_cosignature", log.cosignature, ["POST"]),
    ("/api/v1/log/key", "log_key", log.key, ["GET"]),
    ("/api/v1/log/entries", "log_entries", log.entries, ["GET"]),
]

for _rule, _endpoint, _view, _methods in _ROUTES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)

# Verification only reads; a token would force a session cookie on every anonymous visitor.
csrf.exempt(verify.verify_post)
csrf.exempt(verify.api_verify_post)
# Witnesses are machines without sessions; a cosignature is checked against a configured key instead.
csrf.exempt(log.cosignature)


@bp.context_processor
def _helpers():
    lang = current_lang()
    return {"day": lambda value: day(value, lang), "kind_label": kind_label, "notice_title": notice_title,
            "role_label": role_label,
            "when": when}
