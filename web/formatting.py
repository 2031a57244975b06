"""Template filters every page uses for moments and dates."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from signering.local_time import local_time

_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def keep_dates(text) -> Markup:
    """The text, escaped, with each ISO date kept on one line: a narrow screen otherwise breaks
    "2024-04-16" at a hyphen into "2024-04-" and "16"."""
    return Markup(_ISO_DATE.sub(r'<span class="nowrap">\1</span>', str(escape(text))))


def register(app) -> None:
    # One format for every moment a page shows: Swedish local time with its zone.
    app.add_template_filter(local_time, "stockholm")
    app.add_template_filter(keep_dates, "keep_dates")
