"""Application factory: ``create_app(config)`` builds one app over one set of services."""

from __future__ import annotations

import logging
import os

from flask import Flask, g, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from signering.runtime import build_services
from signering.workflow.services import Services

from . import config as config_mod
from . import formatting
from .api.blueprint import bp as api_bp
from .errors import register_error_handlers
from .extensions import LANGS, babel, csrf, select_locale
from .pki.blueprint import bp as pki_bp
from .proxy import TrustedProxies
from .public.blueprint import bp as public_bp
from .security import register_security_headers
from .sign.blueprint import bp as sign_bp
from .sign.oidc import bp as oidc_bp
from .staff.blueprint import bp as staff_bp


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number no database column can hold matches no route (404).

    Without the bound, ``/…/99999999999999999999`` reached the query and SQLite raised
    OverflowError (a 500); ids and page numbers are 64-bit signed integers in both dialects.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


class ServerLikeClient(FlaskClient):
    """A test client that closes each response once it is read, as every WSGI server does.

    Flask's own leaves it open, so work that runs after the answer (``web.after_response``)
    would never run in tests.
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the signer built once per key, not per request
    (building it was a tenth of a cached public page's time)."""

    _signer: tuple | None = None

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._signer
        if cached is None or cached[0] != key:
            cached = self._signer = (key, super().get_signing_serializer(app))
        return cached[1]


def create_app(overrides: dict | None = None, *, services: Services | None = None) -> Flask:
    cfg = config_mod.from_env(overrides)
    app = Flask(__name__, instance_path=cfg["INSTANCE_DIR"])
    app.test_client_class = ServerLikeClient
    app.session_interface = SessionCookies()
    # Set before any blueprint adds its rules: the converter is chosen when a rule is added.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(
        SECRET_KEY=cfg["SECRET_KEY"],
        MAX_CONTENT_LENGTH=cfg["MAX_UPLOAD_MB"] * 1024 * 1024 + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg["BASE_URL"].startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        SIGNERING=cfg,
    )
    if services is None:
        services = build_services(cfg)
    app.extensions["signering"] = services

    app.wsgi_app = TrustedProxies(app.wsgi_app, cfg.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    register_error_handlers(app)
    register_security_headers(app)

    for bp in (public_bp, sign_bp, oidc_bp, staff_bp, api_bp, pki_bp):
        app.register_blueprint(bp)
    if os.environ.get("SIGNERING_DEMO_MAILDIR"):
        from .demo.blueprint import bp as demo_bp

        app.config["SIGNERING_DEMO_MAILDIR"] = os.environ["SIGNERING_DEMO_MAILDIR"]
        app.register_blueprint(demo_bp)
    formatting.register(app)
    csrf.exempt(api_bp)
    csrf.exempt(pki_bp)

    @app.before_request
    def _lang():
        g.lang = select_locale()

    @app.after_request
    def _remember_lang(response):
        if request.args.get("lang") in LANGS:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax",
                                secure=app.config["SESSION_COOKIE_SECURE"], httponly=True)
        return response

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on every page whatever the HTML says; without it, a 404 each time.
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=7 * 86400)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    logging.getLogger("signering").setLevel(logging.INFO)
    return app
