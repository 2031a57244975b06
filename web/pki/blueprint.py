"""Public PKI endpoints: CRLs, the OCSP responder and CA certificate the certificates name, and each
organisation's RFC 3161 TSA (only with SIGNERING_PUBLIC_TSA=1)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, current_app, request

from signering.models import Organisation
from signering.pki import ocsp
from signering.pki.embedded_tsa import authority_for

from ..extensions import services

bp = Blueprint("pki", __name__)
_authorities: dict[str, object] = {}


def _org(slug: str):
    svc = services()
    with svc.db.read() as session:
        org = session.query(Organisation).filter_by(slug=slug).one_or_none()
        if org is None:
            abort(404)
        return svc, org, svc.keys_for(org)


@bp.get("/pki/<slug>/signing-ca.crl")
def signing_ca_crl(slug: str):
    _svc, _org_row, keys = _org(slug)
    der = keys.signing_ca.crl().public_bytes(serialization.Encoding.DER)
    return Response(der, mimetype="application/pkix-crl", headers={"Cache-Control": "max-age=3600"})


@bp.get("/pki/<slug>/signing-ca.crt")
def signing_ca_certificate(slug: str):
    """The issuer the signer certificates name in their AIA (caIssuers)."""
    _svc, _org_row, keys = _org(slug)
    der = keys.signing_ca.keypair.certificate.public_bytes(serialization.Encoding.DER)
    return Response(der, mimetype="application/pkix-cert", headers={"Cache-Control": "max-age=86400"})


@bp.post("/pki/<slug>/ocsp")
def signing_ca_ocsp(slug: str):
    _svc, _org_row, keys = _org(slug)
    if request.mimetype != "application/ocsp-request":
        return Response("Skicka en OCSP-förfrågan (application/ocsp-request).\n", status=415,
                        mimetype="text/plain")
    body = request.get_data(cache=False)[:ocsp.MAX_REQUEST_BYTES + 1]
    return _ocsp_answer(keys, body)


@bp.get("/pki/<slug>/ocsp/<path:encoded>")
def signing_ca_ocsp_get(slug: str, encoded: str):
    """RFC 6960 A.1: the request base64-encoded in the path (NSS, and so pdfsig, asks this way)."""
    _svc, _org_row, keys = _org(slug)
    return _ocsp_answer(keys, ocsp.request_from_path(encoded[:2 * ocsp.MAX_REQUEST_BYTES]))


def _ocsp_answer(keys, body: bytes) -> Response:
    return Response(ocsp.respond(keys.signing_ca, body), mimetype="application/ocsp-response",
                    headers={"Cache-Control": "no-store"})


@bp.get("/pki/<slug>/root.crl")
def org_root_crl(slug: str):
    _svc, _org_row, keys = _org(slug)
    if keys.root_crl is None:
        abort(404)
    return Response(keys.root_crl.public_bytes(serialization.Encoding.DER), mimetype="application/pkix-crl",
                    headers={"Cache-Control": "max-age=3600"})


@bp.get("/pki/root.crl")
def demo_root_crl():
    """The URL the committed demo certificates name (keys-example/generate.py --base-url)."""
    from signering.pki.orgkeys import demo_keys

    crl = demo_keys().root_crl
    if crl is None:
        abort(404)
    return Response(crl.public_bytes(serialization.Encoding.DER), mimetype="application/pkix-crl")


@bp.route("/tsa/<slug>", methods=["GET", "POST"])
def tsa(slug: str):
    # A public TSA timestamps anything for anyone, in the organisation's name; the service's own
    # signatures never come this way (Services.timestamper_for uses a loopback TSA).
    if not current_app.config["SIGNERING"].get("PUBLIC_TSA"):
        abort(404)
    _svc, org, keys = _org(slug)
    authority = _authorities.get(slug)
    if authority is None:
        authority = _authorities[slug] = authority_for(keys)
    # The TSA's own WSGI app answers (405, 400, rejections) exactly as it would when mounted alone.
    return Response.from_app(authority.wsgi_app, request.environ)
