"""Every hostile file, through the JSON API and through the secretary's form: a clear 4xx,
no 500, a bounded time, and nothing left behind (no protocol row, no blob)."""

from __future__ import annotations

import time

import hostile_pdfs as H
import pytest
import test_api_support as api
import test_staff_support as staff

from signering.models import Protocol

CASES = sorted(H.HOSTILE)


@pytest.fixture(scope="module")
def files():
    return {name: H.HOSTILE[name]() for name in CASES}


@pytest.fixture
def api_env(tmp_path):
    return api.make_env(tmp_path)


@pytest.fixture
def staff_env(tmp_path):
    return staff.make_env(tmp_path)


def _no_protocols(svc) -> bool:
    with svc.db.read() as s:
        return s.query(Protocol).count() == 0


def test_every_hostile_file_through_the_api(api_env, files):
    before = api_env.blob_files()
    for name in CASES:
        start = time.monotonic()
        response = api.upload(api_env, files[name], filename="../../etc/ångström\u202e.pdf")
        took = time.monotonic() - start
        body = response.get_json()
        assert 400 <= response.status_code < 500, (name, response.status_code, body)
        assert body["error"] and body["message"], name
        assert took < 30, (name, took)
    assert _no_protocols(api_env.svc)
    assert api_env.blob_files() == before


def test_every_hostile_file_through_the_form(staff_env, files):
    client = staff_env.client(staff.SECRETARY)
    before = staff_env.blob_files()
    for name in CASES:
        response = staff.upload(client, files[name], filename="..\\..\\protokoll\u0000.pdf")
        assert 400 <= response.status_code < 500, (name, response.status_code)
        page = response.get_data(as_text=True)
        assert "<form" in page and "error" in page, name
    assert _no_protocols(staff_env.svc)
    assert staff_env.blob_files() == before


def test_wrong_content_type_and_oversized_body_are_4xx(api_env):
    r = api_env.client.post("/api/v1/protocols", data=b"{}", headers={**api_env.auth(), "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and r.get_json()["error"]
    api_env.app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    r = api.upload(api_env, b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert _no_protocols(api_env.svc)
