"""Verification: by hash (the registry) and by file (the full PAdES check).

The file check is the core's use case (``signering.verification.usecase``), run in the capped
child; this module adds the registry's answer and presents the report in the page's language.

The page's script hashes the file in the browser and asks only for the hash, so the document
never leaves the visitor's computer; without the script the form uploads the file and the
server runs the full check. Both are read-only, so neither needs a CSRF token, and asking
for none spares anonymous visitors a session cookie.
"""

from __future__ import annotations

import io
import json
import logging
import os
from typing import BinaryIO

from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from signering import registry
from signering.errors import DamagedPdf, EmptyFile, NotAPdf, SigneringError
from signering.ingest.slots import ParseSlots
from signering.ingest.untrusted import verify_isolated
from signering.spool import spooled
from signering.models import Organisation
from signering.pki.certs import to_asn1
from signering.verification.report import VerificationReport

from ..extensions import current_lang, services
from .page_cache import app_cache
from .verdict import answer_texts, builds_on_registered, file_answer
from ..errors import retry_headers
from signering.route import RegistryStatus

log = logging.getLogger("signering.web.verify")


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
        if found.get("status") in (RegistryStatus.SEALED, RegistryStatus.WITHDRAWN):
            cache.put(key, found)
    return dict(found)


def _lookup_uncached(sha: str, today) -> dict:
    with services().db.read() as session:
        return registry.lookup(session, sha, today)


def _slots() -> ParseSlots:
    cfg = current_app.config["SIGNERING"]
    return ParseSlots(os.path.join(cfg["INSTANCE_DIR"], "run"), cfg.get("VERIFY_CONCURRENCY", 2),
                      cfg.get("VERIFY_WAIT_S", 5.0))


def check(source: BinaryIO) -> tuple[VerificationReport, dict]:
    """(report, registry answer) for an uploaded file; raises for an empty or non-PDF file.

    The registry is asked first, by the hash of the bytes as they arrive: that answer costs no
    parsing. Parsing then happens in a capped child process, and only when one of the machine's
    few slots for it is free (ParserBusy, 503, otherwise). A raised error carries the registry's
    answer as ``registry``.
    """
    with spooled(source, max_bytes=current_app.config["MAX_CONTENT_LENGTH"]) as spool:
        if spool.size == 0:
            raise EmptyFile()
        if b"%PDF-" not in spool.head():
            raise NotAPdf("Filen är ingen PDF och kan därför inte verifieras. Välj det signerade protokollets "
                          "PDF-fil.", "The file is not a PDF and so cannot be verified. Choose the signed "
                          "protocol's PDF file.")
        # A copy: cached answers are shared, and this one gets is_published_file.
        found = dict(_lookup(spool.sha256))
        try:
            roots = [cert.dump() for cert in trust_roots()]
            with _slots().hold() as slot:
                report = verify_isolated(spool.path, roots, slot_fd=slot)
        except DamagedPdf as exc:
            # The upload check's advice (export again) does not fit someone checking a file.
            raise _unverifiable(exc, found) from None
        except SigneringError as exc:
            exc.registry = found
            raise
    if found["status"] == "unknown" and report.document_sha256:
        found = dict(_lookup(report.document_sha256))
    found["is_published_file"] = found.get("sealed_sha256") == report.file_sha256
    return report, found


def _unverifiable(exc: DamagedPdf, found: dict) -> DamagedPdf:
    error = DamagedPdf("Filen kunde inte verifieras: den är skadad, eller för stor eller invecklad för att läsas "
                       "inom tjänstens gränser för minne och tid. Kontrollera att du valt det signerade protokollets "
                       "PDF-fil.",
                       "The file could not be verified: it is damaged, or too large or intricate to read within "
                       "the service's limits on memory and time. Check that you chose the signed protocol's PDF "
                       "file.", **exc.details)
    error.registry = found
    return error


def _upload() -> BinaryIO:
    upload = request.files.get("file")
    if upload is not None:
        return upload.stream
    if request.mimetype == "application/pdf" or not request.files:
        return request.stream
    return io.BytesIO(b"")


def verify_page():
    # A hash typed into the page's second form arrives as ?sha256=...; the page for it has its own address.
    typed = (request.args.get("sha256") or "").strip()
    if typed:
        return redirect(url_for("public.verify_hash_page", sha256=typed))
    return render_template("public/verify.html", answers=answer_texts())


def verify_post():
    try:
        report, found = check(_upload())
    except SigneringError as exc:
        registry = getattr(exc, "registry", None)
        return render_template("public/verify_result.html", error=exc.message(current_lang()), report=None,
                               registry=registry, answer=file_answer(None, registry), builds_on=False
                               ), exc.http_status, retry_headers(exc)
    shown = report.to_json(current_lang())
    return render_template("public/verify_result.html", error=None, report=shown, registry=found,
                           answer=file_answer(shown, found), builds_on=builds_on_registered(shown, found))


def verify_hash_page(sha256: str):
    found = _lookup(sha256)  # InvalidHash (400) is rendered by the app's error page
    return render_template("public/verify_result.html", error=None, report=None, registry=found, answer=None,
                           builds_on=False)


def api_verify_hash(sha256: str):
    # The JSON text of a settled answer is kept too: for the QR-code rush, serialising the same
    # answer again cost more than finding it.
    key = _cache_key(sha256)
    cache = app_cache("registry_json", max_entries=4096, ttl=60)
    body = cache.get(key)
    if body is None:
        found = _lookup(key[0])
        body = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        if found.get("status") in (RegistryStatus.SEALED, RegistryStatus.WITHDRAWN):
            cache.put(key, body)
    return Response(body, mimetype="application/json")


def api_verify_post():
    try:
        report, found = check(_upload())
    except SigneringError as exc:
        body = {"status": "invalid", **exc.to_dict(current_lang())}
        if getattr(exc, "registry", None):
            body["registry"] = exc.registry
        return jsonify(body), exc.http_status, retry_headers(exc)
    return jsonify({**report.to_json(current_lang()), "registry": found})
