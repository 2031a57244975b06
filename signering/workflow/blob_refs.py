"""Blobs no row names: written for a step that then failed, or superseded by a newer state.

Blobs are written before the transaction that names them commits; these helpers remove the
ones that end up unnamed. Anything a crash leaves behind is removed by the start-up sweep.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import select

from ..models import ProtocolVersion, SealedFile


@contextlib.contextmanager
def drop_on_error(svc, *shas):
    """A failure inside the transaction must not strand the blobs written for it.

    Each argument is a hash or a list that the block fills as it writes blobs.
    """
    try:
        yield
    except BaseException:
        for item in shas:
            for sha in ([item] if isinstance(item, str) else list(item)):
                drop_unreferenced(svc, sha)
        raise


def drop_unreferenced(svc, sha: str) -> None:
    """Remove the blob unless a row names it."""
    with svc.db.read() as session:
        used = session.execute(select(ProtocolVersion.id).where(
            (ProtocolVersion.original_sha256 == sha) | (ProtocolVersion.working_sha256 == sha)
            | (ProtocolVersion.sealed_sha256 == sha))).first()
        used = used or session.execute(select(SealedFile.id).filter_by(sha256=sha)).first()
    if not used:
        svc.blobs.delete(sha)
