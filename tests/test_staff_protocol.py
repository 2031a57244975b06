"""One protocol's page: state, signers, audit trail, and the secretary's actions on it."""

from __future__ import annotations

import re

import pytest

from signering.pki.embedded_tsa import authority_for
from signering.pki.tsa import serve_in_thread
from signering.models import Organisation
from signering.workflow import signing
from signering.workflow.errors import LinkInvalid
from test_staff_support import SECRETARY, env, post_form, text, upload_ok  # noqa: F401  (env: the shared fixture)


def _link(env, address: str) -> str:
    body = env.mail_text(env.mails_to(address)[-1])
    return re.search(r"/signera/(\S+)", body).group(1)


def _code(env, address: str) -> str:
    return re.search(r"\b(\d{6})\b", env.mail_text(env.mails_to(address)[-1])).group(1)


def _act(client, protocol_id: int, action: str, data: dict):
    page = f"/sekreterare/protokoll/{protocol_id}"
    return post_form(client, page, f"{page}/{action}", data)


def test_page_shows_signers_and_audit_in_stockholm_time(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    env.svc.clock.advance(hours=2, minutes=5)
    signing.open_link(env.svc, _link(env, "siv.sjodin@ange.se"), ip="192.0.2.44")
    page = client.get(f"/sekreterare/protokoll/{protocol_id}")
    shown = text(page)
    assert "1 Siv Sjödin Sekreterare siv.sjodin@ange.se Har fått länken länk skickad 2025-09-23 10:00 CEST" in shown
    assert "öppnad 2025-09-23 12:05 CEST" in shown
    assert "2 Birgitta Häggkvist Ordförande birgitta@example.se Väntar på sin tur" in shown
    assert "2025-09-23 10:00 CEST Protokollet laddades upp" in shown
    assert "Inbjudan skickades Siv Sjödin (Sekreterare) till siv.sjodin@ange.se" in shown
    assert "2025-09-23 12:05 CEST Länken öppnades Siv Sjödin (Sekreterare) IP-adress 192.0.2.44" in shown
    for button in ("Påminn nu", "Byt undertecknare", "Dra tillbaka", "Ladda upp ny version"):
        assert button in shown


def test_remind(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    old = _link(env, "siv.sjodin@ange.se")
    env.svc.clock.advance(days=3)
    client = env.client(SECRETARY)  # three days on, yesterday's session has ended: log in again
    response = _act(client, protocol_id, "paminn", {})
    assert response.status_code == 303
    shown = text(client.get(response.headers["Location"]))
    assert "En påminnelse med en ny länk skickades till Siv Sjödin" in shown
    assert "2025-09-26 10:00 CEST Påminnelse skickades Siv Sjödin (Sekreterare)" in shown
    assert "senast påmind 2025-09-26 10:00 CEST" in shown
    assert len(env.mails_to("siv.sjodin@ange.se")) == 2
    with pytest.raises(LinkInvalid):
        signing.open_link(env.svc, old)
    assert signing.open_link(env.svc, _link(env, "siv.sjodin@ange.se")).name == "Siv Sjödin"
    assert env.events(protocol_id)[-1] == "opened"


def test_replace_current_signer(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    old = _link(env, "siv.sjodin@ange.se")
    response = _act(client, protocol_id, "byt-undertecknare",
                    {"position": "0", "name": "Sara Sekreterare", "email": "Sara@Ange.se"})
    assert response.status_code == 303
    shown = text(client.get(response.headers["Location"]))
    assert "Undertecknaren är utbytt" in shown
    assert "Undertecknare byttes" in shown and "Siv Sjödin → Sara Sekreterare" in shown
    assert "Nu är det tur för Sara Sekreterare (Sekreterare)" in shown
    p = env.protocol(protocol_id)
    assert sorted((r.position, r.name, r.status) for r in p.current.requests) == [
        (0, "Sara Sekreterare", "active"), (0, "Siv Sjödin", "replaced"), (1, "Birgitta Häggkvist", "waiting"),
        (2, "John Åberg", "waiting")]
    assert len(env.mails_to("sara@ange.se")) == 1 and len(env.mails_to("siv.sjodin@ange.se")) == 2
    with pytest.raises(LinkInvalid):
        signing.open_link(env.svc, old)


def test_replace_with_bad_address_shows_error_and_keeps_input(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    response = _act(client, protocol_id, "byt-undertecknare", {"position": "2", "name": "Jonas", "email": "jonas"})
    assert response.status_code == 422
    assert "Ange namn och en giltig e-postadress för den nya personen" in text(response)
    assert 'value="Jonas"' in response.get_data(as_text=True)
    assert "replaced" not in env.events(protocol_id)
    response = _act(client, protocol_id, "byt-undertecknare", {"position": "x", "name": "Jonas", "email": "j@x.se"})
    assert response.status_code == 422 and "Välj vem som ska bytas ut" in text(response)


def test_withdraw_needs_a_reason_and_ends_justering(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    link = _link(env, "siv.sjodin@ange.se")
    response = _act(client, protocol_id, "dra-tillbaka", {"reason": "  "})
    assert response.status_code == 422 and "Skriv varför protokollet dras tillbaka" in text(response)
    assert env.protocol(protocol_id).status == "signing"
    response = _act(client, protocol_id, "dra-tillbaka", {"reason": "Fel bilaga i § 4"})
    assert response.status_code == 303
    shown = text(client.get(response.headers["Location"]))
    assert "Läge Avbrutet" in shown
    assert "Drogs tillbaka" in shown and "motivering: Fel bilaga i § 4" in shown
    assert "Påminn nu" not in shown and "Dra tillbaka" not in shown.split("Händelser")[0].split("Läge")[0]
    assert env.protocol(protocol_id).status == "withdrawn"
    with pytest.raises(LinkInvalid):
        signing.open_link(env.svc, link)
    assert "Avbrutet" in text(client.get("/sekreterare/"))
    # A withdrawn protocol takes no more actions: a clear message, never a 500.
    again = _act(client, protocol_id, "dra-tillbaka", {"reason": "igen"})
    assert again.status_code == 409 and "Bara protokoll som inte är justerade kan dras tillbaka" in text(again)
    remind = _act(client, protocol_id, "paminn", {})
    assert remind.status_code == 409 and "Protokollet är inte under justering" in text(remind)
    new_version = client.get(f"/sekreterare/protokoll/{protocol_id}/ny-version")
    assert new_version.status_code == 409


def test_declined_protocol_shows_reason(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    token = _link(env, "siv.sjodin@ange.se")
    signing.send_code(env.svc, token)
    signing.decide(env.svc, token, _code(env, "siv.sjodin@ange.se"), "decline", "Paragraf 3 saknar beslutet.")
    shown = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Läge Åter hos sekreteraren (avböjt)" in shown
    assert "Avböjt av Siv Sjödin (Sekreterare) Motivering Paragraf 3 saknar beslutet." in shown
    assert "Avböjde att justera" in shown and "Kod skickades" in shown
    assert "Åter hos sekreteraren (avböjt)" in text(client.get("/sekreterare/"))
    # The ways forward the decline mail names: a new version or another signer (or withdraw).
    assert "Ladda upp ny version" in shown and "Byt undertecknare" in shown and "Påminn nu" not in shown


@pytest.fixture
def tsa(env):
    with env.svc.db.read() as s:
        keys = env.svc.keys_for(s.get(Organisation, env.org_id))
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    env.svc.settings.tsa_url = url
    yield url
    stop()


def test_signed_by_all_is_posted_and_downloadable(env, tsa):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    for address in ("siv.sjodin@ange.se", "birgitta@example.se", "john.aberg@example.se"):
        token = _link(env, address)
        signing.open_link(env.svc, token)
        signing.send_code(env.svc, token)
        env.svc.clock.advance(minutes=5)
        assert signing.decide(env.svc, token, _code(env, address), "sign") == "signed"
    shown = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Läge Anslaget" in shown
    assert "Förseglat (justerat)" in shown and "Anslaget på anslagstavlan" in shown
    assert shown.count("Signerade") == 3 and "signerad 2025-09-23 10:15 CEST" in shown
    assert "Hämta det justerade protokollet (PDF)" in shown and "Påminn nu" not in shown
    assert "Anslaget" in text(client.get("/sekreterare/"))
    p = env.protocol(protocol_id)
    sealed = client.get(f"/sekreterare/protokoll/{protocol_id}/pdf")
    assert sealed.status_code == 200 and sealed.data == env.svc.blobs.read(p.current.sealed_sha256)
    assert "-justerat.pdf" in sealed.headers["Content-Disposition"]
    assert client.get(f"/sekreterare/protokoll/{protocol_id}/ny-version").status_code == 409
