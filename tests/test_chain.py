"""The whole core chain: hash → signature page → three signers in order → seal → verify."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signering.pdf.chain import Route, run_chain
from signering.pdf.signature_page import PageSigner
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1

from conftest import BASE_URL, SAMPLE_NAMES

DEMO_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "keys-example", "root.pem")


def roots(keys):
    return [to_asn1(keys.root)]


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "signering.cli", *args], capture_output=True, text=True, **kw)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_protocol_seals_and_verifies(name, sample_pdfs, keys, timestamper):
    original = sample_pdfs[name]
    route = Route(board="Kommunstyrelsen", meeting_date=__import__("datetime").date(2025, 9, 22),
                  signers=(PageSigner("Elise Ackerot", "sekreterare"), PageSigner("Martin Söderström", "ordforande"),
                           PageSigner("Jenny Kriström", "justerare"), PageSigner("Örjan Folkesson", "justerare")),
                  organisation="Demo kommun")
    sealed = run_chain(original, route, keys, timestamper, BASE_URL)
    report = verify_pdf(sealed, roots(keys))
    assert report.problems == []
    assert report.status == "valid"
    assert sealed[: len(original)] == original
    assert report.document_sha256 == hashlib.sha256(original).hexdigest()
    assert report.original_length == len(original)
    kinds = [s.kind for s in report.signatures]
    assert kinds == ["signer"] * 4 + ["seal", "document_timestamp"]
    assert [s.signer for s in report.signatures[:4]] == [p.name for p in route.signers]
    assert [s.role for s in report.signatures[:4]] == ["sekreterare", "ordforande", "justerare", "justerare"]


def test_signer_certificates_name_the_person_and_role_but_no_email(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    subjects = [s.signer_cert.subject.native for s in reader.embedded_signatures[:3]]
    assert [s["common_name"] for s in subjects] == ["Lina Åström", "Bengt Öhman", "Yvonne Sjödahl"]
    assert [s["title"] for s in subjects] == ["Sekreterare", "Ordförande", "Justerare"]
    assert all(s["organization_name"] == "Ekåsa kommun" for s in subjects)
    for sig in reader.embedded_signatures[:3]:
        cert = sig.signer_cert
        assert "email_address" not in cert.subject.native
        assert cert.subject_alt_name_value is None
        lifetime = cert["tbs_certificate"]["validity"]["not_after"].native - \
            cert["tbs_certificate"]["validity"]["not_before"].native
        assert lifetime.total_seconds() <= 2 * 3600


def test_each_signer_gets_a_fresh_key(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    keys_seen = {s.signer_cert.public_key.dump() for s in reader.embedded_signatures[:3]}
    assert len(keys_seen) == 3


def test_head_of_sealed_file_reproduces_registered_hash(sealed_path, protocol_pdf):
    report = json.loads(cli("verify", sealed_path, "--json").stdout)
    n = report["original_length"]
    out = subprocess.run(f"head -c {n} {sealed_path} | sha256sum", shell=True, capture_output=True, text=True)
    assert out.stdout.split()[0] == hashlib.sha256(protocol_pdf).hexdigest() == report["document_sha256"]


def test_verify_cli_json_contract(sealed_path):
    proc = cli("verify", sealed_path, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "valid"
    assert data["timestamped"] is True
    assert data["problems"] == []
    for sig in data["signatures"]:
        assert {"signer", "role", "signed_at", "intact", "trusted"} <= set(sig)
        assert sig["intact"] and sig["trusted"]
    assert [s["signer"] for s in data["signatures"][:3]] == ["Lina Åström", "Bengt Öhman", "Yvonne Sjödahl"]


def test_verify_rejects_an_untrusted_root(sealed_path, tmp_path):
    from signering.pki.certs import build_certificate, name, new_key, pem
    import datetime as dt
    key = new_key()
    other = build_certificate(subject=name("Other root"), public_key=key.public_key(), issuer=name("Other root"),
                              issuer_key=key, not_before=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
                              not_after=dt.datetime(2040, 1, 1, tzinfo=dt.timezone.utc), ca=True, usage="ca")
    (tmp_path / "other.pem").write_bytes(pem(other))
    proc = cli("verify", sealed_path, "--json", "--trust", str(tmp_path / "other.pem"))
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert any("betrodd" in p for p in data["problems"])


# --- tampering --------------------------------------------------------------------------

def _verify(data: bytes, keys):
    return verify_pdf(data, roots(keys))


def test_flipped_byte_in_original_is_invalid(sealed_pdf, keys):
    data = bytearray(sealed_pdf)
    pos = 2000
    data[pos] ^= 0x01
    report = _verify(bytes(data), keys)
    assert report.status == "invalid"
    assert report.problems


def test_flipped_byte_in_a_signature_is_invalid(sealed_pdf, keys):
    data = bytearray(sealed_pdf)
    sig_pos = sealed_pdf.index(b"/Contents <", len(sealed_pdf) // 2) + 200
    data[sig_pos] = ord("0") if data[sig_pos] != ord("0") else ord("1")
    report = _verify(bytes(data), keys)
    assert report.status == "invalid"


def test_truncated_file_is_invalid(sealed_pdf, keys):
    report = _verify(sealed_pdf[: len(sealed_pdf) - 5000], keys)
    assert report.status == "invalid"
    assert report.problems


def test_page_content_changed_in_a_later_update_is_invalid(sealed_pdf, keys):
    w = IncrementalPdfFileWriter(io.BytesIO(sealed_pdf), strict=False)
    page_ref = w.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    page["/Contents"] = w.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Beslut upphavt) Tj ET"))
    w.update_container(page)
    out = io.BytesIO()
    w.write(out)
    report = _verify(out.getvalue(), keys)
    assert report.status == "invalid"
    assert any("ändrats" in p or "lagts till" in p for p in report.problems)


def test_resaved_copy_is_invalid(sealed_path, tmp_path, keys):
    resaved = tmp_path / "resaved.pdf"
    subprocess.run(["qpdf", sealed_path, str(resaved)], check=False)
    report = _verify(resaved.read_bytes(), keys)
    assert report.status == "invalid"


def test_stripped_signatures_are_invalid(sealed_pdf, protocol_pdf, keys):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    first_sig_revision = reader.embedded_signatures[0].signed_revision
    # Cut the file back to the revision that only held the signature page.
    end = reader.xrefs.get_xref_container_info(first_sig_revision - 1).end_location
    cut = sealed_pdf[: sealed_pdf.index(b"%%EOF", end) + 5] + b"\n"
    report = _verify(cut, keys)
    assert report.status == "invalid"
    assert any("inga underskrifter" in p for p in report.problems)


def test_unsigned_original_is_invalid(protocol_pdf, keys):
    report = _verify(protocol_pdf, keys)
    assert report.status == "invalid"
    assert report.document_sha256 is None


def test_garbage_is_invalid_not_a_crash(keys):
    report = _verify(b"%PDF-1.7\nnot really", keys)
    assert report.status == "invalid"
    assert report.problems


def test_verify_cli_exit_codes(tmp_path, sealed_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"hello")
    proc = cli("verify", str(bad), "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["status"] == "invalid"
    missing = cli("verify", str(tmp_path / "nope.pdf"))
    assert missing.returncode == 2
    assert "kunde inte öppnas" in missing.stderr
