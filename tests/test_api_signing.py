"""The signers' side of the API, end to end: code, sign in order, seal, fetch and verify the PDF."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from signering.models import Notice, Protocol
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1
from signering.pki.orgkeys import demo_keys
from test_api_support import (SIGNERS, assert_error, assert_matches, latest_code, link_token, mails_to, make_env,
                              metadata, upload)


@pytest.fixture()
def env(tmp_path, tsa_url):
    env = make_env(tmp_path)
    env.svc.settings.tsa_url = tsa_url
    return env


def _sign(env, person: dict) -> dict:
    token = link_token(env, person["email"])
    view = env.client.get(f"/api/v1/sign/{token}")
    assert view.status_code == 200, view.get_json()
    assert view.headers["Cache-Control"] == "no-store"
    sent = env.client.post(f"/api/v1/sign/{token}/code")
    assert sent.status_code == 202 and sent.get_json() == {"status": "code_sent"}
    decided = env.client.post(f"/api/v1/sign/{token}", json={"code": latest_code(env, person["email"]),
                                                              "decision": "sign"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json() == {"status": "signed"}
    # A used link is dead.
    assert_error(env.client.get(f"/api/v1/sign/{token}"), 404, "link_invalid")
    return view.get_json()


def test_three_signers_in_order_then_sealed_posted_and_verifiable(env, protocol_pdf):
    created = upload(env, protocol_pdf).get_json()
    pid = created["id"]
    # Only the sekreterare has a link; the others are not invited before their turn.
    assert mails_to(env, SIGNERS[1]["email"]) == [] and mails_to(env, SIGNERS[2]["email"]) == []
    assert_error(env.client.get("/api/v1/sign/" + "A" * 43), 404, "link_invalid")

    first_view = _sign(env, SIGNERS[0])
    assert_matches("SigningView", first_view)
    assert first_view["original_sha256"] == created["sha256"]
    assert first_view["signed_so_far"] == []
    assert first_view["still_to_sign"] == [{"name": "Birgitta Häggkvist", "role": "ordforande"},
                                           {"name": "John Åberg", "role": "justerare"}]
    middle = env.client.get(f"/api/v1/protocols/{pid}", headers=env.auth()).get_json()
    assert [s["status"] for s in middle["signers"]] == ["signed", "active", "waiting"]
    assert middle["signers"][0]["signed_at"] is not None
    assert mails_to(env, SIGNERS[2]["email"]) == []

    second_view = _sign(env, SIGNERS[1])
    assert [(s["name"], s["role"]) for s in second_view["signed_so_far"]] == [("Siv Sjödin", "sekreterare")]
    last_view = _sign(env, SIGNERS[2])
    assert last_view["still_to_sign"] == []
    for view in (first_view, second_view, last_view):
        text = json.dumps(view)
        # A signer sees the others by name and role only.
        assert not any(p["email"] in text for p in SIGNERS)

    done = env.client.get(f"/api/v1/protocols/{pid}", headers=env.auth()).get_json()
    assert_matches("Protocol", done)
    assert done["status"] == "posted"
    assert [s["status"] for s in done["signers"]] == ["signed"] * 3
    assert done["sealed_sha256"] is not None
    with env.svc.db.read() as session:
        notice = session.execute(select(Notice).filter_by(protocol_id=pid)).scalar_one()
        assert notice.status == "posted" and notice.board_name == created["board"]

    response = env.client.get(f"/api/v1/protocols/{pid}/sealed.pdf", headers=env.auth())
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    sealed = response.get_data()
    assert hashlib.sha256(sealed).hexdigest() == done["sealed_sha256"]
    # The original's bytes open the sealed file, and the whole chain verifies against the org's root.
    assert sealed[:len(protocol_pdf)] == protocol_pdf
    report = verify_pdf(sealed, [to_asn1(demo_keys().root)])
    assert report.valid, report.problems
    assert report.document_sha256 == created["sha256"]
    assert [s.signer for s in report.signatures if s.kind == "signer"] == [p["name"] for p in SIGNERS]
    assert report.sealed and report.timestamped
    # The sealed protocol is only for its own organisation.
    assert_error(env.client.get(f"/api/v1/protocols/{pid}/sealed.pdf", headers=env.auth(env.other_token)), 404)

    # Adjusted is final: no new version, and the refused upload leaves no file behind.
    before = env.blob_files()
    assert_error(upload(env, protocol_pdf + b"\n", metadata(protocol_id=pid)), 409, "not_allowed")
    assert env.blob_files() == before


def test_the_last_signers_answer_does_not_wait_for_the_seal(env, protocol_pdf):
    """The seal runs once the answer is sent (as a WSGI server closes the response), not before."""
    pid = upload(env, protocol_pdf).get_json()["id"]
    _sign(env, SIGNERS[0])
    _sign(env, SIGNERS[1])
    token = link_token(env, SIGNERS[2]["email"])
    assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    code = latest_code(env, SIGNERS[2]["email"])
    answer = env.client.post(f"/api/v1/sign/{token}", json={"code": code, "decision": "sign"}, buffered=False)
    assert answer.status_code == 200 and answer.get_json() == {"status": "signed"}
    waiting = env.client.get(f"/api/v1/protocols/{pid}", headers=env.auth()).get_json()
    assert waiting["status"] == "signing" and waiting["sealed_sha256"] is None
    assert [s["status"] for s in waiting["signers"]] == ["signed"] * 3
    answer.close()  # the server has sent the answer: now the seal runs
    done = env.client.get(f"/api/v1/protocols/{pid}", headers=env.auth()).get_json()
    assert done["status"] == "posted" and done["sealed_sha256"] is not None


def test_decline_stops_the_route(env, protocol_pdf):
    pid = upload(env, protocol_pdf).get_json()["id"]
    token = link_token(env, SIGNERS[0]["email"])
    assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    code = latest_code(env, SIGNERS[0]["email"])
    assert_error(env.client.post(f"/api/v1/sign/{token}", json={"code": code, "decision": "decline"}),
                 422, "invalid_input", "reason")
    declined = env.client.post(f"/api/v1/sign/{token}", json={"code": code, "decision": "decline",
                                                              "reason": "Paragraf 5 saknar beslutet."})
    assert declined.status_code == 200 and declined.get_json() == {"status": "declined"}
    body = env.client.get(f"/api/v1/protocols/{pid}", headers=env.auth()).get_json()
    assert body["status"] == "declined"
    assert [s["status"] for s in body["signers"]] == ["declined", "voided", "voided"]
    assert_error(env.client.get(f"/api/v1/protocols/{pid}/sealed.pdf", headers=env.auth()), 409, "not_sealed")


def test_code_is_rate_limited_and_wrong_codes_lock_the_link(env, protocol_pdf):
    upload(env, protocol_pdf)
    token = link_token(env, SIGNERS[0]["email"])
    assert_error(env.client.post(f"/api/v1/sign/{token}", json={"code": "123456", "decision": "sign"}),
                 403, "code_expired")
    assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    assert_error(env.client.post(f"/api/v1/sign/{token}/code"), 429, "too_many_requests")
    right = latest_code(env, SIGNERS[0]["email"])
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(env.svc.settings.code_max_attempts - 1):
        assert_error(env.client.post(f"/api/v1/sign/{token}", json={"code": wrong, "decision": "sign"}),
                     403, "wrong_code")
    assert_error(env.client.post(f"/api/v1/sign/{token}", json={"code": wrong, "decision": "sign"}),
                 423, "link_locked")
    # Locked means locked, even with the right code now.
    assert_error(env.client.post(f"/api/v1/sign/{token}", json={"code": right, "decision": "sign"}), 404)
    with env.svc.db.read() as session:
        assert session.execute(select(Protocol.status)).scalar_one() == "signing"


@pytest.mark.parametrize("kwargs, status, code, field", [
    ({"data": "code=1&decision=sign", "content_type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type", None),
    ({"data": "{not json", "content_type": "application/json"}, 422, "invalid_json", None),
    ({"data": "[" * 10_000, "content_type": "application/json"}, 422, "invalid_json", None),
    ({"json": ["123456", "sign"]}, 422, "invalid_input", None),
    ({"data": "null", "content_type": "application/json"}, 422, "invalid_input", None),
    ({"json": {"code": "123456", "decision": "sign", "admin": True}}, 422, "invalid_input", "admin"),
    ({"json": {"code": 123456, "decision": "sign"}}, 422, "invalid_input", "code"),
    ({"json": {"decision": "sign"}}, 422, "invalid_input", "code"),
    ({"json": {"code": "123456", "decision": "maybe"}}, 422, "invalid_input", "decision"),
    ({"json": {"code": "123456", "decision": "decline", "reason": "x" * 2001}}, 422, "invalid_input", "reason"),
    ({"json": {"code": "123456", "decision": "decline", "reason": "x" * 20_000}}, 413, "body_too_large", None),
])
def test_bad_decision_bodies_are_refused_without_side_effects(env, protocol_pdf, kwargs, status, code, field):
    upload(env, protocol_pdf)
    token = link_token(env, SIGNERS[0]["email"])
    env.client.post(f"/api/v1/sign/{token}/code")
    assert_error(env.client.post(f"/api/v1/sign/{token}", **kwargs), status, code, field)
    # Nothing counted against the signer: the link still works.
    assert env.client.get(f"/api/v1/sign/{token}").status_code == 200


def test_signer_can_fetch_the_document_it_signs(env, protocol_pdf):
    upload(env, protocol_pdf)
    token = link_token(env, SIGNERS[0]["email"])
    response = env.client.get(f"/api/v1/sign/{token}/document.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data()[:len(protocol_pdf)] == protocol_pdf
    assert len(response.get_data()) > len(protocol_pdf)  # with the signature page
    assert_error(env.client.get("/api/v1/sign/nope/document.pdf"), 404, "link_invalid")
    assert_error(env.client.get("/api/v1/sign/" + "x" * 5000), 404, "link_invalid")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_json_values | st.fixed_dictionaries({}, optional={
    "code": _json_values | st.text(alphabet="0123456789 ", max_size=8),
    "decision": _json_values | st.sampled_from(["sign", "decline", "SIGN"]),
    "reason": _json_values}))
def test_no_decision_body_makes_a_server_error(env, body):
    # An unknown link: whatever the body, the answer is a 4xx JSON error and never a 500.
    response = env.client.post("/api/v1/sign/" + "Q" * 43, data=json.dumps(body), content_type="application/json")
    assert_error(response, response.status_code)
    assert 400 <= response.status_code < 500


def test_a_failed_signature_gives_the_link_back(env, protocol_pdf, tsa_url):
    """The signature is made outside the database lock; if it fails (here: the TSA is down),
    the claim is released and the same link and code work once the TSA is back."""
    from server_process import free_port

    assert upload(env, protocol_pdf).status_code == 201
    person = SIGNERS[0]
    token = link_token(env, person["email"])
    assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    code = latest_code(env, person["email"])
    env.svc.settings.tsa_url = f"http://127.0.0.1:{free_port()}/"
    failed = env.client.post(f"/api/v1/sign/{token}", json={"code": code, "decision": "sign"})
    assert failed.status_code == 503 and failed.get_json()["error"] == "timestamp_unavailable"
    assert env.client.get(f"/api/v1/sign/{token}").status_code == 200  # still this signer's turn
    env.svc.settings.tsa_url = tsa_url
    again = env.client.post(f"/api/v1/sign/{token}", json={"code": code, "decision": "sign"})
    assert again.status_code == 200 and again.get_json() == {"status": "signed"}
