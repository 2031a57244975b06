"""The Flask application. It calls the core (``signering``); the core never calls it."""

from .app import create_app

__all__ = ["create_app"]
