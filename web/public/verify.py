"""Verification: by hash (the registry) and by file (the full PAdES check).

The page's script hashes the file in the browser and asks only for the hash, so the document
never leaves the visitor's computer; without the script the form uploads the file and the
server runs the full check. Both are read-only, so neither needs a CSRF token, and asking
for none spares anonymous visitors a session cookie.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields, is_dataclass

from flask import Response, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from signering import registry
from signering.errors import EmptyFile, NotAPdf, SigneringError
from signering.models import Organisation
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1

from ..app import services
from .page_cache import app_cache
from ..errors import lang

log = logging.getLogger("signering.web.verify")

#: a PDF's header may follow some junk, but within the first kilobyte (PDF 32000-1, annex H)
_HEADER_WINDOW = 1024
#: modification levels after a signature that do not change what was signed
_HARMLESS_CHANGES = (None, "NONE", "LTA_UPDATES", "FORM_FILLING")


def trust_roots() -> list:
    """The root certificate of every organisation's keys, each once."""
    svc = services()
    with svc.db.read() as session:
        orgs = session.execute(select(Organisation).order_by(Organisation.id)).scalars().all()
    roots, seen = [], set()
    for org in orgs:
        try:
            root = svc.keys_for(org).root
        except SigneringError as exc:
            # One organisation's broken key directory must not stop verification for the others.
            log.warning("keys of %s not loaded for verification: %s", org.slug, exc.message("en"))
            continue
        fingerprint = root.fingerprint(root.signature_hash_algorithm)
        if fingerprint not in seen:
            seen.add(fingerprint)
            roots.append(to_asn1(root))
    return roots


def _cache_key(sha: str) -> tuple[str, object]:
    # The day is part of the key: an answer kept from the last day a notice was up must not
    # serve its signers' names on the take-down day (the registry drops them from that day on).
    return registry.normalise(sha), services().today()


def _lookup(sha: str) -> dict:
    """The registry's answer. QR codes send many people to one protocol at once, so the answer
    for a sealed or withdrawn protocol, which changes at most with the day, is kept for a minute."""
    key = _cache_key(sha)
    cache = app_cache("registry", max_entries=4096, ttl=60)
    found = cache.get(key)
    if found is None:
        found = _lookup_uncached(*key)
        if found.get("status") in ("sealed", "withdrawn"):
            cache.put(key, found)
    return dict(found)


def _lookup_uncached(sha: str, today) -> dict:
    with services().db.read() as session:
        return registry.lookup(session, sha, today)


def check(data: bytes) -> tuple[dict, dict]:
    """(report JSON, registry answer) for an uploaded file; raises for an empty or non-PDF file."""
    if not data:
        raise EmptyFile()
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise NotAPdf("Filen är ingen PDF och kan därför inte verifieras. Välj det signerade protokollets PDF-fil.",
                      "The file is not a PDF and so cannot be verified. Choose the signed protocol's PDF file.")
    report = report_json(verify_pdf(data, trust_roots()))
    found = _lookup(report["file_sha256"])
    if found["status"] == "unknown" and report.get("document_sha256"):
        found = _lookup(report["document_sha256"])
    found["is_published_file"] = found.get("sealed_sha256") == report["file_sha256"]
    for sig in report["signatures"]:
        sig["changed_after"] = (not sig["intact"]) or sig["changes_after"] not in _HARMLESS_CHANGES
    return report, found


def report_json(report) -> dict:
    """The report's ``to_json()`` form, built field by field as plain values.

    ``dataclasses.asdict`` deep-copies every value, and a field name read from the PDF is a
    pyHanko string object that drags the whole parsed file along: a 100 ms check took 40 s.
    """
    def plain(value):
        if isinstance(value, str):
            return str(value)
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
        return value

    return plain(report)


def _upload() -> bytes:
    upload = request.files.get("file")
    if upload is not None:
        return upload.read()
    if request.mimetype == "application/pdf" or not request.files:
        return request.get_data(cache=False)
    return b""


def verify_page():
    # A hash typed into the page's second form arrives as ?sha256=...; the page for it has its own address.
    typed = (request.args.get("sha256") or "").strip()
    if typed:
        return redirect(url_for("public.verify_hash_page", sha256=typed))
    return render_template("public/verify.html")


def verify_post():
    try:
        report, found = check(_upload())
    except SigneringError as exc:
        return render_template("public/verify_result.html", error=exc.message(lang()), report=None,
                               registry=None), exc.http_status
    return render_template("public/verify_result.html", error=None, report=report, registry=found)


def verify_hash_page(sha256: str):
    found = _lookup(sha256)  # InvalidHash (400) is rendered by the app's error page
    return render_template("public/verify_result.html", error=None, report=None, registry=found)


def api_verify_hash(sha256: str):
    # The JSON text of a settled answer is kept too: for the QR-code rush, serialising the same
    # answer again cost more than finding it.
    key = _cache_key(sha256)
    cache = app_cache("registry_json", max_entries=4096, ttl=60)
    body = cache.get(key)
    if body is None:
        found = _lookup(key[0])
        body = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        if found.get("status") in ("sealed", "withdrawn"):
            cache.put(key, body)
    return Response(body, mimetype="application/json")


def api_verify_post():
    try:
        report, found = check(_upload())
    except SigneringError as exc:
        return jsonify({"status": "invalid", **exc.to_dict(lang())}), exc.http_status
    return jsonify({**report, "registry": found})
