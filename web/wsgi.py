"""WSGI entry point for gunicorn: ``gunicorn web.wsgi:app``."""

import gc

from .app import create_app

app = create_app()

# Everything loaded so far (Flask, SQLAlchemy, pyHanko, the app) lives as long as the process.
# Frozen, the collector stops re-scanning it on every full collection: those scans over a few
# hundred thousand objects were the slowest one per cent of public requests under load.
gc.freeze()
