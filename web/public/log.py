"""Transparency log endpoints: checkpoints, the log key, entries, inclusion and consistency proofs.

Every checkpoint is made and signed once, when the tree reaches its size (``translog_store``),
and served from the database as stored; proofs are built for the size of a stored checkpoint and
come with that checkpoint, so a verifier checks both against the key it pinned. The log is one
public log for the whole installation (every organisation's sealed protocols).
"""

from __future__ import annotations

import datetime as dt

from flask import Response, jsonify, request
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from signering.errors import InputError
from signering.models import LogEntry
from signering.registry import normalise
from signering.translog.cosignature import parse_witnesses
from signering.translog.leaf import decode_leaf
from signering.translog.log_key import grouped, public_key_pem
from signering.translog.note import VerifierKey
from signering.translog.proofs import ConsistencyProof, InclusionProof
from signering.workflow import translog_store as store
from signering.workflow.errors import NotFound

from ..extensions import services

#: entries per page of ``/api/v1/log/entries``
MAX_ENTRIES = 1000


class BadLogParameter(InputError):
    code = "invalid_log_parameter"
    http_status = 400


def _ensure_checkpoints() -> None:
    """Sign any size the tree has reached without a checkpoint (a log that grew under an older
    version of the service) before reading; appends sign their own."""
    svc = services()
    with svc.db.read() as session:
        newest = store.latest_checkpoint(session)
        if newest is not None and newest.tree_size >= store.entry_count(session):
            return
    try:
        with svc.db.write() as session:
            store.ensure_checkpoints(session, svc)
    except IntegrityError:
        pass  # another process signed them first


def _newest(session):
    return store.latest_checkpoint(session)


def _note(row) -> str:
    return row.note + (row.cosignatures or "")


def _checkpoint_json(row) -> dict:
    # SQLite hands times back without a zone; they were written in UTC.
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.timezone.utc)
    return {"tree_size": row.tree_size, "root_hash": row.root_hash, "checkpoint": _note(row),
            "created_at": created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def _at(session, size: int, field: str):
    row = store.checkpoint_at(session, size)
    if row is None:
        newest = _newest(session)
        raise NotFound(f"Loggen har ingen checkpoint för storleken {size}; den största är {newest.tree_size}.",
                       f"The log has no checkpoint for size {size}; the largest is {newest.tree_size}.",
                       field=field)
    return row


def _size(name: str, default: int | None) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        if default is None:
            raise BadLogParameter(f"Parametern {name} saknas. Ange den som ett heltal, t.ex. ?{name}=1.",
                                  f"The parameter {name} is missing. Give it as a whole number, e.g. ?{name}=1.",
                                  field=name)
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadLogParameter(f"Parametern {name} måste vara ett heltal 0 eller större.",
                              f"The parameter {name} must be a whole number 0 or greater.", field=name)
    return int(text)


def latest_note() -> tuple[int, str] | None:
    """The newest checkpoint's size and note with its cosignatures, for the anslagstavla and its
    feed (pages that others keep copies of: a published head is one a forked log cannot take back)."""
    with services().db.read() as session:
        row = _newest(session)
        return None if row is None else (row.tree_size, _note(row))


def head():
    """The newest checkpoint, with its fields for readers that do not parse the note."""
    _ensure_checkpoints()
    with services().db.read() as session:
        row = _newest(session)
        return jsonify({**_checkpoint_json(row), "origin": store.log_origin(session, services()),
                        "key_fingerprint": services().log_signer.fingerprint})


def checkpoint(size: int | None = None):
    """The signed note itself (C2SP checkpoint), ``text/plain``: for the newest size or ``size``."""
    _ensure_checkpoints()
    with services().db.read() as session:
        row = _newest(session) if size is None else _at(session, size, "size")
        return Response(_note(row), mimetype="text/plain", headers={"Cache-Control": "no-cache" if size is None
                                                                    else "public, max-age=86400"})


def cosignature(size: int):
    """A witness's cosignature line(s) for the checkpoint of ``size`` (``text/plain`` body): kept
    and served with the checkpoint from then on if by a configured witness and valid over exactly
    the stored text."""
    _ensure_checkpoints()
    svc = services()
    witnesses = parse_witnesses(svc.settings.log_witnesses)
    body = request.get_data(cache=False, as_text=False)[:1 << 16]
    try:
        lines = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLogParameter("Medsignaturen måste vara UTF-8-text.", "The cosignature must be UTF-8 text.") from None
    with svc.db.write() as session:
        row = store.add_cosignatures(session, size, lines, witnesses)
        if row is None:
            _at(session, size, "size")
        return jsonify({"tree_size": size, "checkpoint": _note(row)})


def key():
    """The log's public key: what to pin. Served here for convenience; pin it by the fingerprint
    published in README's instructions and on every signature page, never because this says so."""
    svc = services()
    with svc.db.read() as session:
        origin = store.log_origin(session, svc)
    signer = svc.log_signer
    return jsonify({"origin": origin, "algorithm": "ed25519", "public_key_pem": public_key_pem(signer.public_key),
                    "verifier_key": VerifierKey(origin, signer.public_key).encode(),
                    "fingerprint": signer.fingerprint, "fingerprint_grouped": grouped(signer.fingerprint)})


def entries():
    """Leaves ``start`` (inclusive) to ``end`` (exclusive), at most ``MAX_ENTRIES`` of them."""
    _ensure_checkpoints()
    with services().db.read() as session:
        size = _newest(session).tree_size
        start = _size("start", None)
        end = min(_size("end", size), size, start + MAX_ENTRIES)
        if start > size:
            raise BadLogParameter(f"Loggen har bara {size} poster; start får vara högst {size}.",
                                  f"The log has only {size} entries; start may be at most {size}.", field="start")
        rows = session.execute(select(LogEntry).where(LogEntry.index >= start, LogEntry.index < end)
                               .order_by(LogEntry.index)).scalars().all()
        return jsonify({"start": start, "end": max(end, start), "tree_size": size,
                        "entries": [{"index": r.index, "leaf_json": r.leaf.decode("utf-8"), "leaf_hash": r.leaf_hash}
                                    for r in rows]})


def proof(sha256: str):
    sha = normalise(sha256)
    _ensure_checkpoints()
    with services().db.read() as session:
        newest = _newest(session)
        row = session.execute(
            select(LogEntry).where(or_(LogEntry.original_sha256 == sha, LogEntry.sealed_sha256 == sha))
            .order_by(LogEntry.index).limit(1)
        ).scalar_one_or_none()
        if row is None or row.index >= newest.tree_size:
            raise NotFound("Hashvärdet finns inte i transparensloggen. Bara förseglade protokoll förs in i loggen.",
                           "The hash is not in the transparency log. Only sealed protocols are entered in the log.")
        size = _size("tree_size", newest.tree_size)
        if size <= row.index:
            raise BadLogParameter(f"Posten har nummer {row.index}; tree_size måste vara större än det.",
                                  f"The entry has index {row.index}; tree_size must be greater than that.",
                                  field="tree_size")
        at = _at(session, size, "tree_size")
        inclusion = InclusionProof(leaf_index=row.index, tree_size=size, leaf_hash=bytes.fromhex(row.leaf_hash),
                                   inclusion_path=tuple(store.inclusion_path(session, row.index, size)))
        return jsonify({
            "leaf": decode_leaf(row.leaf).to_dict(),
            "leaf_json": row.leaf.decode("utf-8"),
            "inclusion_proof": inclusion.to_dict(),
            "checkpoint": _note(at),
        })


def consistency():
    _ensure_checkpoints()
    with services().db.read() as session:
        newest = _newest(session)
        old, new = _size("from", None), _size("to", newest.tree_size)
        if new > newest.tree_size:
            raise BadLogParameter(f"Loggen har bara {newest.tree_size} poster; to får vara högst {newest.tree_size}.",
                                  f"The log has only {newest.tree_size} entries; to may be at most "
                                  f"{newest.tree_size}.", field="to")
        if old > new:
            raise BadLogParameter("from får inte vara större än to.", "from may not be greater than to.",
                                  field="from")
        first, second = _at(session, old, "from"), _at(session, new, "to")
        path = store.consistency_path(session, old, new)
        result = ConsistencyProof(tree_size_1=old, tree_size_2=new, consistency_path=tuple(path))
        return jsonify({"consistency_proof": result.to_dict(), "checkpoint_1": _note(first),
                        "checkpoint_2": _note(second)})
