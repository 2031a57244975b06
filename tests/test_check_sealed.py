"""`signering check-sealed` finds the protocols sealed with the issue-18 defect (issue 18).

One protocol is sealed by today's code; the other's stored file is replaced by what the code
before the fix made: signatures without status evidence, and a signing-CA CRL issued at sealing,
an hour after the signatures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import select

from signering.models import ProtocolVersion
from signering.pdf.evidence import signature_time
from signering.pdf.seal import document_timestamp, sign_with
from signering.pdf.signature_page import field_name
from signering.pki.orgkeys import demo_keys
from signering.pki.tsa_client import make_timestamper
from signering.sealed_check import check_sealed
from signering.pdf.chain import Route, prepare
from signering.pdf.signature_page import PageSigner
from signering.textpdf import render_text_pdf
from test_api_support import SIGNERS, latest_code, link_token, make_env, upload


def _sign_route(env, pdf: bytes) -> int:
    created = upload(env, pdf)
    assert created.status_code == 201, created.get_json()
    for person in SIGNERS:
        token = link_token(env, person["email"])
        env.client.post(f"/api/v1/sign/{token}/code")
        r = env.client.post(f"/api/v1/sign/{token}", json={"code": latest_code(env, person["email"]),
                                                           "decision": "sign"})
        assert r.status_code == 200, r.get_json()
    return created.get_json()["id"]


def _sealed_as_before_the_fix(prepared: bytes, sha: str, tsa_url: str) -> bytes:
    """Signatures without status evidence; at sealing, a signing-CA CRL issued an hour later."""
    keys = demo_keys()
    timestamper = make_timestamper(tsa_url)
    pdf = prepared
    for index, person in enumerate(SIGNERS):
        pair = keys.signing_ca.issue(person["name"], person["role"], "Sollefteå kommun")
        pdf = sign_with(pdf, field_name=field_name(index), keypair=pair, display_name=person["name"],
                        role_label=person["role"], document_sha256=sha, timestamper=timestamper, reason="test")
    pdf = sign_with(pdf, field_name="seal", keypair=keys.seal, display_name="Sollefteå kommun", role_label="e-sigill",
                    document_sha256=sha, timestamper=timestamper, reason="seal", visible=False)
    last = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    an_hour_later = signature_time(last.signer_info) + dt.timedelta(hours=1)
    late = dataclasses.replace(keys.signing_ca, clock=lambda: an_hour_later).crl()
    crls = [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER)) for c in (keys.root_crl, late)]
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(writer, None, crls=crls)
    out = io.BytesIO()
    writer.write(out)
    return document_timestamp(out.getvalue(), timestamper)


def test_check_sealed_lists_protocols_sealed_without_status_evidence(tmp_path, tsa_url):
    env = make_env(tmp_path)
    env.svc.settings.tsa_url = tsa_url
    good = _sign_route(env, render_text_pdf("Kommunstyrelsen\n\n§ 1 Budget\n"))
    defective = _sign_route(env, render_text_pdf("Kommunstyrelsen\n\n§ 2 Taxor\n"))
    with env.svc.db.write() as session:
        version = session.execute(select(ProtocolVersion).filter_by(protocol_id=defective)).scalar_one()
        original = env.svc.blobs.read(version.sealed_sha256)[:version.original_size]
        route = Route(board="Kommunstyrelsen", meeting_date=dt.date(2024, 4, 16), organisation="Sollefteå kommun",
                      signers=tuple(PageSigner(p["name"], p["role"]) for p in SIGNERS))
        prepared, sha = prepare(original, route, "http://localhost")
        old = _sealed_as_before_the_fix(prepared, sha, tsa_url)
        version.sealed_sha256 = version.working_sha256 = env.svc.blobs.put_bytes(old)

    results = {r.protocol_id: r for r in check_sealed(env.svc)}
    assert results[good].status == "valid" and results[good].missing_status_evidence == ()
    assert results[defective].status == "invalid"
    assert results[defective].missing_status_evidence == tuple(p["name"] for p in SIGNERS)

    cli_env = {**os.environ, "SIGNERING_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
               "SIGNERING_DATA_DIR": env.data_dir, "SIGNERING_INSTANCE_DIR": str(tmp_path / "instance")}
    proc = subprocess.run([sys.executable, "-m", "signering.cli", "check-sealed", "--json"], env=cli_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["checked"] == 2 and out["invalid"] == 1
    listed = {p["protocol_id"]: p for p in out["protocols"]}
    assert listed[defective]["missing_status_evidence"] == [p["name"] for p in SIGNERS]
    human = subprocess.run([sys.executable, "-m", "signering.cli", "check-sealed"], env=cli_env,
                           capture_output=True, text=True, timeout=120)
    assert human.returncode == 1
    assert f"protokoll {defective}" in human.stdout and f"protokoll {good} " not in human.stdout
    assert "Spärrinformation från signeringstillfället saknas för: " + ", ".join(p["name"] for p in SIGNERS) \
        in human.stdout
    only_other = subprocess.run([sys.executable, "-m", "signering.cli", "check-sealed", "--org", "kramfors"],
                                env=cli_env, capture_output=True, text=True, timeout=120)
    assert only_other.returncode == 0 and "0 förseglade protokoll kontrollerade" in only_other.stdout
