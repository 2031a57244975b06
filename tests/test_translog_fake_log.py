"""A fake transparency log on loopback, signing with a throwaway key, must not vouch for a file.

The auditor's finding: the log's head carried its own public key and ``verify --log`` trusted it,
so any server could claim that any PDF was sealed. The fake log here serves a one-leaf tree that
names the never-sealed file, correctly hashed and signed, with its own key.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from werkzeug.wrappers import Request, Response

from signering import cli
from signering.pki.tsa import serve_in_thread
from signering.textpdf import render_text_pdf
from signering.translog.checkpoint import Checkpoint, sign_checkpoint
from signering.translog.log_key import fingerprint, public_key_pem

import pytest


def _leaf(sha: str) -> bytes:
    entry = {"board": "Kommunstyrelsen", "meeting_date": "2025-09-23", "organisation": "Fejk kommun",
             "original_sha256": sha, "sealed_at": "2025-10-07T09:30:00.000000Z", "sealed_sha256": sha}
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fake_log_app(file_bytes: bytes):
    """A WSGI app that answers like a Signering log holding only ``file_bytes``, signed with keys
    of its own: the JSON head of earlier versions (EC P-256) and the C2SP checkpoint (Ed25519)."""
    sha = hashlib.sha256(file_bytes).hexdigest()
    leaf = _leaf(sha)
    root = hashlib.sha256(b"\x00" + leaf).digest()
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    stamp = "2025-10-07T09:31:00.000000Z"
    body = f"fake.example/log\n1\n{base64.b64encode(root).decode()}\ntimestamp {stamp}\n"
    head = {"origin": "fake.example/log", "tree_size": 1, "root_hash": root.hex(), "timestamp": stamp,
            "signature_algorithm": "ecdsa-p256-sha256", "key_id": hashlib.sha256(spki).hexdigest(),
            "signature": key.sign(body.encode(), ec.ECDSA(hashes.SHA256())).hex(),
            "signed_body": body, "public_key_pem": pem}
    note_key = ed25519.Ed25519PrivateKey.generate()
    note = sign_checkpoint(Checkpoint("fake.example/log", 1, root), note_key)
    proof = {"leaf": json.loads(leaf), "leaf_json": leaf.decode(), "tree_head": head, "checkpoint": note,
             "inclusion_proof": {"leaf_index": 0, "tree_size": 1, "leaf_hash": root.hex(), "inclusion_path": []}}

    @Request.application
    def app(request):
        if request.path == "/api/v1/log/head":
            return Response(json.dumps(head), content_type="application/json")
        if request.path == "/api/v1/log/checkpoint":
            return Response(note, content_type="text/plain")
        if request.path == "/api/v1/log/key":
            return Response(json.dumps({"public_key_pem": public_key_pem(note_key.public_key())}),
                            content_type="application/json")
        if request.path == f"/api/v1/log/proof/{sha}":
            return Response(json.dumps(proof), content_type="application/json")
        return Response(json.dumps({"error": "not_found", "message": "no"}), status=404,
                        content_type="application/json")

    return app


def test_a_fake_log_with_its_own_key_cannot_vouch_for_a_never_sealed_file(tmp_path, capsys):
    pdf = render_text_pdf("Protokoll\nAldrig förseglat")
    path = tmp_path / "aldrig.pdf"
    path.write_bytes(pdf)
    url, stop = serve_in_thread(fake_log_app(pdf))
    try:
        code = cli.main(["verify", str(path), "--json", "--log", url.rstrip("/")])
    finally:
        stop()
    captured = capsys.readouterr()
    if captured.out.strip():
        assert json.loads(captured.out).get("log", {}).get("included") is not True
    assert code != 0


@pytest.fixture
def fake_log(tmp_path):
    pdf = render_text_pdf("Protokoll\nAldrig förseglat")
    path = tmp_path / "aldrig.pdf"
    path.write_bytes(pdf)
    url, stop = serve_in_thread(fake_log_app(pdf))
    yield path, url.rstrip("/")
    stop()


def test_a_pinned_fingerprint_rejects_the_fake_log(fake_log, tmp_path, capsys):
    path, url = fake_log
    real = fingerprint(ed25519.Ed25519PrivateKey.generate().public_key())
    code = cli.main(["verify", str(path), "--json", "--log", url, "--log-fingerprint", real,
                     "--log-heads", str(tmp_path / "heads.json")])
    log = json.loads(capsys.readouterr().out)["log"]
    assert code == 1 and log["included"] is False
    assert any("inte signerat med loggens nyckel" in p for p in log["problems"])


def test_a_pinned_key_file_rejects_the_fake_log(fake_log, tmp_path, capsys):
    path, url = fake_log
    key_file = tmp_path / "log.pem"
    key_file.write_text(public_key_pem(ed25519.Ed25519PrivateKey.generate().public_key()))
    code = cli.main(["verify", str(path), "--json", "--log", url, "--log-key", str(key_file),
                     "--log-heads", str(tmp_path / "heads.json")])
    log = json.loads(capsys.readouterr().out)["log"]
    assert code == 1 and log["included"] is False
    assert any("inte signerat med loggens nyckel" in p for p in log["problems"])


def test_without_a_pinned_key_verify_log_refuses_to_answer(fake_log, capsys):
    path, url = fake_log
    assert cli.main(["verify", str(path), "--log", url]) == 2
    assert "--log-fingerprint" in capsys.readouterr().err
