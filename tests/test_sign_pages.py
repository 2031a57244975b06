"""The signer's web pages around a signature: what the page after signing says, what a used link
says to its signer, the times they show, and the staff page's uploader."""

from __future__ import annotations

import re

import pytest

from signering.models import Organisation
from signering.pki.embedded_tsa import authority_for
from signering.pki.tsa import serve_in_thread
from test_staff_support import SECRETARY, SIGNERS, env, post_form, text, upload_ok  # noqa: F401  (env: the fixture)

ADDRESSES = [email for _role, _name, email in SIGNERS if email]


@pytest.fixture
def tsa(env):
    with env.svc.db.read() as s:
        keys = env.svc.keys_for(s.get(Organisation, env.org_id))
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    env.svc.settings.tsa_url = url
    yield url
    stop()


def _link(env, address: str) -> str:
    for body in reversed([env.mail_text(m) for m in env.mails_to(address)]):
        found = re.search(r"(/signera/[A-Za-z0-9_-]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no link to {address}")


def _sign_in_browser_forms(env, client, address: str):
    """The signer's clicks as form posts: open the link, ask for a code, sign."""
    link = _link(env, address)
    assert client.get(link).status_code == 200
    post_form(client, link, f"{link}/kod", {})
    code = re.search(r"\b(\d{6})\b", env.mail_text(env.mails_to(address)[-1])).group(1)
    env.svc.clock.advance(minutes=5)
    return link, post_form(client, link, link, {"code": code, "decision": "sign"})


def test_signers_are_told_what_happens_next_and_a_used_link_says_when_they_signed(env, tsa):
    staff = env.client(SECRETARY)
    protocol_id = upload_ok(env, staff)
    signer = env.app.test_client()
    first, done = _sign_in_browser_forms(env, signer, ADDRESSES[0])
    shown = text(done)
    assert "Tack – du har signerat protokollet" in shown
    assert "Nästa person i ordningen har fått ett mejl" in shown
    # Opening the used link again: not "Hittades inte", but when and where to follow it.
    again = signer.get(first)
    shown = text(again)
    assert again.status_code == 200 and "Hittades inte" not in shown
    assert "Du har redan signerat protokollet" in shown
    assert "den 2025-09-23 10:05 CEST" in shown and "UTC" not in shown
    assert 'href="/ange/anslagstavla"' in again.get_data(as_text=True)
    assert "Signera protokollet" not in shown and "birgitta@example.se" not in shown
    # The used link's PDF and page images stay closed.
    assert signer.get(f"{first}/protokoll.pdf").status_code == 404
    assert signer.get(f"{first}/sida/1.png").status_code == 404
    # The next signer sees the first signature in Swedish time.
    assert "Siv Sjödin (sekreterare), 2025-09-23 10:05 CEST" in text(signer.get(_link(env, ADDRESSES[1])))

    _sign_in_browser_forms(env, signer, ADDRESSES[1])
    last, done = _sign_in_browser_forms(env, signer, ADDRESSES[2])
    shown = text(done)
    assert "Nästa person i ordningen" not in shown
    assert "Protokollet är justerat och anslaget på anslagstavlan" in shown
    notice = re.search(r'href="(/ange/anslagstavla/\d+)"', done.get_data(as_text=True)).group(1)
    assert signer.get(notice).status_code == 200
    assert "Du har redan signerat protokollet" in text(signer.get(last))

    # The staff page names the uploader, not their address.
    assert "Uppladdat av Siv Sjödin, 2025-09-23 10:00 CEST" in text(staff.get(f"/sekreterare/protokoll/{protocol_id}"))

    # Once the link would have expired anyway, it is just an unknown link again.
    env.svc.clock.advance(days=15)
    gone = signer.get(first)
    assert gone.status_code == 404 and "Du har redan signerat" not in text(gone)



def test_favicon_is_served(env):
    response = env.app.test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
