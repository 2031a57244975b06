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
