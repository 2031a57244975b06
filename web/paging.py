"""``?sida=``: the page a long list is read at (the anslagstavla, its archive, the staff's protocols)."""

from __future__ import annotations

from flask import abort, request

#: far beyond any real list; keeps the row offset inside the database's 64-bit integers
MAX_PAGE = 1_000_000


def page_arg() -> int:
    """Unreadable means the first page; a page number no list can reach is 404."""
    try:
        page = int(request.args.get("sida", "1"))
    except ValueError:
        return 1
    if page > MAX_PAGE:
        abort(404)
    return max(1, page)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
