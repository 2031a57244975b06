"""The meeting systems' side of the API: upload, read, list; tokens; every kind of bad input."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from signering.models import ApiToken, Event, OutboxMail, Protocol
from test_api_support import BOARD, SIGNERS, assert_error, assert_matches, env, link_token, make_env, metadata, upload  # noqa: F401  (env: the shared fixture)


def _protocol_count(env) -> int:
    with env.svc.db.read() as session:
        return session.execute(select(func.count(Protocol.id))).scalar_one()


def test_upload_creates_protocol_routes_it_and_answers_201(env, protocol_pdf):
    response = upload(env, protocol_pdf)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert_matches("Protocol", body)
    assert body["sha256"] == hashlib.sha256(protocol_pdf).hexdigest()
    assert body["status"] == "signing" and body["version"] == 1 and body["sealed_sha256"] is None
    assert body["board"] == BOARD and body["meeting_date"] == "2025-04-08"
    assert [(s["name"], s["role"], s["position"], s["status"]) for s in body["signers"]] == [
        ("Siv Sjödin", "sekreterare", 0, "active"), ("Birgitta Häggkvist", "ordforande", 1, "waiting"),
        ("John Åberg", "justerare", 2, "waiting")]
    assert response.headers["Location"] == f"/api/v1/protocols/{body['id']}"
    # The exact uploaded bytes are kept, and only the sekreterare has been invited so far.
    assert env.svc.blobs.read(body["sha256"]) == protocol_pdf
    with env.svc.db.read() as session:
        protocol = session.get(Protocol, body["id"])
        assert protocol.created_by == "api:Mötessystemet"
        recipients = session.execute(select(OutboxMail.to)).scalars().all()
        created = session.execute(select(Event).filter_by(kind="created", protocol_id=body["id"])).scalar_one()
        assert created.actor == "api:Mötessystemet"
    assert recipients == [SIGNERS[0]["email"]]


def test_metadata_may_come_as_a_json_file_part(env, protocol_pdf):
    form = {"metadata": (io.BytesIO(json.dumps(metadata()).encode()), "metadata.json", "application/json"),
            "file": (io.BytesIO(protocol_pdf), "protokoll.pdf", "application/pdf")}
    response = env.client.post("/api/v1/protocols", data=form, headers=env.auth(), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def test_get_and_list_are_scoped_to_the_tokens_organisation(env, protocol_pdf, sample_pdfs):
    first = upload(env, protocol_pdf).get_json()
    assert first.pop("warnings") == []  # only the upload's answer carries them
    other_pdf = sample_pdfs["fjallbygden-socialchefer-2025-10-06"]
    second = upload(env, other_pdf, metadata(meeting_date="2025-09-22")).get_json()

    got = env.client.get(f"/api/v1/protocols/{first['id']}", headers=env.auth())
    assert got.status_code == 200
    assert_matches("Protocol", got.get_json())
    assert got.get_json() == first

    listed = env.client.get("/api/v1/protocols?limit=1", headers=env.auth()).get_json()
    assert_matches("ProtocolList", listed)
    assert listed["total"] == 2 and [p["id"] for p in listed["items"]] == [second["id"]]
    page2 = env.client.get("/api/v1/protocols?limit=1&offset=1", headers=env.auth()).get_json()
    assert [p["id"] for p in page2["items"]] == [first["id"]]
    assert env.client.get("/api/v1/protocols?status=sealed", headers=env.auth()).get_json()["total"] == 0

    # The other organisation sees nothing: its list is empty and each protocol is "not found".
    assert env.client.get("/api/v1/protocols", headers=env.auth(env.other_token)).get_json()["total"] == 0
    for path in (f"/api/v1/protocols/{first['id']}", f"/api/v1/protocols/{first['id']}/sealed.pdf"):
        assert_error(env.client.get(path, headers=env.auth(env.other_token)), 404, "not_found")
    assert_error(env.client.get("/api/v1/protocols/999", headers=env.auth()), 404, "not_found")


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                                          ("offset=-1", "offset"), ("offset=99999999999999999999", "offset"),
                                          ("status=nope", "status")])
def test_list_rejects_bad_paging(env, query, field):
    assert_error(env.client.get(f"/api/v1/protocols?{query}", headers=env.auth()), 422, "invalid_input", field)


def test_missing_invalid_or_revoked_token_is_401_with_a_bearer_challenge(env, protocol_pdf):
    assert upload(env, protocol_pdf).status_code == 201
    cases = [{}, {"Authorization": "Bearer sgn_wrong"}, {"Authorization": "Basic dXNlcjpwdw=="},
             {"Authorization": "Bearer"}, {"Authorization": "Bearer " + "x" * 5000}]
    for headers in cases:
        for path in ("/api/v1/protocols", "/api/v1/protocols/1", "/api/v1/protocols/1/sealed.pdf"):
            response = env.client.get(path, headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" in env.client.get("/api/v1/protocols", headers=cases[1]).headers["WWW-Authenticate"]
    with env.svc.db.write() as session:
        for row in session.execute(select(ApiToken)).scalars():
            row.revoked = True
    assert_error(env.client.get("/api/v1/protocols/1", headers=env.auth()), 401, "unauthorized")
    assert_error(upload(env, protocol_pdf), 401, "unauthorized")
    assert _protocol_count(env) == 1


def _signers(*changes):
    people = [dict(s) for s in SIGNERS]
    for index, key, value in changes:
        if value is _DROP:
            del people[index][key]
        else:
            people[index][key] = value
    return people


_DROP = object()

BAD_METADATA = [
    # (id, metadata: dict or raw string, status, error code, field)
    ("not-json", '{"board": ', 422, "invalid_json", "metadata"),
    ("json-list", "[]", 422, "invalid_input", "metadata"),
    ("json-string", '"hello"', 422, "invalid_input", "metadata"),
    ("deeply-nested", "[" * 60_000, 422, "invalid_json", "metadata"),
    ("empty", "", 422, "invalid_input", "metadata"),
    ("unknown-field", metadata(colour="blue"), 422, "invalid_input", "metadata.colour"),
    ("board-null", metadata(board=None), 422, "invalid_input", "board"),
    ("board-number", metadata(board=7), 422, "invalid_input", "board"),
    ("board-long", metadata(board="K" * 201), 422, "invalid_input", "board"),
    ("metadata-huge", metadata(board="K" * 300_000), 413, "body_too_large", None),
    ("board-unknown", metadata(board="Barn- och utbildningsnämnden"), 422, "unknown_board", "board"),
    ("date-null", metadata(meeting_date=None), 422, "invalid_input",
     "meeting_date"),
    ("date-impossible", metadata(meeting_date="2024-13-45"), 422, "invalid_date", None),
    ("date-swedish-style", metadata(meeting_date="16/4/2024"), 422, "invalid_date", None),
    ("date-number", metadata(meeting_date=20240416), 422, "invalid_input", "meeting_date"),
    ("signers-null", metadata(signers=None), 422, "invalid_input", "signers"),
    ("signers-object", metadata(signers={"name": "Siv"}), 422, "invalid_input", "signers"),
    ("signers-empty", metadata(signers=[]), 422, "invalid_input", "signers"),
    ("signers-too-many", metadata(signers=[SIGNERS[2]] * 51), 422, "invalid_input", "signers"),
    ("signer-string", metadata(signers=["Siv Sjödin"] + SIGNERS[1:]), 422, "invalid_input", "signers[0]"),
    ("signer-unknown-field", metadata(signers=_signers((1, "phone", "070"))), 422, "invalid_input",
     "signers[1].phone"),
    ("signer-no-email", metadata(signers=_signers((2, "email", _DROP))), 422, "invalid_input", "signers[2].email"),
    ("signer-name-list", metadata(signers=_signers((0, "name", ["Siv"]))), 422, "invalid_input", "signers[0].name"),
    ("signer-bad-email", metadata(signers=_signers((1, "email", "birgitta at example"))), 422, "invalid_input",
     "signers"),
    ("signer-bad-role", metadata(signers=_signers((2, "role", "ledamot"))), 422, "invalid_input", "signers"),
    ("signers-wrong-order", metadata(signers=[SIGNERS[1], SIGNERS[0], SIGNERS[2]]), 422, "invalid_input",
     "signers"),
    ("no-justerare", metadata(signers=SIGNERS[:2]), 422, "invalid_input", "signers"),
    ("protocol-id-string", metadata(protocol_id="1"), 422, "invalid_input", "protocol_id"),
    ("protocol-id-bool", metadata(protocol_id=True), 422, "invalid_input", "protocol_id"),
    ("protocol-id-huge", metadata(protocol_id=10**30), 422, "invalid_input", "protocol_id"),
    ("protocol-id-unknown", metadata(protocol_id=4711), 404, "not_found", None),
]


@pytest.mark.parametrize("meta, status, code, field", [case[1:] for case in BAD_METADATA],
                         ids=[case[0] for case in BAD_METADATA])
def test_bad_metadata_is_refused_with_a_message_and_leaves_nothing(env, protocol_pdf, meta, status, code, field):
    before = env.blob_files()
    body = assert_error(upload(env, protocol_pdf, meta), status, code, field)
    assert _protocol_count(env) == 0
    assert env.blob_files() == before, "a refused upload left a file in the blob store"
    # Swedish by default; the same refusal in English on request.
    english = env.client.post("/api/v1/protocols?lang=en", headers=env.auth(), content_type="multipart/form-data",
                              data={"metadata": meta if isinstance(meta, str) else json.dumps(meta),
                                    "file": (io.BytesIO(protocol_pdf), "p.pdf")}).get_json()
    assert english["error"] == body["error"] and english["message"] != body["message"]


@pytest.mark.parametrize("content, code", [
    (b"", "empty_file"),
    (b"Protokoll\nKommunstyrelsen 2024-04-16\n", "not_pdf"),
    (b"%PDF-1.7\n" + b"0" * 5000, "damaged_pdf"),
])
def test_a_file_that_is_not_a_usable_pdf_is_refused_and_removed(env, content, code):
    before = env.blob_files()
    assert_error(upload(env, content), 422, code)
    assert _protocol_count(env) == 0
    assert env.blob_files() == before


def test_missing_file_part_is_refused(env):
    assert_error(upload(env, None), 422, "invalid_input", "file")
    assert _protocol_count(env) == 0


@pytest.mark.parametrize("kwargs", [
    {"json": metadata()},
    {"data": "metadata=x", "content_type": "application/x-www-form-urlencoded"},
    {"data": b"%PDF-1.7", "content_type": "application/pdf"},
    {"data": b"--x\r\nbroken", "content_type": "multipart/form-data; boundary=x"},
    {"data": b"garbage", "content_type": "multipart/form-data"},
])
def test_wrong_or_broken_content_type_is_a_4xx(env, kwargs):
    response = env.client.post("/api/v1/protocols", headers=env.auth(), **kwargs)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert _protocol_count(env) == 0


def test_upload_over_the_size_limit_is_413(tmp_path, protocol_pdf):
    env = make_env(tmp_path)
    env.svc.settings.max_upload_bytes = len(protocol_pdf) - 1
    before = env.blob_files()
    assert_error(upload(env, protocol_pdf), 413, "too_large")
    assert env.blob_files() == before and _protocol_count(env) == 0


def test_new_version_replaces_the_route_and_kills_the_old_links(env, protocol_pdf, sample_pdfs):
    first = upload(env, protocol_pdf).get_json()
    old_link = link_token(env, SIGNERS[0]["email"])
    corrected = sample_pdfs["fjallbygden-socialchefer-2025-10-06"]
    response = upload(env, corrected, metadata(protocol_id=first["id"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] == first["id"] and body["version"] == 2
    assert body["sha256"] == hashlib.sha256(corrected).hexdigest()
    assert [s["status"] for s in body["signers"]] == ["active", "waiting", "waiting"]
    assert_error(env.client.get(f"/api/v1/sign/{old_link}"), 404, "link_invalid")
    assert link_token(env, SIGNERS[0]["email"]) != old_link


def test_another_organisations_protocol_cannot_get_a_new_version(env, protocol_pdf, sample_pdfs):
    first = upload(env, protocol_pdf).get_json()
    assert first.pop("warnings") == []
    before = env.blob_files()
    attempt = upload(env, sample_pdfs["fjallbygden-socialchefer-2025-10-06"], metadata(protocol_id=first["id"]),
                     token=env.other_token)
    assert_error(attempt, 404, "not_found")
    # The refusal comes after the file was stored and prepared; neither may stay behind.
    assert env.blob_files() == before
    assert env.client.get(f"/api/v1/protocols/{first['id']}", headers=env.auth()).get_json() == first


@pytest.mark.parametrize("path, status", [
    ("/api/v1/protocols/99999999999999999999999", 404),
    ("/api/v1/protocols/abc", 404),
    ("/api/v1/protocols/-1", 404),
    ("/api/v1/nothing-here", 404),
])
def test_odd_paths_answer_json(env, path, status):
    assert_error(env.client.get(path, headers=env.auth()), status)


def test_wrong_method_answers_json(env):
    assert_error(env.client.delete("/api/v1/protocols", headers=env.auth()), 405)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
_signer_like = st.fixed_dictionaries({}, optional={"name": _json_values | st.just("Siv Sjödin"),
                                                   "email": _json_values | st.just("siv@example.se"),
                                                   "role": _json_values | st.sampled_from(["sekreterare",
                                                                                           "justerare"])})
_metadata_like = _json_values | st.fixed_dictionaries({}, optional={
    "board": _json_values | st.just(BOARD),
    "meeting_date": _json_values | st.sampled_from(["2024-04-16", "2024-02-30", "2024-4-16", " 2024-04-16"]),
    "signers": st.lists(_signer_like | _json_values, max_size=4),
    "protocol_id": _json_values,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=_metadata_like)
def test_no_metadata_makes_a_server_error(env, meta):
    response = upload(env, b"%PDF-1.4 not really", json.dumps(meta))
    # The file is no PDF, so even well-formed metadata ends in a 422; never in a 500.
    assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500
