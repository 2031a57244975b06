"""The ETSI verdict in `signering verify`, true messages, and a sealed protocol judged later (issue 11).

A protocol sealed now is judged at +40 minutes, +2 hours, +30 days and +10 years three ways: by `signering
verify` in a process whose clock is moved (libfaketime), by `signering verify --at` with the real
clock, and by the ETSI EN 319 102-1 long-term algorithm alone (pyHanko's, on the file's own data).
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import subprocess
import sys

import pytest
from faketime import faked_env

from test_public_verify import tampered  # a later update that swaps the first page's text

from signering.pdf.validation_clock import CLOCK_READERS
from signering.pki.certs import to_asn1
from signering.verification.usecase import verify_file

HOUR, DAY = 3600, 86400
#: +40 minutes lies after a half-hour status answer's nextUpdate and before the hour-long signer
#: certificates expire: there the signers' signatures read INDETERMINATE until the status evidence
#: was made good until just before the certificate's expiry.
LATER = {"+40 minutes": 40 * 60, "+2 hours": 2 * HOUR, "+30 days": 30 * DAY, "+10 years": 3653 * DAY}
FIELDS = ["signer-1", "signer-2", "signer-3", "seal"]


def flipped_byte(sealed: bytes) -> bytes:
    data = bytearray(sealed)
    data[2000] ^= 0x01  # inside the original protocol, under every signature
    return bytes(data)


def cli(*args, seconds_ahead: float | None = None, lang: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("SIGNERING_LANG", None)
    env.pop("SIGNERING_LOG_LEVEL", None)
    if lang:
        env["SIGNERING_LANG"] = lang
    if seconds_ahead is not None:
        env = faked_env(env, seconds_ahead)
    return subprocess.run([sys.executable, "-m", "signering.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


_ETSI = """
import json, os, sys
from signering.pdf.etsi import ades_verdicts
from signering.pki.certs import to_asn1
from signering.pki.keys import DEMO_DIR, load_certificates
roots = [to_asn1(load_certificates(os.path.join(DEMO_DIR, "root.pem"))[0])]
print(json.dumps([[v.field, v.indication, v.subindication] for v in ades_verdicts(open(sys.argv[1], "rb").read(), roots)]))
"""


def etsi(path, seconds_ahead: float) -> list:
    proc = subprocess.run([sys.executable, "-c", _ETSI, str(path)], env=faked_env(dict(os.environ), seconds_ahead),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [tuple(v) for v in json.loads(proc.stdout)]


@pytest.fixture(scope="module")
def sealed_now(keys, tmp_path_factory):
    """A protocol sealed now (the session's sealed_pdf may be minutes old; this one is fresh)."""
    from conftest import SAMPLE_ROUTE, BASE_URL
    from signering.pdf.chain import run_chain
    from signering.pki.embedded_tsa import running_tsa
    from signering.textpdf import render_text_pdf

    pdf = render_text_pdf("Kommunstyrelsen\n\nSammanträde 2024-04-16\n\n§ 1 Budget\n\nBeslut: fastställd.\n")
    with running_tsa(keys) as ts:
        sealed = run_chain(pdf, SAMPLE_ROUTE, keys, ts, BASE_URL)
    path = tmp_path_factory.mktemp("verdict") / "sealed.pdf"
    path.write_bytes(sealed)
    return path, dt.datetime.now(dt.timezone.utc)


def _all_passed(report: dict) -> list:
    return [(s["field"], s["indication"], s["subindication"]) for s in report["signatures"]
            if s["kind"] != "document_timestamp"]


@pytest.mark.parametrize("label", list(LATER))
def test_a_protocol_sealed_now_passes_later_by_verify_and_by_etsi(label, sealed_now):
    path, sealed_at = sealed_now
    ahead = LATER[label]
    # signering verify, the process's clock moved
    moved = cli("verify", str(path), "--json", seconds_ahead=ahead)
    report = json.loads(moved.stdout)
    assert moved.returncode == 0 and report["status"] == "valid", (label, report["problems"])
    assert _all_passed(report) == [(f, "TOTAL_PASSED", None) for f in FIELDS], label
    assert all(s["indication"] == "TOTAL_PASSED" for s in report["signatures"])
    # signering verify --at, the real clock
    at = (sealed_at + dt.timedelta(seconds=ahead)).isoformat()
    asked = cli("verify", str(path), "--json", "--at", at)
    report = json.loads(asked.stdout)
    assert asked.returncode == 0 and report["status"] == "valid", (label, report["problems"])
    assert report["verified_at"] == dt.datetime.fromisoformat(at).astimezone(dt.timezone.utc).isoformat()
    assert _all_passed(report) == [(f, "TOTAL_PASSED", None) for f in FIELDS], label
    # the ETSI long-term algorithm alone
    assert etsi(path, ahead) == [(f, "TOTAL_PASSED", None) for f in FIELDS], label


def test_at_does_not_read_the_wall_clock(sealed_now):
    """Judged as of two hours after sealing by a process whose clock says ten years later: the
    same verdict as at two hours, so nothing in the verdict came from the wall clock."""
    path, sealed_at = sealed_now
    at = (sealed_at + dt.timedelta(hours=2)).isoformat()
    report = json.loads(cli("verify", str(path), "--json", "--at", at, seconds_ahead=LATER["+10 years"]).stdout)
    assert report["status"] == "valid", report["problems"]
    assert report["verified_at"].startswith((sealed_at + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H"))
    # before the signatures existed nothing can pass
    before = json.loads(cli("verify", str(path), "--json", "--at", "2020-01-01").stdout)
    assert before["status"] == "invalid"
    assert {s["indication"] for s in before["signatures"]} == {"INDETERMINATE"}


def test_every_wall_clock_read_in_pyhankos_validation_is_redirected():
    """validation_clock names each module of the validation code that calls datetime.now."""
    import pyhanko
    import pyhanko_certvalidator

    readers = set()
    for package in (pyhanko, pyhanko_certvalidator):
        root = list(package.__path__)[0]
        for path in glob.glob(os.path.join(root, "**", "*.py"), recursive=True):
            rel = os.path.relpath(path, os.path.dirname(root))
            if not (rel.startswith(("pyhanko/sign/validation", "pyhanko_certvalidator"))) or "/qualified/" in rel:
                continue
            if re.search(r"\bdatetime\.now\(", open(path, encoding="utf-8").read()):
                readers.add(rel[:-3].replace("/", ".").removesuffix(".__init__"))
    assert readers == set(CLOCK_READERS)


def test_a_flipped_byte_reads_modified_not_untrusted(sealed_pdf, keys):
    report = verify_file(flipped_byte(sealed_pdf), [to_asn1(keys.root)])
    codes = report.codes()
    assert report.status == "invalid"
    assert "signature_modified" in codes and "original_modified" in codes
    assert "untrusted_certificate" not in codes, codes
    # the same certificates are still trusted; the signatures are broken
    assert all(s.trusted and not s.intact for s in report.signatures)
    assert {(s.indication, s.subindication) for s in report.signatures} == {("TOTAL_FAILED", "HASH_FAILURE")}
    assert not any("betrodd" in m for m in report.messages("sv"))


@pytest.mark.parametrize("tamper", [flipped_byte, tampered])
def test_no_library_traceback_or_warning_reaches_the_terminal(tamper, sealed_pdf, tmp_path):
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tamper(sealed_pdf))
    for args in (("verify", str(path)), ("verify", str(path), "--json")):
        proc = cli(*args)
        assert proc.returncode == 1
        assert proc.stderr == "", proc.stderr[-2000:]
    assert cli("verify", str(path)).stdout.startswith("OGILTIG")


def test_the_human_output_speaks_swedish_time_and_words(sealed_path, sealed_pdf, tmp_path):
    valid = cli("verify", sealed_path)
    assert valid.returncode == 0 and valid.stdout.startswith("GILTIG")
    lines = [line for line in valid.stdout.splitlines() if line.startswith("  ✓")]
    assert len(lines) == 5
    for line in lines:
        # Swedish local time with its zone, to the second
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CET|CEST)", line), line
        assert "+00:00" not in line and not re.search(r":\d\d\.\d+", line), line
    assert "(ordförande)" in valid.stdout and "ordforande" not in valid.stdout
    assert "(chair)" in cli("verify", sealed_path, lang="en").stdout

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(flipped_byte(sealed_pdf))
    invalid = cli("verify", str(broken))
    assert invalid.stdout.startswith("OGILTIG")
    assert "✓" not in invalid.stdout


def test_json_gives_each_signature_its_indication(sealed_path):
    proc = cli("verify", sealed_path, "--json")
    report = json.loads(proc.stdout)
    assert report["status"] == "valid"
    for s in report["signatures"]:
        assert s["indication"] == "TOTAL_PASSED" and s["subindication"] is None
    # the earlier fields stay: a public contract
    for key in ("status", "document_sha256", "original_length", "file_sha256", "signatures", "timestamped",
                "sealed", "problems", "findings"):
        assert key in report
    for key in ("field", "kind", "signer", "role", "signed_at", "intact", "valid", "trusted", "timestamped",
                "covers_whole_file", "changes_after", "status_evidence", "changed_after"):
        assert key in report["signatures"][0]


def test_at_refuses_what_is_not_a_date(sealed_path):
    proc = cli("verify", sealed_path, "--at", "i morgon")
    assert proc.returncode == 2 and "--at" in proc.stderr and "Traceback" not in proc.stderr
