"""The JSON API, version 1: meeting systems upload protocols and follow them; signers sign.

Each handler: load arguments (``inputs``) → check access (bearer token, or the signer's link
token) → call the core → shape the answer (``views``). The OpenAPI document in ``openapi.py``
describes every route here; keep the two together.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file, url_for
from sqlalchemy import func, select

from signering.errors import BlobNotFound, InputError, SigneringError
from signering.models import Protocol
from signering.scoping import one_in_organisation
from signering.workflow.errors import NotFound
from signering.workflow.finalize import finalize
from signering.workflow.signing import decide, open_link, send_code, view_for_token

from ..after_response import after_response
from ..extensions import current_lang, services
from ..errors import retry_headers
from . import inputs, views
from .auth import caller, token_required
from .errors import NotSealed, Unauthorized, UnsupportedMediaType
from .openapi import document
from .prefill import complete_from_pdf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PROTOCOL_ID = f"<int(max={inputs.MAX_ID}):protocol_id>"


def _services():
    return services()


@bp.errorhandler(SigneringError)
def _error(exc: SigneringError):
    body = {"error": exc.code, "message": exc.message(current_lang())}
    field = exc.details.get("field")
    if isinstance(field, str):
        body["field"] = field
    response = jsonify(body)
    response.status_code = exc.http_status
    response.headers.update(retry_headers(exc))
    if isinstance(exc, Unauthorized):
        challenge = 'Bearer realm="signering"'
        if exc.bearer_error:
            challenge += f', error="{exc.bearer_error}"'
        response.headers["WWW-Authenticate"] = challenge
    return response


# -- meeting systems (bearer token) ---------------------------------------------------------

@bp.post("/protocols")
@token_required
def create_protocol():
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            "Skicka protokollet som multipart/form-data med delarna \"file\" (PDF) och \"metadata\" (JSON).",
            "Send the protocol as multipart/form-data with the parts \"file\" (PDF) and \"metadata\" (JSON).")
    upload = request.files.get("file")
    metadata = complete_from_pdf(_services(), caller().org_id, inputs.read_metadata(request.form, request.files),
                                 upload)
    board, meeting_date, signers, protocol_id = inputs.protocol_metadata(metadata)
    if upload is None:
        raise InputError("Delen \"file\" med protokollets PDF saknas.",
                         "The \"file\" part with the protocol's PDF is missing.", field="file")
    svc, who = _services(), caller()
    new_id = finalize(svc, org_id=who.org_id, board_name=board, meeting_date=meeting_date, signers=signers,
                      upload=upload.stream, filename=upload.filename or "protokoll.pdf", actor=who.actor,
                      protocol_id=protocol_id, confirm_late=inputs.confirm_late(metadata))
    with svc.db.read() as session:
        protocol = _scoped(session, who.org_id, new_id)
        body = {**views.protocol(protocol), "warnings": views.upload_warnings(session, protocol, current_lang())}
    return body, 201, {"Location": url_for(".get_protocol", protocol_id=new_id)}


@bp.get("/protocols")
@token_required
def list_protocols():
    limit, offset, status = inputs.page(request.args)
    org_id = caller().org_id
    where = [Protocol.organisation_id == org_id] + ([Protocol.status == status] if status else [])
    with _services().db.read() as session:
        total = session.execute(select(func.count(Protocol.id)).where(*where)).scalar_one()
        rows = session.execute(select(Protocol).where(*where).order_by(Protocol.id.desc())
                               .limit(limit).offset(offset)).scalars().all()
        items = [views.protocol_summary(p) for p in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@bp.get(f"/protocols/{PROTOCOL_ID}")
@token_required
def get_protocol(protocol_id: int):
    with _services().db.read() as session:
        return views.protocol(_scoped(session, caller().org_id, protocol_id))


@bp.get(f"/protocols/{PROTOCOL_ID}/sealed.pdf")
@token_required
def sealed_pdf(protocol_id: int):
    svc = _services()
    with svc.db.read() as session:
        version = _scoped(session, caller().org_id, protocol_id).current
        sha = version.sealed_sha256 if version is not None else None
    if sha is None:
        raise NotSealed(
            f"Protokollet är inte förseglat ännu. Det förseglas när alla har signerat; fråga status med "
            f"GET /api/v1/protocols/{protocol_id} och försök igen då.",
            f"The protocol is not sealed yet. It is sealed when everyone has signed; check the status with "
            f"GET /api/v1/protocols/{protocol_id} and try again then.")
    return _pdf(svc, sha, f"protokoll-{protocol_id}.pdf", as_attachment=True)


def _pdf(svc, sha: str, name: str, *, as_attachment: bool):
    if not svc.blobs.exists(sha):
        raise BlobNotFound(sha256=sha)
    # By path rather than an open file, so the answer has a Content-Length and supports ranges.
    return send_file(svc.blobs.path(sha), mimetype="application/pdf", as_attachment=as_attachment,
                     download_name=name, etag=sha, conditional=True)


def _scoped(session, org_id: int, protocol_id: int) -> Protocol:
    # Another organisation's protocol answers exactly like a missing one.
    return one_in_organisation(session, Protocol, protocol_id, org_id,
                               missing=NotFound("Protokollet finns inte.", "The protocol does not exist."))


# -- signers (the link token is the credential) ---------------------------------------------

@bp.get("/sign/<token>")
def signing_view(token: str):
    view = open_link(_services(), token, ip=request.remote_addr or "", user_agent=request.user_agent.string or "")
    return views.signing_view(view)


@bp.get("/sign/<token>/document.pdf")
def signing_document(token: str):
    svc = _services()
    _view, sha = view_for_token(svc, token)
    return _pdf(svc, sha, "protokoll.pdf", as_attachment=False)


@bp.post("/sign/<token>/code")
def signing_code(token: str):
    send_code(_services(), token, ip=request.remote_addr or "")
    return {"status": "code_sent"}, 202


@bp.post("/sign/<token>")
def signing_decision(token: str):
    code, decision, reason = inputs.decision_body(request)
    # The answer does not wait for the seal after the last signature: a meeting system polls the
    # protocol or gets the webhook, and the signer's click stays as quick as the others.
    status = decide(_services(), token, code, decision, reason, ip=request.remote_addr or "", later=after_response)
    return {"status": status}


# -- the description of all of the above ----------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    return jsonify(document(_services().settings.base_url))
