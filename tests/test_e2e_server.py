"""End to end over HTTP against a real server process, on SQLite and on PostgreSQL.

upload → mail to the right person in the right order (later signers have no live link until
those before them have signed) → codes → signatures → sealed PDF that ``signering verify`` calls
valid → notice with dates.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

import pytest
import requests
from smtp_fixture import smtp_server  # noqa: F401 (fixture)

from signering.textpdf import render_text_pdf

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signera/[A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def server(tmp_path, server_database_url, smtp_server):  # noqa: F811
    from server_process import ServerProcess

    srv = ServerProcess(tmp_path, server_database_url, smtp_server.port)
    srv.cli("init")
    srv.cli("org", "create", "e2e", "--name", "Testkommun", "--demo-keys")
    srv.cli("board", "create", "--org", "e2e", "--name", "Kommunstyrelsen", "--forvaringsplats", "Kommunhuset")
    token = srv.cli("api-token", "create", "--org", "e2e", "--name", "mötessystem").stdout.strip().splitlines()[-1]
    srv.token = token
    srv.start()
    yield srv
    srv.stop()


def _mail_to(smtp, address, predicate, count=1):
    def matching():
        return [m for m in smtp.messages if address in m.to and predicate(m)]

    deadline = time.monotonic() + 30
    while len(matching()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    found = matching()
    assert len(found) >= count, f"expected {count} mail(s) to {address}, got {[m.message['Subject'] for m in smtp.messages]}"
    return found


def _link_for(smtp, address, nth=1):
    mails = _mail_to(smtp, address, lambda m: bool(LINK.search(m.text or "")), nth)
    return LINK.search(mails[nth - 1].text).group(1)


def _code_for(smtp, address, nth):
    mails = _mail_to(smtp, address, lambda m: "/signera/" not in (m.text or "") and CODE.search(m.text or ""), nth)
    return CODE.search(mails[nth - 1].text).group(1)


SIGNERS = [
    {"name": "Siv Sjödin", "email": "siv@test.example", "role": "sekreterare"},
    {"name": "Birgitta Häggkvist", "email": "birgitta@test.example", "role": "ordforande"},
    {"name": "John Åberg", "email": "john@test.example", "role": "justerare"},
]


def test_full_flow_over_http(server, smtp_server, tmp_path):  # noqa: F811
    pdf = render_text_pdf("Kommunstyrelsen\n\nSammanträde 2026-11-16\n\n§ 1 Budget\n\nBeslut: fastställd.\n")
    auth = {"Authorization": f"Bearer {server.token}"}
    meta = {"board": "Kommunstyrelsen", "meeting_date": "2026-11-16", "signers": SIGNERS, "confirm_late": True}
    r = requests.post(server.base_url + "/api/v1/protocols", headers=auth,
                      files={"file": ("protokoll.pdf", pdf, "application/pdf")}, data={"metadata": json.dumps(meta)})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == "signing"

    # Unknown board: 422, not a new board.
    bad = requests.post(server.base_url + "/api/v1/protocols", headers=auth,
                        files={"file": ("p.pdf", pdf, "application/pdf")},
                        data={"metadata": json.dumps({**meta, "board": "Påhittad nämnd"})})
    assert bad.status_code == 422 and bad.json()["error"] == "unknown_board"

    for i, person in enumerate(SIGNERS):
        link = _link_for(smtp_server, person["email"])
        # Nobody later in the order has a link: the server says they wait, and (the outbox having
        # sent this signer's invitation, which was queued after anything for them) no mail went out.
        state = requests.get(f"{server.base_url}/api/v1/protocols/{created['id']}", headers=auth, timeout=30).json()
        assert [s["status"] for s in state["signers"]] == ["signed"] * i + ["active"] + ["waiting"] * (len(SIGNERS) - i - 1)
        for later in SIGNERS[i + 1:]:
            assert not [m for m in smtp_server.messages if later["email"] in m.to]
        page = requests.get(link, timeout=30)
        assert page.status_code == 200 and person["name"] in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
        token = link.rsplit("/", 1)[1]
        assert requests.post(f"{server.base_url}/api/v1/sign/{token}/code", timeout=30).status_code == 202
        code = _code_for(smtp_server, person["email"], 1)
        r = requests.post(f"{server.base_url}/api/v1/sign/{token}", json={"code": code, "decision": "sign"}, timeout=60)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "signed"
        # The used link signs nothing more: its page says when one signed, the API calls it dead.
        used = requests.get(link, timeout=30)
        assert used.status_code == 200 and "Du har redan signerat protokollet" in used.text
        assert "Signera protokollet" not in used.text
        assert requests.get(f"{server.base_url}/api/v1/sign/{token}", timeout=30).status_code == 404

    # The seal runs once the last answer is sent (or in the worker's sweep): a client polls for it.
    deadline = time.monotonic() + 60
    while True:
        state = requests.get(f"{server.base_url}/api/v1/protocols/{created['id']}", headers=auth, timeout=30).json()
        if state["status"] != "signing" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state["status"] in ("sealed", "posted")
    sealed = requests.get(f"{server.base_url}/api/v1/protocols/{created['id']}/sealed.pdf", headers=auth, timeout=30)
    assert sealed.status_code == 200
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed.content)
    proc = subprocess.run([sys.executable, "-m", "signering.cli", "verify", str(path), "--json"],
                          capture_output=True, text=True)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, report["problems"]
    assert report["document_sha256"] == created["sha256"]
    assert [s["signer"] for s in report["signatures"][:3]] == [p["name"] for p in SIGNERS]

    notices = requests.get(server.base_url + "/api/v1/notices", timeout=30).json()["notices"]
    mine = [n for n in notices if n["board"] == "Kommunstyrelsen"]
    assert len(mine) == 1
    n = mine[0]
    assert n["justering_date"] == n["posted_date"]
    assert n["appeal_last_day"] > n["posted_date"] and n["takedown_date"] > n["appeal_last_day"]
    assert "@" not in json.dumps(notices)

    # No link token and no code in the server's logs.
    log = server.log()
    assert "/signera/[token]" in log
    for person in SIGNERS:
        assert _link_for(smtp_server, person["email"]).rsplit("/", 1)[1] not in log


def test_two_clicks_on_one_link_sign_once(server, smtp_server):  # noqa: F811
    pdf = render_text_pdf("Kommunstyrelsen\n\n§ 1 Ett ärende\n")
    auth = {"Authorization": f"Bearer {server.token}"}
    meta = {"board": "Kommunstyrelsen", "meeting_date": "2026-11-16", "signers": SIGNERS, "confirm_late": True}
    r = requests.post(server.base_url + "/api/v1/protocols", headers=auth,
                      files={"file": ("p.pdf", pdf, "application/pdf")}, data={"metadata": json.dumps(meta)})
    assert r.status_code == 201, r.text
    token = _link_for(smtp_server, SIGNERS[0]["email"]).rsplit("/", 1)[1]
    assert requests.post(f"{server.base_url}/api/v1/sign/{token}/code", timeout=30).status_code == 202
    code = _code_for(smtp_server, SIGNERS[0]["email"], 1)
    results = []

    def click():
        results.append(requests.post(f"{server.base_url}/api/v1/sign/{token}",
                                     json={"code": code, "decision": "sign"}, timeout=60).status_code)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) == 1, results
    # The others arrive while the signature is being made (409, "in progress") or after (404).
    assert all(code in (200, 404, 409) for code in results), results
    state = requests.get(f"{server.base_url}/api/v1/protocols/{r.json()['id']}", headers=auth, timeout=30).json()
    assert [s["status"] for s in state["signers"]] == ["signed", "active", "waiting"]
    # The ordförande got exactly one invitation.
    _link_for(smtp_server, SIGNERS[1]["email"])
    assert len([m for m in smtp_server.messages if SIGNERS[1]["email"] in m.to]) == 1
