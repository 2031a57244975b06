"""Transparency log endpoints: the signed tree head, inclusion and consistency proofs.

Each answer is computed from one read of the leaf hashes, so a proof and the tree head that
comes with it always describe the same tree. The head is signed with the e-sigill key of the
first organisation (the service's own, in a single-municipality installation).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import jsonify, request
from sqlalchemy import or_, select

from signering.errors import InputError, SigneringError
from signering.models import LogEntry, Organisation
from signering.registry import normalise
from signering.translog import merkle
from signering.translog.checkpoint import TreeHead, sign_tree_head
from signering.translog.leaf import decode_leaf
from signering.translog.proofs import ConsistencyProof, InclusionProof
from signering.workflow.errors import NotFound

from ..app import services


class LogKeyUnavailable(SigneringError):
    code = "log_key_unavailable"
    http_status = 503
    default_sv = ("Transparensloggen kan inte signeras just nu: ingen organisation har ett e-sigill med en "
                  "nyckel i fil. Lägg upp en organisation, eller kontakta driften.")
    default_en = ("The transparency log cannot be signed right now: no organisation has an e-seal with a key "
                  "in a file. Add an organisation, or contact operations.")


class BadLogParameter(InputError):
    code = "invalid_log_parameter"
    http_status = 400


def _leaf_hashes(session) -> list[bytes]:
    return [bytes.fromhex(h) for h in session.execute(select(LogEntry.leaf_hash).order_by(LogEntry.index)).scalars()]


def _signed_head(session, hashes: list[bytes]) -> dict:
    svc = services()
    org = session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar_one_or_none()
    seal = svc.keys_for(org).seal if org is not None else None
    if seal is None or seal.private_key is None:
        # A seal on a PKCS#11 token signs PDFs through pyHanko only; it has no key object here.
        raise LogKeyUnavailable()
    origin = (urlsplit(svc.settings.base_url).netloc or "signering") + "/log"
    head = TreeHead(origin=origin, tree_size=len(hashes), root_hash=merkle.root(hashes), timestamp=svc.clock())
    signed = sign_tree_head(head, seal.private_key)
    public_pem = seal.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return {**signed.to_dict(), "signed_body": head.encode().decode("utf-8"),
            "public_key_pem": public_pem.decode("ascii")}


def head():
    with services().db.read() as session:
        return jsonify(_signed_head(session, _leaf_hashes(session)))


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
            "tree_head": _signed_head(session, hashes),
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
        return jsonify({"consistency_proof": result.to_dict(), "tree_head": _signed_head(session, hashes)})
