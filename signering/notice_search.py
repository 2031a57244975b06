"""The archive search's text: a notice's title and board, case-folded once when written.

Neither SQLite's ``LIKE`` (ASCII only) nor ``lower()`` folds å, ä and ö, so the database
cannot fold at query time the way Python does. The notice stores the folded text instead
(``notice.search_text``) and the search folds the query the same way, so that "älv" finds
"Älvdalen" with a plain ``LIKE`` on either engine. Stdlib only: the migration that fills the
column for existing rows uses it too.
"""

from __future__ import annotations


def search_text(title: str | None, board_name: str | None) -> str:
    """What the archive search matches against. The newline keeps a query from matching across
    the title's end and the board's start, since a folded query holds no newline."""
    return f"{title or ''}\n{board_name or ''}".casefold()


def folded_query(query: str | None) -> str:
    """The query as it is matched: runs of whitespace made one space, then case-folded."""
    return " ".join((query or "").split()).casefold()
