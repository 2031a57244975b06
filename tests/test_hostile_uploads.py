"""Every hostile file, through the JSON API and through the secretary's form: the specific 422
error for what is wrong with it (the code in the API, its message on the form), a bounded time,
and nothing left behind (no protocol row, no blob)."""

from __future__ import annotations

import os
import tempfile
import time

import hostile_pdfs as H
import pytest
import test_api_support as api
import test_staff_support as staff

from signering import errors
from signering.ingest.isolated import DEFAULT_TIMEOUT_S
from signering.models import Protocol
from signering.textpdf import render_text_pdf

CASES = sorted(H.HOSTILE)

#: file -> the error code each hostile file gets today
EXPECTED = {
    "empty": "empty_file",
    "png_renamed": "not_pdf",
    "text_renamed": "not_pdf",
    "truncated": "damaged_pdf",
    "truncated_before_end_marker": "damaged_pdf",
    "garbage_before_header": "damaged_pdf",
    "garbage_after_end": "damaged_pdf",
    "garbage_inserted_after_header": "damaged_pdf",
    "xref_offsets_wrong": "damaged_pdf",
    "one_object_misplaced": "damaged_pdf",
    "xref_keyword_gone": "damaged_pdf",
    "startxref_beyond_end": "damaged_pdf",
    "xref_prev_loop": "damaged_pdf",
    "zero_pages": "no_pages",
    "page_tree_cycle": "damaged_pdf",
    "page_tree_self_parent": "damaged_pdf",
    "page_count_lies": "damaged_pdf",
    "reference_loop": "damaged_pdf",
    "nested_arrays": "damaged_pdf",
    "nested_dicts": "damaged_pdf",
    "nested_in_trailer": "damaged_pdf",
    "content_stream_bomb": "damaged_pdf",
    "object_stream_bomb": "damaged_pdf",
    "open_action_javascript": "active_content",
    "open_action_goto_then_javascript": "active_content",
    "open_action_uri": "active_content",
    "document_javascript": "active_content",
    "document_additional_actions": "active_content",
    "page_additional_actions": "active_content",
    "launch_link": "active_content",
    "javascript_uri_link": "active_content",
    "launch_bookmark": "active_content",
    "submit_form_button": "active_content",
    "rich_media_annotation": "active_content",
    "encrypted": "encrypted_pdf",
    "encrypted_without_user_password": "encrypted_pdf",
    "certified": "certified_pdf",
    "approval_signed": "already_signed",
    "certified_without_perms": "certified_pdf",
}
#: code -> the error class (its Swedish message is what the form shows)
ERRORS = {cls.code: cls for cls in vars(errors).values()
          if isinstance(cls, type) and issubclass(cls, errors.SigneringError)}
#: each request must end well before the isolated checker's own timeout would have fired
#: (30 s, after which it answers damaged_pdf/too_slow) plus a generous margin for a busy machine
TIME_LIMIT_S = DEFAULT_TIMEOUT_S + 10


def test_every_hostile_file_has_an_expected_code():
    assert sorted(EXPECTED) == CASES
    for code in EXPECTED.values():
        assert ERRORS[code].http_status == 422, code


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
        assert response.status_code == 422, (name, response.status_code, body)
        assert body["error"] == EXPECTED[name], (name, body)
        assert body["message"] == ERRORS[EXPECTED[name]].default_sv, (name, body)
        # no "details": the checker neither timed out (too_slow) nor died (checker_died)
        assert "details" not in body, (name, body)
        assert took < TIME_LIMIT_S, (name, took)
    assert _no_protocols(api_env.svc)
    assert api_env.blob_files() == before


def test_every_hostile_file_through_the_form(staff_env, files):
    client = staff_env.client(staff.SECRETARY)
    before = staff_env.blob_files()
    for name in CASES:
        start = time.monotonic()
        response = staff.upload(client, files[name], filename="..\\..\\protokoll\u0000.pdf")
        took = time.monotonic() - start
        assert response.status_code == 422, (name, response.status_code)
        page = response.get_data(as_text=True)
        assert "<form" in page and "error" in page, name
        # the form shows the message of exactly this file's error, and of no other
        shown = staff.text(response)
        assert ERRORS[EXPECTED[name]].default_sv in shown, (name, shown)
        others = {code for code in set(EXPECTED.values()) if code != EXPECTED[name]}
        assert not [code for code in others if ERRORS[code].default_sv in shown], name
        assert took < TIME_LIMIT_S, (name, took)
    assert _no_protocols(staff_env.svc)
    assert staff_env.blob_files() == before


def test_wrong_content_type_and_oversized_body_are_4xx(api_env):
    r = api_env.client.post("/api/v1/protocols", data=b"{}", headers={**api_env.auth(), "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500 and r.get_json()["error"]
    api_env.app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    r = api.upload(api_env, b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert _no_protocols(api_env.svc)


# -- a refused upload leaves no file: not in the blob store, its tmp/ or the temp dir ------------

#: file -> the typed error it is refused with (too_large: a protocol over the upload limit)
REFUSED = {"empty": "empty_file", "png_renamed": "not_pdf", "truncated": "damaged_pdf",
           "encrypted": "encrypted_pdf", "zero_pages": "no_pages", "certified": "certified_pdf",
           "approval_signed": "already_signed", "launch_link": "active_content", "too_large": "too_large"}


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp dir of this test's own (others' files in /tmp would make counting it meaningless),
    for this process and for the child processes it starts."""
    path = tmp_path / "tmpdir"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    monkeypatch.setenv("TMPDIR", str(path))
    return path


def _refused_file(name: str) -> bytes:
    return H.protocol_pdf() if name == "too_large" else H.HOSTILE[name]()


def _counts(env, tmp_dir) -> dict:
    blobs = env.svc.blobs
    return {"blobs": len(list(blobs.iter_hashes())), "store_tmp": len(os.listdir(blobs.tmp_dir)),
            "all_store_files": len(env.blob_files()), "temp_dir": len(os.listdir(tmp_dir))}


def _limit_below(env, name: str) -> None:
    env.svc.settings.max_upload_bytes = len(H.protocol_pdf()) - 1 if name == "too_large" else 100 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_upload_through_the_api_leaves_no_file(tmp_path, private_tmp, name):
    env = api.make_env(tmp_path)
    # One accepted protocol first, so the counts are not trivially zero.
    assert api.upload(env, render_text_pdf("Kommunstyrelsen\n\n§ 1 Ett ärende\n")).status_code == 201
    before = _counts(env, private_tmp)
    assert before["blobs"] == 2 and before["store_tmp"] == 0 and before["temp_dir"] == 0
    _limit_below(env, name)
    response = api.upload(env, _refused_file(name))
    assert response.get_json()["error"] == REFUSED[name], response.get_json()
    assert 400 <= response.status_code < 500
    assert _counts(env, private_tmp) == before
    with env.svc.db.read() as s:
        assert s.query(Protocol).count() == 1


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_refused_upload_through_the_form_leaves_no_file(tmp_path, private_tmp, name):
    env = staff.make_env(tmp_path)
    client = env.client(staff.SECRETARY)
    staff.upload_ok(env, client, render_text_pdf("Kommunstyrelsen\n\n§ 1 Ett ärende\n"))
    before = _counts(env, private_tmp)
    assert before["blobs"] == 2 and before["store_tmp"] == 0 and before["temp_dir"] == 0
    _limit_below(env, name)
    response = staff.upload(client, _refused_file(name))
    assert 400 <= response.status_code < 500, response.status_code
    assert "<form" in response.get_data(as_text=True)
    assert _counts(env, private_tmp) == before
    with env.svc.db.read() as s:
        assert s.query(Protocol).count() == 1
