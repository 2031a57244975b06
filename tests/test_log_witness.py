"""Witnesses: cosignatures accepted by the log and required by ``verify --log --witness``.

A witness key is made in each test (Ed25519); the log is the real app over loopback HTTP with its
real database and key.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from signering import cli
from signering.pki.tsa import serve_in_thread
from signering.translog.client import LogPin, check_inclusion
from signering.translog.cosignature import WitnessKey, cosign
from signering.translog.note import COSIGNATURE_V1, ED25519, parse_note
from signering.translog.seen_heads import SeenHeads

from test_public_support import add_protocol, env, fake_pdf  # noqa: F401  (env: the shared fixture)
from test_translog_audit import fork


class Witness:
    def __init__(self, name: str, kind: int = COSIGNATURE_V1):
        self.name, self.kind = name, kind
        self.private = ed25519.Ed25519PrivateKey.generate()
        self.key = WitnessKey(name, kind, self.private.public_key())

    def line(self, note: str) -> str:
        text = parse_note(note).text
        return cosign(text, self.name, self.private,
                      timestamp=1760000000 if self.kind == COSIGNATURE_V1 else None).line()


def publish(env, count: int, start: int = 0) -> list[dict]:
    return [add_protocol(env, original=fake_pdf(f"p{i}"), sealed=fake_pdf(f"p{i}") + f"sealed {i}\n%%EOF\n".encode(),
                         meeting=dt.date(2025, 9, 1) + dt.timedelta(days=i), justerat=dt.date(2025, 9, 9))
            for i in range(start, start + count)]


@pytest.fixture
def witness(env):
    w = Witness("witness.example.org/w1")
    env.svc.settings.log_witnesses = w.key.encode()
    return w


def post(env, size: int, body: str):
    return env.client.post(f"/api/v1/log/checkpoint/{size}/cosignature", data=body.encode("utf-8"),
                           content_type="text/plain")


def checkpoint(env, size: int) -> str:
    return env.client.get(f"/api/v1/log/checkpoint/{size}").get_data(as_text=True)


@pytest.mark.parametrize("kind", [COSIGNATURE_V1, ED25519])
def test_a_configured_witness_cosignature_is_kept_and_served_with_the_checkpoint(env, kind):
    w = Witness("witness.example.org/w1", kind)
    env.svc.settings.log_witnesses = w.key.encode()
    publish(env, 2)
    note = checkpoint(env, 2)
    line = w.line(note)
    response = post(env, 2, line)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checkpoint"] == note + line
    assert checkpoint(env, 2) == note + line
    assert env.client.get("/api/v1/log/checkpoint").get_data(as_text=True) == note + line
    # The same witness again replaces its line rather than piling up.
    assert post(env, 2, line).status_code == 200
    assert checkpoint(env, 2) == note + line
    # Other sizes are untouched.
    assert checkpoint(env, 1).count("\u2014") == 1


def test_unknown_witness_bad_signature_and_missing_size_are_refused(env, witness):
    publish(env, 2)
    note1, note2 = checkpoint(env, 1), checkpoint(env, 2)
    stranger = Witness("stranger.example.org")
    response = post(env, 2, stranger.line(note2))
    assert response.status_code == 403 and response.get_json()["error"] == "unknown_witness"
    # The witness's line for size 1 is not a cosignature of size 2.
    response = post(env, 2, witness.line(note1))
    assert response.status_code == 422 and response.get_json()["error"] == "cosignature_invalid"
    response = post(env, 2, "not a signature line")
    assert response.status_code == 422 and response.get_json()["error"] == "cosignature_invalid"
    response = post(env, 9, witness.line(note2))
    assert response.status_code == 404
    assert checkpoint(env, 2) == note2  # nothing was stored


def test_no_witnesses_configured_refuses_every_cosignature(env):
    publish(env, 1)
    w = Witness("witness.example.org/w1")
    response = post(env, 1, w.line(checkpoint(env, 1)))
    assert response.status_code == 403 and response.get_json()["error"] == "unknown_witness"


@pytest.fixture
def live(env):
    url, stop = serve_in_thread(env.app)
    yield env, url.rstrip("/")
    stop()


def verify_args(env, url, tmp_path, pdf: bytes, *extra) -> list[str]:
    path = tmp_path / "justerat.pdf"
    path.write_bytes(pdf)
    return ["verify", str(path), "--json", "--log", url, "--log-fingerprint", env.svc.log_signer.fingerprint,
            "--log-heads", str(tmp_path / "heads.json"), *extra]


def test_verify_requires_the_witness_cosignature_on_the_checkpoint(live, witness, tmp_path, capsys):
    env, url = live
    published = publish(env, 2)
    pdf = env.svc.blobs.read(published[1]["sealed_sha256"])
    args = verify_args(env, url, tmp_path, pdf, "--witness", witness.key.encode())
    # (The fake PDFs are not valid on their own: only the log part of the report is looked at.)
    cli.main(args)
    log = json.loads(capsys.readouterr().out)["log"]
    assert log["included"] is False and log["split_view"] is False
    assert any(witness.name in p and "medsignatur" in p for p in log["problems"]), log["problems"]

    assert post(env, 2, witness.line(checkpoint(env, 2))).status_code == 200
    cli.main(args)
    log = json.loads(capsys.readouterr().out)["log"]
    assert log["included"] is True and log["problems"] == []
    # A cosignature by another witness (configured at the log, not the one the user names) is not enough.
    other = Witness("witness.example.org/w2")
    env.svc.settings.log_witnesses = f"{witness.key.encode()},{other.key.encode()}"
    cli.main(args + ["--witness", other.key.encode()])
    log = json.loads(capsys.readouterr().out)["log"]
    assert log["included"] is False and other.name in log["problems"][0]


def test_a_forked_head_is_detected_when_shown_the_witness_cosigned_one(live, witness, tmp_path):
    env, url = live
    published = publish(env, 3)
    pin = LogPin(fingerprint=env.svc.log_signer.fingerprint)
    sealed = env.svc.blobs.read(published[2]["sealed_sha256"])
    real = checkpoint(env, 3)
    cosigned = real + witness.line(real)
    assert post(env, 3, witness.line(real)).status_code == 200

    fork(env, 1)  # same size 3, one leaf replaced, re-signed with the log's real key
    forked = checkpoint(env, 3)
    assert forked != real and forked.count("\u2014") == 1
    # Without the witness's view (and no heads of its own) the reader sees nothing wrong.
    assert check_inclusion(url, sealed, pin=pin, heads=None).included
    shown = check_inclusion(url, sealed, pin=pin, heads=None, witnesses=[witness.key], witnessed=[cosigned])
    assert shown.split_view and not shown.included
    assert [f.code for f in shown.findings] == ["log_split_view"]

    # The fork grows on: size 5 does not extend the witnessed size 3.
    publish(env, 2, start=3)
    grown = check_inclusion(url, sealed, pin=pin, heads=SeenHeads(str(tmp_path / "h.json")),
                            witnesses=[witness.key], witnessed=[cosigned])
    assert grown.split_view and grown.tree_size == 5


def test_an_honest_log_agrees_with_the_witnessed_checkpoint(live, witness, tmp_path, capsys):
    env, url = live
    published = publish(env, 2)
    cosigned_file = tmp_path / "witnessed.txt"
    cosigned_file.write_text(checkpoint(env, 2) + witness.line(checkpoint(env, 2)), encoding="utf-8")
    publish(env, 2, start=2)
    assert post(env, 4, witness.line(checkpoint(env, 4))).status_code == 200
    args = verify_args(env, url, tmp_path, env.svc.blobs.read(published[0]["sealed_sha256"]),
                       "--witness", witness.key.encode(), "--witness-checkpoint", str(cosigned_file))
    cli.main(args)
    log = json.loads(capsys.readouterr().out)["log"]
    assert log["included"] is True and log["tree_size"] == 4


def test_a_witnessed_checkpoint_without_the_cosignature_is_refused(live, witness, tmp_path):
    env, url = live
    published = publish(env, 2)
    pin = LogPin(fingerprint=env.svc.log_signer.fingerprint)
    result = check_inclusion(url, env.svc.blobs.read(published[0]["sealed_sha256"]), pin=pin,
                             witnesses=[witness.key], witnessed=[checkpoint(env, 2)])
    assert not result.included and [f.code for f in result.findings] == ["log_proof_invalid"]


def test_the_anslagstavla_and_its_feed_carry_the_latest_checkpoint(env, witness):
    publish(env, 2)
    line = witness.line(checkpoint(env, 2))
    assert post(env, 2, line).status_code == 200
    page = env.client.get("/solleftea/anslagstavla").get_data(as_text=True)
    assert "<details" in page and line.split(" ")[2].strip() in page and "/api/v1/log/checkpoint/2" in page
    feed = env.client.get("/solleftea/anslagstavla.atom").get_data(as_text=True)
    root = parse_note(checkpoint(env, 2)).text.split("\n")[2]
    assert 'rel="related"' in feed and "/api/v1/log/checkpoint/2" in feed and root in feed


def test_a_malformed_witness_key_is_a_clear_error(monkeypatch, tmp_path, capsys):
    from signering.errors import InputError
    from signering.runtime import ConfigError, settings_from_env
    from signering.translog.cosignature import parse_witnesses

    good = Witness("w.example.org").key.encode()
    assert [k.name for k in parse_witnesses(f"{good}, {Witness('x').key.encode()}")] == ["w.example.org", "x"]
    bad = good[:-4] + "AAAA"
    with pytest.raises(InputError) as caught:
        parse_witnesses(bad)
    assert caught.value.code == "invalid_witness_key"
    monkeypatch.setenv("SIGNERING_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SIGNERING_LOG_WITNESSES", f"{good} {bad}")
    with pytest.raises(ConfigError) as config:
        settings_from_env()
    assert "SIGNERING_LOG_WITNESSES" in config.value.message("en")
