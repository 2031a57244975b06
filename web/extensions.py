"""What every part of the web app shares: the Flask extensions, the services, the language.

Blueprints and handlers import from here, never from :mod:`web.app`; ``app`` imports the
blueprints and wires these objects into one application, so nothing imports it back.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from signering.workflow.services import Services

csrf = CSRFProtect()
babel = Babel()
LANGS = ("sv", "en")


def select_locale() -> str:
    """The language asked for by ``?lang=`` or remembered in the cookie; Swedish otherwise."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGS else "sv"


def current_lang() -> str:
    """This request's language, as chosen before the request (see ``create_app``)."""
    return getattr(g, "lang", "sv")


def services() -> Services:
    """The one set of services the running app was built over."""
    return current_app.extensions["signering"]
