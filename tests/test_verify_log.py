"""``signering verify FILE --log URL`` against a real server's transparency log.

Two live servers (werkzeug in a thread, loopback TSA, demo keys), each with one protocol signed
by everyone and sealed. A file sealed by the first is in the first's log; a file sealed by the
second is valid on its own but not in the first's log.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signering import cli
from signering.models import Protocol
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


def test_sealed_file_is_included(logs, tmp_path, capsys):
    live, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    code, report = run_verify(capsys, str(path), "--log", live.url)
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
    code, report = run_verify(capsys, str(path), "--log", live.url)
    assert code == 1
    assert report["status"] == "invalid"
    assert report["log"]["included"] is False and report["log"]["tree_size"] == 1
    assert any("finns inte i transparensloggen" in p for p in report["log"]["problems"])
    assert any("finns inte i transparensloggen" in p for p in report["problems"])


def test_pinned_key_must_match_the_log(logs, tmp_path, capsys):
    live, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    key_file = tmp_path / "other.pem"
    key_file.write_bytes(other.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo))
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-key", str(key_file))
    assert code == 1 and report["log"]["included"] is False
    assert any("inte signerat med loggens nyckel" in p for p in report["log"]["problems"])
    # The log's own key, pinned, is accepted.
    import requests
    (tmp_path / "log.pem").write_text(requests.get(f"{live.url}/api/v1/log/head", timeout=10).json()["public_key_pem"])
    code, report = run_verify(capsys, str(path), "--log", live.url, "--log-key", str(tmp_path / "log.pem"))
    assert code == 0 and report["log"]["included"] is True


def test_unreachable_log_is_exit_2(logs, tmp_path, capsys):
    _, in_log, _ = logs
    path = tmp_path / "justerat.pdf"
    path.write_bytes(in_log)
    from browser_support import free_port
    assert cli.main(["verify", str(path), "--log", f"http://127.0.0.1:{free_port()}"]) == 2
    assert "kunde inte nås" in capsys.readouterr().err
