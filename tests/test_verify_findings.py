"""Verification findings: stable codes (a public contract), both languages, and the codes that
tampered files yield, from the core, the CLI and the web (issue 10)."""

from __future__ import annotations

import io
import json
import os
import string
import subprocess
import sys

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signering.pki.certs import to_asn1
from signering.verification.findings import CATALOG, Code, Severity, finding
from signering.verification.report import VerificationReport
from signering.verification.usecase import verify_file

#: Renaming a code breaks every client that matches on it: add codes, never rename them.
PINNED_CODES = [
    "unreadable_pdf",
    "signature_page_missing", "original_modified", "original_incomplete", "original_unreadable",
    "no_signatures", "unexpected_signer_field", "signature_missing", "signer_fields_missing", "seal_missing",
    "document_timestamp_missing",
    "signature_uncheckable", "signature_modified", "signature_invalid", "status_evidence_missing",
    "untrusted_certificate", "signature_not_timestamped",
    "disallowed_changes", "content_after_last_signature",
    "not_in_log", "log_entry_other_file", "log_proof_invalid", "log_split_view", "log_not_witnessed",
    "long_term_validation_not_passed",
]


def test_finding_codes_are_pinned():
    assert [str(code) for code in Code] == PINNED_CODES
    assert [str(severity) for severity in Severity] == ["error"]


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_every_code_has_a_severity_and_a_message_in_both_languages():
    assert set(CATALOG) == set(Code)
    for code, (severity, sv, en) in CATALOG.items():
        assert isinstance(severity, Severity)
        assert _fields(sv) == _fields(en), code
        if code is not Code.LOG_PROOF_INVALID:  # that one carries the proof error's own two messages
            assert sv != en and len(sv) > 20 and len(en) > 20, code


def test_the_status_evidence_finding_keeps_its_words():
    found = finding(Code.STATUS_EVIDENCE_MISSING, signature="signer-1", who="Siv Sjödin")
    assert found.message("sv") == ("Filen visar inte att certifikatet för Siv Sjödin var giltigt (inte spärrat) när "
                                   "underskriften gjordes: spärrinformation från signeringstillfället saknas.")
    assert "Siv Sjödin" in found.message("en") and "revocation information" in found.message("en")
    assert found.to_json("en") == {"code": "status_evidence_missing", "severity": "error",
                                   "message": found.message("en"), "signature": "signer-1"}


# --- tampered files ----------------------------------------------------------------------

def flipped_byte(sealed: bytes) -> bytes:
    data = bytearray(sealed)
    data[2000] ^= 0x01  # inside the original protocol, under every signature
    return bytes(data)


def truncated(sealed: bytes) -> bytes:
    return sealed[: len(sealed) - 5000]


def cut_after_first_signature(sealed: bytes) -> bytes:
    first = next(s for s in PdfFileReader(io.BytesIO(sealed)).embedded_signatures
                 if str(s.field_name) == "signer-1")
    return sealed[: first.byte_range[2] + first.byte_range[3]]


TAMPERED = {
    "flipped_byte": (flipped_byte, {"original_modified", "signature_modified"}),
    "truncated": (truncated, {"unreadable_pdf"}),
    "cut_after_first_signature": (cut_after_first_signature,
                                  {"signature_missing", "seal_missing", "document_timestamp_missing",
                                   "status_evidence_missing"}),
}


def test_the_sealed_file_has_no_findings(sealed_pdf, keys):
    report = verify_file(sealed_pdf, [to_asn1(keys.root)])
    assert report.valid and report.findings == [] and report.to_json("en")["findings"] == []


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_file_yields_its_codes_in_both_languages(case, sealed_pdf, keys):
    tamper, expected = TAMPERED[case]
    report = verify_file(tamper(sealed_pdf), [to_asn1(keys.root)])
    assert report.status == "invalid"
    assert expected <= set(report.codes()), report.codes()
    sv, en = report.to_json("sv"), report.to_json("en")
    assert [f["code"] for f in sv["findings"]] == [f["code"] for f in en["findings"]] == report.codes()
    assert all(f["severity"] == "error" for f in en["findings"])
    # problems stay the Swedish messages, whatever the language of the findings
    assert sv["problems"] == en["problems"] == [f["message"] for f in sv["findings"]]
    assert all(s != e for s, e in zip(sv["problems"], [f["message"] for f in en["findings"]]))
    # what the isolated child hands over comes back whole
    assert VerificationReport.from_dict(json.loads(json.dumps(report.to_dict()))).to_json("en") == en


def test_findings_name_the_signature_they_concern(sealed_pdf, keys):
    report = verify_file(flipped_byte(sealed_pdf), [to_asn1(keys.root)])
    per_signature = {f.signature for f in report.findings if f.code is Code.SIGNATURE_MODIFIED}
    assert {"signer-1", "signer-2", "signer-3", "seal"} <= per_signature
    assert next(f for f in report.findings if f.code is Code.ORIGINAL_MODIFIED).signature is None


# --- the CLI -----------------------------------------------------------------------------

def cli(*args, lang: str | None = None):
    env = dict(os.environ)
    env.pop("SIGNERING_LANG", None)
    if lang:
        env["SIGNERING_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "signering.cli", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_verify_cli_reports_the_codes_in_the_users_language(case, sealed_pdf, tmp_path):
    tamper, expected = TAMPERED[case]
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(tamper(sealed_pdf))
    sv = cli("verify", str(path), "--json")
    en = cli("verify", str(path), "--json", lang="en")
    assert sv.returncode == en.returncode == 1, sv.stderr + en.stderr
    sv_report, en_report = json.loads(sv.stdout), json.loads(en.stdout)
    codes = [f["code"] for f in en_report["findings"]]
    assert expected <= set(codes) and codes == [f["code"] for f in sv_report["findings"]]
    assert en_report["problems"] == sv_report["problems"] == [f["message"] for f in sv_report["findings"]]
    english = [f["message"] for f in en_report["findings"]]
    assert english != sv_report["problems"]

    human_sv, human_en = cli("verify", str(path)), cli("verify", str(path), lang="en")
    assert human_sv.stdout.startswith("OGILTIG") and human_en.stdout.startswith("INVALID")
    for message, code in zip(english, codes):
        assert f"Problem: {message} [{code}]" in human_en.stdout
    for message in sv_report["problems"]:
        assert message in human_sv.stdout


def test_readme_documents_every_code():
    readme = open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md"), encoding="utf-8").read()
    section = readme[readme.index("### Verifying a protocol offline"):readme.index("### Protocols sealed without")]
    documented = [line.split("|")[1].strip().strip("`") for line in section.splitlines()
                  if line.startswith("| `")]
    assert documented == PINNED_CODES
