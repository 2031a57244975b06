"""The load bench's ceiling: a Flask app with no middleware that answers a constant.

Started by ``bench/load.py`` under exactly the gunicorn settings of ``signering serve``
(``signering.commands.serve.gunicorn_argv``), so a ratio against it charges the app with
everything it adds: proxy handling, sessions, language, CSRF, security headers, the database.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return "ok"
