"""The demo's mail page (/demo/epost): only registered when SIGNERING_DEMO_MAILDIR is set by
``make run``. It shows what the local mail catcher received, so links and codes can be used."""

from __future__ import annotations

import email
import email.policy
import email.utils
import os

from flask import Blueprint, current_app, render_template

bp = Blueprint("demo", __name__, url_prefix="/demo")


@bp.get("/epost")
def mails():
    maildir = current_app.config["SIGNERING_DEMO_MAILDIR"]
    items = []
    for name in sorted((n for n in os.listdir(maildir) if n.endswith(".eml")), reverse=True)[:50]:
        with open(os.path.join(maildir, name), "rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        items.append({"to": msg["To"], "subject": msg["Subject"], "date": _sent_at(msg["Date"]),
                      "body": body.get_content() if body else ""})
    return render_template("demo/mails.html", items=items)


def _sent_at(header: str | None):
    """The Date header as a moment (shown in Swedish time like every other page), or as written."""
    try:
        return email.utils.parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        return header
