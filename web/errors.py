"""One error renderer: JSON under /api/, an HTML page elsewhere. Never a stack trace."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from signering.errors import SigneringError, TooLarge

from .extensions import current_lang

log = logging.getLogger("signering.web")

_HTTP_MESSAGES = {
    400: ("Begäran kunde inte förstås. Kontrollera uppgifterna och försök igen.",
          "The request could not be understood. Check the details and try again."),
    401: ("Du behöver logga in.", "You need to sign in."),
    403: ("Du har inte behörighet till detta.", "You may not do this."),
    404: ("Sidan finns inte.", "The page does not exist."),
    405: ("Metoden stöds inte här.", "The method is not supported here."),
    413: ("Filen är för stor.", "The file is too large."),
    429: ("För många försök. Vänta en stund och försök igen.", "Too many attempts. Wait a while and try again."),
    500: ("Ett oväntat fel inträffade. Försök igen; kvarstår felet, kontakta driften.",
          "An unexpected error occurred. Try again; if it persists, contact operations."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, code: str, message: str):
    if wants_json():
        return jsonify({"error": code, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def retry_headers(exc: SigneringError) -> dict:
    """Retry-After for errors that say when to come back (e.g. a signature still being made)."""
    retry = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry)} if retry else {}


def register_error_handlers(app) -> None:
    @app.errorhandler(SigneringError)
    def _domain(exc: SigneringError):
        body, status = render_error(exc.http_status, exc.code, exc.message(current_lang()))
        return body, status, retry_headers(exc)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, "csrf_failed", "Formuläret hade gått ut. Ladda om sidan och försök igen."
                            if current_lang() == "sv" else "The form had expired. Reload the page and try again.")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        err = TooLarge(app.config["MAX_CONTENT_LENGTH"] - 64 * 1024)
        return render_error(413, err.code, err.message(current_lang()))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        sv, en = _HTTP_MESSAGES.get(exc.code, (exc.description, exc.description))
        body, status = render_error(exc.code, exc.name.lower().replace(" ", "_"), sv if current_lang() == "sv" else en)
        # A 405 must say which methods do work (RFC 9110); werkzeug knows them.
        allow = getattr(exc, "valid_methods", None)
        return body, status, ({"Allow": ", ".join(sorted(allow))} if allow else {})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from .gunicorn_logging import mask

        log.exception("unexpected error on %s %s", request.method, mask(request.path))
        sv, en = _HTTP_MESSAGES[500]
        return render_error(500, "internal_error", sv if current_lang() == "sv" else en)
