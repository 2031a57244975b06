"""``signering verify FILE --log URL`` against a real server's transparency log.

Two live servers (werkzeug in a thread, loopback TSA, demo keys), each with one protocol signed
by everyone and sealed. A file sealed by the first is in the first's log; a file sealed by the
second is valid on its own but not in the first's log.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519

from signering import cli
from signering.models import Protocol
from signering.translog.log_key import fingerprint, public_key_pem
from signering.workflow import signing

from browser_support import SIGNERS, start_server


def seal_protocol(live, meeting: dt.date) -> bytes:
    protocol_id = live.new_protocol(meeting)
    for signer in SIGNERS:
        token = live.link_path(signer.email).rsplit("/", 1)[-1]
        signing.open_link(live.svc, token)
        signing.send_code(live.svc, token)
        assert signing.decide(live.svc, token, live.latest_code(signer.email), "sign") == "signed"
    with live.svc.db.read() as session:
        sealed = session.get(Protocol, protocol_id).current.sealed_sha256
    assert sealed, "the protocol was not sealed"
    return live.svc.blobs.read(sealed)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    first = start_server(tmp_path_factory.mktemp("first"))
    second = start_server(tmp_path_factory.mktemp("second"))
    try:
        in_log = seal_protocol(first, dt.date(2025, 9, 23))
        elsewhere = seal_protocol(second, dt.date(2025, 9, 24))
        yield first, in_log, elsewhere
    finally:
        first.stop()
        second.stop()


def run_verify(capsys, *argv) -> tuple[int, dict]:
    code = cli.main(["verify", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def pin(live, tmp_path) -> list[str]:
    """The arguments that pin the live server's log key, as a user copies them from README."""
    return ["--log-fingerprint", live.svc.log_signer.fingerprint, "--log-heads", str(tmp_path / "heads.json")]


def test_sealed_file_is_included(logs, tmp_path, capsys):
    live, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    code, report = run_verify(capsys, str(path), "--log", live.url, *pin(live, tmp_path))
    assert code == 0, report
    assert report["status"] == "valid"
    assert report["log"]["checked"] is True and report["log"]["included"] is True
    assert report["log"]["tree_size"] == 1 and report["log"]["leaf_index"] == 0
    assert report["log"]["problems"] == []


def test_file_not_in_the_log_is_invalid(logs, tmp_path, capsys):
    live, _, elsewhere = logs
    path = tmp_path / "annat.pdf"
    path.write_bytes(elsewhere)
    # Valid on its own: only the log makes it invalid.
    code, alone = run_verify(capsys, str(path))
    assert code == 0 and "log" not in alone
    code, report = run_verify(capsys, str(path), "--log", live.url, *pin(live, tmp_path))
    assert code == 1
    assert report["status"] == "invalid"
    assert report["log"]["included"] is False and report["log"]["tree_size"] == 1
    assert any("finns inte i transparensloggen" in p for p in report["log"]["problems"])
    assert any("finns inte i transparensloggen" in p for p in report["problems"])


def test_pinned_key_must_match_the_log(logs, tmp_path, capsys):
    live, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    key_file = tmp_path / "other.pem"
    key_file.write_text(public_key_pem(other))
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-key", str(key_file))
    assert code == 1 and report["log"]["included"] is False
    assert any("inte signerat med loggens nyckel" in p for p in report["log"]["problems"])
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-fingerprint", fingerprint(other))
    assert code == 1 and report["log"]["included"] is False
    # The log's own key, pinned as a file or as a C2SP verifier key, is accepted.
    (tmp_path / "log.pem").write_text(public_key_pem(live.svc.log_signer.public_key))
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-key", str(tmp_path / "log.pem"))
    assert code == 0 and report["log"]["included"] is True
    (tmp_path / "log.vkey").write_text(requests.get(f"{live.url}/api/v1/log/key", timeout=10).json()["verifier_key"])
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-key", str(tmp_path / "log.vkey"))
    assert code == 0 and report["log"]["included"] is True


def test_the_log_key_fingerprint_is_on_the_signature_page(logs):
    import subprocess

    live, in_log, _ = logs
    text = subprocess.run(["pdftotext", "-", "-"], input=in_log, capture_output=True, check=True).stdout.decode()
    printed = "".join(text.split())
    fp = live.svc.log_signer.fingerprint
    assert f"fingeravtrycket(SHA-256){fp}." in printed
    # grouped by four on paper, as README shows it
    assert fp[:4] + " " + fp[4:8] in text


def test_unreachable_log_is_exit_2(logs, tmp_path, capsys):
    _, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    from browser_support import free_port
    assert cli.main(["verify", str(path), "--log", f"http://127.0.0.1:{free_port()}",
                     "--log-fingerprint", "00" * 32]) == 2
    assert "kunde inte nås" in capsys.readouterr().err
