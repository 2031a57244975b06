"""Security headers on every response.

No inline script anywhere (CSP ``script-src 'self'``); pages may not be framed; signing
pages carry a token in their URL, so no page sends a Referer.
"""

from __future__ import annotations

from flask import request


def register_security_headers(app) -> None:
    https = app.config["SIGNERING"]["BASE_URL"].startswith("https://")

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if https:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(("/signera/", "/api/v1/sign/", "/sekreterare", "/oidc/")):
            h["Cache-Control"] = "no-store"
        return response
