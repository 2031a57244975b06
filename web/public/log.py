"""Transparency log endpoints: the signed tree head, inclusion and consistency proofs.

Each answer is computed from one read of the leaf hashes, so a proof and the tree head that
comes with it always describe the same tree. The head is signed with the installation's own log
key, once per change of the tree (``signering.translog.head_signer``).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import current_app, jsonify, request
from sqlalchemy import or_, select

from signering.errors import InputError
from signering.models import LogEntry
from signering.registry import normalise
from signering.runtime import log_key_file
from signering.translog import merkle
from signering.translog.head_signer import HeadSigner
from signering.translog.leaf import decode_leaf
from signering.translog.proofs import ConsistencyProof, InclusionProof
from signering.workflow.errors import NotFound

from ..extensions import services


class BadLogParameter(InputError):
    code = "invalid_log_parameter"
    http_status = 400


def _leaf_hashes(session) -> list[bytes]:
    return [bytes.fromhex(h) for h in session.execute(select(LogEntry.leaf_hash).order_by(LogEntry.index)).scalars()]


def _head_signer() -> HeadSigner:
    signer = current_app.extensions.get("signering_log_head")
    if signer is None:
        cfg = current_app.config["SIGNERING"]
        signer = current_app.extensions.setdefault(
            "signering_log_head",
            HeadSigner(log_key_file(cfg), os.path.join(cfg["INSTANCE_DIR"], "log_head.json")))
    return signer


def _signed_head(hashes: list[bytes]) -> dict:
    svc = services()
    origin = (urlsplit(svc.settings.base_url).netloc or "signering") + "/log"
    return _head_signer().head(origin, hashes, svc.clock())


def head():
    with services().db.read() as session:
        return jsonify(_signed_head(_leaf_hashes(session)))


def proof(sha256: str):
    sha = normalise(sha256)
    with services().db.read() as session:
        row = session.execute(
            select(LogEntry).where(or_(LogEntry.original_sha256 == sha, LogEntry.sealed_sha256 == sha))
            .order_by(LogEntry.index).limit(1)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("Hashvärdet finns inte i transparensloggen. Bara förseglade protokoll förs in i loggen.",
                           "The hash is not in the transparency log. Only sealed protocols are entered in the log.")
        hashes = _leaf_hashes(session)
        inclusion = InclusionProof(leaf_index=row.index, tree_size=len(hashes), leaf_hash=hashes[row.index],
                                   inclusion_path=tuple(merkle.inclusion_proof(hashes, row.index)))
        return jsonify({
            "leaf": decode_leaf(row.leaf).to_dict(),
            # the exact bytes that were hashed, for verifiers that rebuild the leaf hash themselves
            "leaf_json": row.leaf.decode("utf-8"),
            "inclusion_proof": inclusion.to_dict(),
            "tree_head": _signed_head(hashes),
        })


def _size(name: str, default: int | None) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        if default is None:
            raise BadLogParameter(f"Parametern {name} saknas. Ange den som ett heltal, t.ex. ?{name}=1.",
                                  f"The parameter {name} is missing. Give it as a whole number, e.g. ?{name}=1.",
                                  field=name)
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise BadLogParameter(f"Parametern {name} måste vara ett heltal 0 eller större.",
                              f"The parameter {name} must be a whole number 0 or greater.", field=name)
    return int(text)


def consistency():
    with services().db.read() as session:
        hashes = _leaf_hashes(session)
        size = len(hashes)
        old, new = _size("from", None), _size("to", size)
        if new > size:
            raise BadLogParameter(f"Loggen har bara {size} poster; to får vara högst {size}.",
                                  f"The log has only {size} entries; to may be at most {size}.", field="to")
        if old > new:
            raise BadLogParameter("from får inte vara större än to.", "from may not be greater than to.",
                                  field="from")
        path = merkle.consistency_proof(hashes, old, new)
        result = ConsistencyProof(tree_size_1=old, tree_size_2=new, consistency_path=tuple(path))
        return jsonify({"consistency_proof": result.to_dict(), "tree_head": _signed_head(hashes)})
