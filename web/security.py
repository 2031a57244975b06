"""Security headers on every response.

No inline script anywhere (CSP ``script-src 'self'``); pages may not be framed; signing
pages carry a token in their URL, so no page sends a Referer.
"""

from __future__ import annotations

from flask import request


_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_HSTS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
_NO_STORE = ("/signera/", "/api/v1/sign/", "/sekreterare", "/oidc/")


def register_security_headers(app) -> None:
    headers = _HEADERS + (_HSTS if app.config["SIGNERING"]["BASE_URL"].startswith("https://") else ())

    @app.after_request
    def _headers(response):
        h = response.headers
        # A view may set its own (a PDF frame's CSP, say). One pass over the few headers present:
        # ``setdefault`` per header raised and caught a KeyError for each absent one, a sixth of a
        # cached page's time.
        present = {name.lower() for name, _value in h.items()}
        h.extend([(name, value) for name, value in headers if name.lower() not in present])
        if request.path.startswith(_NO_STORE):
            h["Cache-Control"] = "no-store"
        return response
