"""Issue 9, finding 1, end to end over HTTP against a real server: one organisation cannot take
over another's public verification result by uploading the same bytes.

Organisation B tries A's original while A is still signing, then (after A has sealed) the
original cut from A's published sealed PDF, and the sealed PDF itself; both organisations
also upload new bytes at the same moment. Every second registration is refused with 409, and
the QR target (/verifiera/<sha>) and GET /api/v1/verify/<sha> keep naming A and A's signers.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from test_e2e_server import _code_for, _link_for

from signering.textpdf import render_text_pdf

BOARD = "Kommunstyrelsen"
A_SIGNERS = [
    {"name": "Siv Sjödin", "email": "siv@a.example", "role": "sekreterare"},
    {"name": "Birgitta Häggkvist", "email": "birgitta@a.example", "role": "ordforande"},
    {"name": "John Åberg", "email": "john@a.example", "role": "justerare"},
]
B_SIGNERS = [
    {"name": "Mallory Bengtsson", "email": "mallory@b.example", "role": "sekreterare"},
    {"name": "Trudy Berg", "email": "trudy@b.example", "role": "ordforande"},
    {"name": "Eve Björk", "email": "eve@b.example", "role": "justerare"},
]


@pytest.fixture
def server(tmp_path, server_database_url, smtp_server):  # noqa: F811
    from server_process import ServerProcess

    srv = ServerProcess(tmp_path, server_database_url, smtp_server.port)
    srv.cli("init")
    srv.tokens = {}
    for slug, name in (("kommuna", "Kommun A"), ("kommunb", "Kommun B")):
        srv.cli("org", "create", slug, "--name", name, "--demo-keys")
        srv.cli("board", "create", "--org", slug, "--name", BOARD, "--forvaringsplats", "Kommunhuset")
        srv.tokens[slug] = srv.cli("api-token", "create", "--org", slug, "--name", "mötessystem"
                                   ).stdout.strip().splitlines()[-1]
    srv.start()
    yield srv
    srv.stop()


def _upload(server, slug: str, pdf: bytes, signers) -> requests.Response:
    meta = {"board": BOARD, "meeting_date": "2026-11-16", "signers": signers, "confirm_late": True}
    return requests.post(server.base_url + "/api/v1/protocols", headers={"Authorization": f"Bearer {server.tokens[slug]}"},
                         files={"file": ("protokoll.pdf", pdf, "application/pdf")},
                         data={"metadata": json.dumps(meta)}, timeout=60)


def _sign_through(server, smtp, signers) -> None:
    for person in signers:
        token = _link_for(smtp, person["email"]).rsplit("/", 1)[1]
        assert requests.post(f"{server.base_url}/api/v1/sign/{token}/code", timeout=30).status_code == 202
        code = _code_for(smtp, person["email"], 1)
        r = requests.post(f"{server.base_url}/api/v1/sign/{token}", json={"code": code, "decision": "sign"},
                          timeout=120)
        assert r.status_code == 200, r.text


def _refused_as_taken(response: requests.Response) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "registered_by_another_organisation"
    assert "annan organisation" in body["message"]


def _answers_name_a(server, sha: str) -> dict:
    """Both public answers for ``sha`` name A and A's signers, never B or B's."""
    answer = requests.get(f"{server.base_url}/api/v1/verify/{sha}", timeout=30)
    assert answer.status_code == 200
    data = answer.json()
    assert data["organisation"] == "Kommun A" and data["organisation_slug"] == "kommuna"
    page = requests.get(f"{server.base_url}/verifiera/{sha}", timeout=30).text
    assert "Kommun A" in page
    for text in (answer.text, page):
        assert "Kommun B" not in text
        for person in B_SIGNERS:
            assert person["name"] not in text
    return data


def test_another_organisation_cannot_take_over_a_registered_hash(server, smtp_server):  # noqa: F811
    pdf = render_text_pdf("Kommunstyrelsen\n\nSammanträde 2026-11-16\n\n§ 1 Budget\n\nBeslut: fastställd.\n")
    created = _upload(server, "kommuna", pdf, A_SIGNERS)
    assert created.status_code == 201, created.text
    sha = created.json()["sha256"]

    # Before A has sealed: B's upload of the same bytes is refused and routes nobody.
    _refused_as_taken(_upload(server, "kommunb", pdf, B_SIGNERS))
    assert _answers_name_a(server, sha)["status"] == "in_progress"

    _sign_through(server, smtp_server, A_SIGNERS)
    deadline = time.monotonic() + 60
    while (data := requests.get(f"{server.base_url}/api/v1/verify/{sha}", timeout=30).json())["status"] != "sealed":
        assert time.monotonic() < deadline, data
        time.sleep(0.5)
    sealed_sha = data["sealed_sha256"]
    sealed = requests.get(f"{server.base_url}/protokoll/{sealed_sha}.pdf", timeout=30)
    assert sealed.status_code == 200

    # After A has sealed: the original cut from the published file (its first revision) is A's
    # original byte for byte, and is refused; so is the sealed file itself.
    cut = sealed.content[:len(pdf)]
    assert cut == pdf
    _refused_as_taken(_upload(server, "kommunb", cut, B_SIGNERS))
    whole = _upload(server, "kommunb", sealed.content, B_SIGNERS)
    assert whole.status_code in (409, 422), whole.text

    # Inside A the same bytes are the same protocol: a second upload as a new protocol is refused.
    again = _upload(server, "kommuna", pdf, A_SIGNERS)
    assert again.status_code == 409 and again.json()["error"] == "already_uploaded", again.text

    for asked in (sha, sealed_sha):
        data = _answers_name_a(server, asked)
        assert data["status"] == "sealed" and data["sealed_sha256"] == sealed_sha
        assert [s["name"] for s in data["signers"]] == [p["name"] for p in A_SIGNERS]
    assert not [m for m in smtp_server.messages for p in B_SIGNERS if p["email"] in m.to]


def test_same_bytes_from_two_organisations_at_once_register_once(server):
    for round_ in range(3):
        pdf = render_text_pdf(f"Kommunstyrelsen\n\n§ {round_ + 1} Samtidigt uppladdat\n")
        results: dict[str, requests.Response] = {}
        start = threading.Barrier(2)

        def send(slug, signers):
            start.wait()
            results[slug] = _upload(server, slug, pdf, signers)

        threads = [threading.Thread(target=send, args=("kommuna", A_SIGNERS)),
                   threading.Thread(target=send, args=("kommunb", B_SIGNERS))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results.values())
        assert codes == [201, 409], {k: r.text for k, r in results.items()}
        winner = next(slug for slug, r in results.items() if r.status_code == 201)
        loser = next(r for r in results.values() if r.status_code == 409)
        assert loser.json()["error"] == "registered_by_another_organisation"
        sha = results[winner].json()["sha256"]
        answer = requests.get(f"{server.base_url}/api/v1/verify/{sha}", timeout=30).json()
        assert answer["organisation_slug"] == winner
