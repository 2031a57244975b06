"""Issue 14: signers log in with e-legitimation through a real OpenID provider on loopback
(tests/oidc_provider.py, Authlib's server side, in its own process) instead of an e-mailed code.

The app runs as a real HTTP server (browser_support.start_server); the organisation is
configured with the real ``signering org configure`` command. Checked: the whole route in
Debian's chromium on a phone viewport; a wrong personnummer; a name mismatch; a replayed state;
an expired and a wrongly signed ID token; the IdP being down; and that no personnummer ends up
anywhere but as a keyed hash.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys

import pytest
import requests
from browser_support import (BOARD, CHROMIUM_ARGS, PASSWORD, PHONE, SECRETARY, SIGNERS, free_port, shot,
                             start_server)
from oidc_support import (CLIENT_ID, CLIENT_SECRET, CSRF, SECRET_ENV, Provider, decide, login, pick_account,
                          start_login)
from sqlalchemy import select

from signering.backup import read_all
from signering.models import Event, OutboxMail, Protocol, SignatureRequest
from signering.textpdf import render_text_pdf
from signering.workflow import signing
from signering.workflow.errors import LoginRequired
from signering.workflow.finalize import SignerInput, finalize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIV_PNR, TOLVAN_PNR = "196803124681", "191212121212"
MISMATCH = "Du loggade in som en annan person"
ALL_PNRS = ("196803124681", "197505067137", "198001023822", "191212121212")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oidc")
    server = start_server(tmp)
    server.svc.passphrase = {SECRET_ENV: CLIENT_SECRET}.get
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}", port, server.url + "/oidc/callback").start()
    cli_env = {**os.environ, "SIGNERING_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3", "SIGNERING_BASE_URL": server.url,
               "SIGNERING_INSTANCE_DIR": str(tmp / "cli-instance"), SECRET_ENV: CLIENT_SECRET,
               "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, "-m", "signering.cli", "org", "configure", "ange", "--signer-auth", "oidc",
                           "--oidc-issuer", provider.url, "--oidc-client-id", CLIENT_ID,
                           "--oidc-client-secret-env", SECRET_ENV], env=cli_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # The operator registers the printed redirect URI at the IdP.
    assert done.stdout.strip().splitlines()[-1] == server.url + "/oidc/callback"
    server.cli_env = cli_env
    yield server, provider
    provider.stop()
    server.stop()


def _protocol(server, meeting: dt.date, signers=SIGNERS) -> int:
    pdf = render_text_pdf(f"Protokoll\n{BOARD}\nSammanträdesdatum {meeting.isoformat()}\n\n§ 1 Öppnande\n"
                          "Ordföranden förklarar mötet öppnat.")
    return finalize(server.svc, org_id=server.org_id, board_name=BOARD, meeting_date=meeting, signers=signers,
                    upload=io.BytesIO(pdf), filename="protokoll.pdf", actor=SECRETARY,
                    confirm_late=True)  # the tests use fixed past dates, one per protocol


def _request(server, protocol_id: int, position: int) -> SignatureRequest:
    with server.svc.db.read() as s:
        protocol = s.get(Protocol, protocol_id)
        request = [r for r in protocol.current.requests if r.position == position and r.status != "replaced"][0]
        s.expunge(request)
        return request


def _events(server, protocol_id: int, kind: str) -> list[Event]:
    with server.svc.db.read() as s:
        rows = s.execute(select(Event).filter_by(protocol_id=protocol_id, kind=kind)).scalars().all()
        for row in rows:
            s.expunge(row)
        return rows


def test_org_configure_refuses_an_issuer_without_discovery(env):
    server, _provider = env
    dead = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run([sys.executable, "-m", "signering.cli", "org", "configure", "ange", "--signer-auth", "oidc",
                           "--oidc-issuer", dead, "--oidc-client-id", CLIENT_ID], env=server.cli_env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert f"{dead}/.well-known/openid-configuration" in done.stderr


def test_whole_route_in_chromium_on_a_phone(env):
    """Three signers each log in at the IdP on a phone and sign; no code is mailed; the sealed file
    says for every signature that it was identified with e-legitimation; no personnummer anywhere."""
    from playwright.sync_api import expect, sync_playwright

    server, provider = env
    meeting = dt.date(2026, 3, 2)
    signers = [SignerInput(SIGNERS[0].name, SIGNERS[0].email, SIGNERS[0].role, "19680312-4681"),
               SIGNERS[1], SIGNERS[2]]
    protocol_id = _protocol(server, meeting, signers)
    # The IdP's buttons: Birgitta's account has no "name" claim, only given and family name.
    accounts = {SIGNERS[0].email: "Siv Sjödin", SIGNERS[1].email: "birgitta", SIGNERS[2].email: "John Aberg"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for i, signer in enumerate(signers):
                context = browser.new_context(locale="sv-SE", **PHONE)  # the app's own CSP stays on
                context.set_default_timeout(15000)
                # Signing, the last one with the seal, takes a while on a busy two-core machine.
                context.set_default_navigation_timeout(120000)
                page = context.new_page()
                page.goto(server.url + server.link_path(signer.email))
                expect(page.get_by_role("heading", level=2, name="Logga in med e-legitimation")).to_be_visible()
                assert page.get_by_label("Engångskod (sex siffror)").count() == 0
                if i == 0:
                    shot(page, "oidc-1-start.png")
                page.get_by_role("link", name="Logga in med e-legitimation").click()
                expect(page.get_by_role("heading", name="Test-IdP: logga in")).to_be_visible()
                page.get_by_role("button", name=accounts[signer.email]).click()
                expect(page.get_by_text("Du är inloggad med e-legitimation som")).to_be_visible()
                if i == 0:
                    shot(page, "oidc-2-logged-in.png")
                page.get_by_role("button", name="Signera protokollet").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Tack – du har signerat protokollet",
                                                                          timeout=120000)
                context.close()
        finally:
            browser.close()

    with server.svc.db.read() as s:
        protocol = s.get(Protocol, protocol_id)
        assert protocol.status in ("sealed", "posted")
        requests_ = protocol.current.requests
        assert [(r.identified_by, r.identity_match) for r in requests_] == [
            ("oidc", "personnummer"), ("oidc", "name"), ("oidc", "name")]
        sealed = server.svc.blobs.read(protocol.current.sealed_sha256)
    for signer in signers:  # the invitation says how to log in; no code is mailed
        mails = server.mails_to(signer.email)
        assert any("Logga in med e-legitimation" in m for m in mails)
        assert not [m for m in mails if "kod" in m.lower()]

    path = os.path.join(server.svc.blobs.root, "..", "sealed-oidc.pdf")
    with open(path, "wb") as fh:
        fh.write(sealed)
    verified = subprocess.run([sys.executable, "-m", "signering.cli", "verify", "--json", path],
                              env=server.cli_env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert [s["identified_by"] for s in report["signatures"] if s["kind"] == "signer"] == ["oidc"] * 3
    assert _stamp_text(sealed).count("Legitimerad med e-legitimation") == 3
    _assert_no_personnummer(server, sealed)


def _stamp_text(pdf: bytes) -> str:
    """The text of the signature page, the boxes' appearances included (pdftotext reads them)."""
    from pypdf import PdfReader

    last = str(len(PdfReader(io.BytesIO(pdf)).pages))
    done = subprocess.run(["pdftotext", "-f", last, "-l", last, "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def _assert_no_personnummer(server, sealed: bytes) -> None:
    """Neither the sealed file, nor any row of any table, nor any mail holds a personnummer."""
    forms = [f for n in ALL_PNRS for f in (n, n[2:], f"{n[:8]}-{n[8:]}", f"{n[2:8]}-{n[8:]}")]
    assert not [f for f in forms if f.encode() in sealed]
    everything = json.dumps(read_all(server.svc.db), default=str)
    with server.svc.db.read() as s:
        mails = [server.svc.box.open(m.body) or "" for m in s.execute(select(OutboxMail)).scalars()]
    assert not [f for f in forms if f in everything]
    assert not [f for f in forms for m in mails if f in m]


def test_wrong_personnummer_is_refused_then_the_right_person_signs(env):
    server, _provider = env
    meeting = dt.date(2026, 3, 3)
    signers = [SignerInput(SIGNERS[0].name, SIGNERS[0].email, SIGNERS[0].role, SIV_PNR), SIGNERS[1], SIGNERS[2]]
    protocol_id = _protocol(server, meeting, signers)
    link = server.link_path(SECRETARY)
    http = requests.Session()
    # Tolvan has Siv's link; the name would not matter, the personnummer decides.
    response, _ = login(http, server.url, link, "tolvan")
    assert response.status_code == 403 and MISMATCH in response.text
    assert _request(server, protocol_id, 0).identified_by is None
    [event] = _events(server, protocol_id, "identity_mismatch")
    assert event.detail["compared"] == "personnummer" and event.detail["logged_in_as"] == "Tolvan Tolvansson"
    staff_mail = [m for m in server.mails_to(SECRETARY) if "Tolvan Tolvansson" in m]
    assert staff_mail and "Ingenting har signerats" in staff_mail[0]
    # Nothing was used up: Siv logs in on the same link and signs.
    siv = requests.Session()
    response, _ = login(siv, server.url, link, "siv")
    assert response.status_code == 303
    assert "Tack – du har signerat" in decide(siv, server.url, link).text
    assert _request(server, protocol_id, 0).identity_match == "personnummer"
    _assert_no_personnummer(server, b"")


def test_name_mismatch_is_refused_and_a_forwarded_link_cannot_sign(env):
    server, _provider = env
    meeting = dt.date(2026, 3, 4)
    protocol_id = _protocol(server, meeting)
    link = server.link_path(SECRETARY)
    response, _ = login(requests.Session(), server.url, link, "tolvan")
    assert response.status_code == 403 and MISMATCH in response.text
    [event] = _events(server, protocol_id, "identity_mismatch")
    assert event.detail["compared"] == "name"

    siv = requests.Session()
    response, _ = login(siv, server.url, link, "siv")
    assert response.status_code == 303
    # The link forwarded to another browser: the start page, not the document, and no signing.
    other = requests.Session()
    assert "Logga in med e-legitimation" in other.get(server.url + link).text
    assert other.get(server.url + link + "/protokoll.pdf").status_code == 403
    with pytest.raises(LoginRequired):
        signing.decide(server.svc, link.rsplit("/", 1)[1], "", "sign", logged_in_for=())
    # No code either: the code path is closed for this organisation.
    page = other.get(server.url + link)
    assert 'name="code"' not in page.text
    assert "Tack – du har signerat" in decide(siv, server.url, link).text
    assert _request(server, protocol_id, 0).identity_match == "name"
    # Staff see that the match was by name, and the personnummer field on the finalize form.
    staff = requests.Session()
    page = staff.get(server.url + "/sekreterare/logga-in").text
    staff.post(server.url + "/sekreterare/logga-in", data={"csrf_token": CSRF.search(page).group(1),
                                                           "email": SECRETARY, "password": PASSWORD})
    shown = staff.get(f"{server.url}/sekreterare/protokoll/{protocol_id}").text
    assert "matchad på namnet" in shown
    assert 'name="signer_personnummer"' in staff.get(server.url + "/sekreterare/nytt").text


def test_replayed_state_is_refused(env):
    server, _provider = env
    _protocol(server, dt.date(2026, 3, 5))
    link = server.link_path(SECRETARY)
    http = requests.Session()
    response, callback = login(http, server.url, link, "siv")
    assert response.status_code == 303
    # The same callback again, in the same browser and in another one.
    again = http.get(callback, allow_redirects=False)
    assert again.status_code == 400 and "redan använts" in again.text
    elsewhere = requests.Session().get(callback, allow_redirects=False)
    assert elsewhere.status_code == 400 and "redan använts" in elsewhere.text
    # A state that is known to the server but was started in another browser is refused too.
    first, thief = requests.Session(), requests.Session()
    stolen = pick_account(first, start_login(first, server.url, link), "siv")
    assert thief.get(stolen, allow_redirects=False).status_code == 400


@pytest.mark.parametrize("mode, error", [("expired", "ExpiredTokenError"), ("wrong-key", "BadSignatureError")])
def test_bad_id_token_is_refused_and_the_link_still_works(env, mode, error, caplog):
    server, provider = env
    protocol_id = _protocol(server, dt.date(2026, 3, 6) + dt.timedelta(days=7 if mode == "expired" else 14))
    link = server.link_path(SECRETARY)
    http = requests.Session()
    provider.id_tokens(mode)
    try:
        response, _ = login(http, server.url, link, "siv")
    finally:
        provider.id_tokens("ok")
    assert response.status_code == 400 and "Inloggningen kunde inte bekräftas" in response.text
    # Refused by Authlib/joserfc for the reason meant, not by accident.
    assert f"OIDC ID token rejected: {error}" in caplog.text
    assert _request(server, protocol_id, 0).identified_by is None
    response, _ = login(http, server.url, link, "siv")
    assert response.status_code == 303
    assert "Tack – du har signerat" in decide(http, server.url, link).text


def test_idp_down_gives_a_clear_message_and_loses_nothing(env):
    server, provider = env
    protocol_id = _protocol(server, dt.date(2026, 3, 27))
    link = server.link_path(SECRETARY)
    http = requests.Session()
    # Down before the login: the signer gets our message, not a browser error at a dead address.
    provider.stop()
    try:
        response = http.get(server.url + link + "/e-legitimation", allow_redirects=False)
        assert response.status_code == 503 and "svarar inte just nu" in response.text
        assert http.get(server.url + link).status_code == 200
    finally:
        provider.start()
    # Down between the login and the callback (the token endpoint cannot be reached).
    callback = pick_account(http, start_login(http, server.url, link), "siv")
    provider.stop()
    try:
        response = http.get(callback, allow_redirects=False)
        assert response.status_code == 503 and "Ingenting har gått förlorat" in response.text
    finally:
        provider.start()
    assert _request(server, protocol_id, 0).status == "active"
    response, _ = login(http, server.url, link, "siv")
    assert response.status_code == 303
    assert "Tack – du har signerat" in decide(http, server.url, link).text


def test_admin_page_sets_the_same_as_org_configure(env):
    from signering.accounts import create_user
    from signering.models import Organisation

    server, provider = env
    with server.svc.db.write() as s:
        create_user(s, s.get(Organisation, server.org_id), email="admin@ange.se", password=PASSWORD, role="admin")
    admin = requests.Session()
    page = admin.get(server.url + "/sekreterare/logga-in").text
    admin.post(server.url + "/sekreterare/logga-in", data={"csrf_token": CSRF.search(page).group(1),
                                                           "email": "admin@ange.se", "password": PASSWORD})
    path = server.url + "/sekreterare/admin/legitimering"
    page = admin.get(path)
    assert page.status_code == 200 and server.url + "/oidc/callback" in page.text
    form = {"csrf_token": CSRF.search(page.text).group(1), "signer_auth": "oidc", "oidc_client_id": CLIENT_ID,
            "oidc_client_secret_env": SECRET_ENV, "oidc_personnummer_claim": ""}
    dead = f"http://127.0.0.1:{free_port()}"
    refused = admin.post(path, data={**form, "oidc_issuer": dead})
    assert refused.status_code == 422 and f"{dead}/.well-known/openid-configuration" in refused.text
    saved = admin.post(path, data={**form, "oidc_issuer": provider.url}, allow_redirects=False)
    assert saved.status_code == 303
    with server.svc.db.read() as s:
        org = s.get(Organisation, server.org_id)
        assert (org.signer_auth, org.oidc_issuer, org.oidc_client_id, org.oidc_client_secret_env,
                org.oidc_personnummer_claim) == ("oidc", provider.url, CLIENT_ID, SECRET_ENV,
                                                 "https://id.oidc.se/claim/personalIdentityNumber")
