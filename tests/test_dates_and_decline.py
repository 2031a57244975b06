"""Issue 12, items 2 and 5: a meeting date that would strand a protocol is refused or confirmed at
upload; a protocol that still cannot be sealed says so once and is left alone; the decline path
offers what its mail promises, mails the uploader, and a withdrawal tells the signers.

Mail goes through the real outbox and a real SMTP server (tests/smtp_fixture.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from sqlalchemy import select, update

from signering.mail.smtp import SmtpMailer
from signering.models import Organisation, Protocol, ProtocolVersion
from signering.pki.embedded_tsa import authority_for
from signering.pki.tsa import serve_in_thread
from signering.worker import run_once
from signering.workflow import signing
from test_staff_support import (ADMIN, SECRETARY, env, post_form, protocol_pdf, text,  # noqa: F401 (env)
                                upload, upload_ok)

SIGNER_ADDRESSES = ("siv.sjodin@ange.se", "birgitta@example.se", "john.aberg@example.se")


@pytest.fixture
def tsa(env):
    with env.svc.db.read() as s:
        keys = env.svc.keys_for(s.get(Organisation, env.org_id))
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    env.svc.settings.tsa_url = url
    yield url
    stop()


def _link(env, address: str) -> str:
    for row in reversed(env.mails_to(address)):
        found = re.search(r"/signera/(\S+)", env.mail_text(row) or "")
        if found:
            return found.group(1)
    raise AssertionError(f"no link to {address}")


def _code(env, address: str) -> str:
    return re.search(r"\b(\d{6})\b", env.mail_text(env.mails_to(address)[-1])).group(1)


def _decide(env, address: str, decision: str = "sign", reason: str = "") -> str:
    token = _link(env, address)
    signing.send_code(env.svc, token)
    env.svc.clock.advance(minutes=1)
    return signing.decide(env.svc, token, _code(env, address), decision, reason)


def _act(client, protocol_id: int, action: str, data: dict):
    page = f"/sekreterare/protokoll/{protocol_id}"
    return post_form(client, page, f"{page}/{action}", data)


def _deliver(env, smtp_server):  # noqa: F811
    return run_once(env.svc, SmtpMailer(smtp_server.host, smtp_server.port, "signering@ange.example"))


def _received(smtp_server, address: str) -> list[str]:  # noqa: F811
    return [m.message["Subject"] for m in smtp_server.messages if address in m.to]


# -- item 2: the meeting date at upload --------------------------------------------------------

def test_a_meeting_date_in_the_future_is_refused_and_the_form_keeps_the_input(env):
    client = env.client(SECRETARY)
    response = upload(client, protocol_pdf(), meeting_date="2027-11-16")
    shown = text(response)
    assert response.status_code == 422
    assert "Sammanträdesdatumet 2027-11-16 ligger i framtiden (i dag är det 2025-09-23)" in shown
    assert 'value="2027-11-16"' in response.get_data(as_text=True)
    assert 'value="birgitta@example.se"' in response.get_data(as_text=True)
    assert env.count(Protocol) == 0


def test_a_passed_justering_deadline_needs_confirmation(env):
    client = env.client(SECRETARY)
    pdf = protocol_pdf("Protokoll\nKommunstyrelsen\nSammanträdesdatum 2024-04-16\n\n§ 1 Mötets öppnande")
    response = upload(client, pdf, meeting_date="2024-04-16")
    assert response.status_code == 409
    assert "Sista dag för justering av protokollet från 2024-04-16 var tisdag 30 april 2024" in text(response)
    page = response.get_data(as_text=True)
    assert 'id="confirm_late"' in page and 'value="2024-04-16"' in page and env.count(Protocol) == 0
    confirmed = upload(client, pdf, meeting_date="2024-04-16", confirm_late=True)
    assert confirmed.status_code == 303
    assert env.count(Protocol) == 1


def _form(pdf, meeting_date):
    from test_staff_support import finalize_form

    return finalize_form(pdf, meeting_date=meeting_date)


def test_a_typed_date_that_differs_from_the_pdf_is_warned_about(env):
    client = env.client(SECRETARY)
    pdf = protocol_pdf("Protokoll\nKommunstyrelsen\nSammanträdesdatum 2025-09-22\n\n§ 1 Mötets öppnande")
    response = upload(client, pdf, meeting_date="2025-09-23")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert ("Sammanträdesdatumet som angavs, 2025-09-23, skiljer sig från datumet i PDF-filen, 2025-09-22"
            in text(page))
    protocol_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "date_mismatch" in env.events(protocol_id)
    # The same date as the PDF's: no warning.
    same = upload(client, protocol_pdf(), meeting_date="2025-09-23")
    assert "skiljer sig" not in text(client.get(same.headers["Location"]))


def test_api_answers_with_error_codes_and_takes_confirm_late(env):
    from signering.accounts import create_api_token

    with env.svc.db.write() as s:
        token = create_api_token(s, s.get(Organisation, env.org_id), name="Mötessystem")
    client = env.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    signers = [{"name": "Siv Sjödin", "email": SECRETARY, "role": "sekreterare"},
               {"name": "Birgitta Häggkvist", "email": "birgitta@example.se", "role": "ordforande"},
               {"name": "John Åberg", "email": "john.aberg@example.se", "role": "justerare"}]

    def send(meta, text_date="2025-09-23"):
        import io
        pdf = protocol_pdf(f"Protokoll\nKommunstyrelsen\nSammanträdesdatum {text_date}\n\n§ 1 Öppnande")
        return client.post("/api/v1/protocols", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(pdf), "p.pdf"),
                                 "metadata": json.dumps({"board": "Kommunstyrelsen", "signers": signers, **meta})})

    future = send({"meeting_date": "2027-11-16"}, "2027-11-16")
    assert future.status_code == 422 and future.get_json()["error"] == "meeting_date_in_future"
    late = send({"meeting_date": "2024-04-16"}, "2024-04-16")
    assert late.status_code == 409 and late.get_json()["error"] == "justering_deadline_passed"
    assert late.get_json()["field"] == "confirm_late"
    ok = send({"meeting_date": "2024-04-16", "confirm_late": True}, "2024-04-16")
    assert ok.status_code == 201 and ok.get_json()["warnings"] == []
    differs = send({"meeting_date": "2025-09-23"}, "2025-09-22")
    assert differs.status_code == 201
    assert [w["code"] for w in differs.get_json()["warnings"]] == ["meeting_date_differs_from_pdf"]


# -- item 2: a protocol that cannot be sealed --------------------------------------------------

def _stuck_protocol(env, client) -> int:
    """A protocol uploaded before the upload check existed, with a meeting date after today."""
    protocol_id = upload_ok(env, client)
    with env.svc.db.write() as s:
        s.execute(update(Protocol).where(Protocol.id == protocol_id).values(meeting_date=dt.date(2027, 11, 16)))
    return protocol_id


def test_a_protocol_that_cannot_be_sealed_is_blocked_once_and_the_staff_told(env, tsa, smtp_server, caplog):  # noqa: F811
    client = env.client(ADMIN)
    protocol_id = _stuck_protocol(env, client)
    for address in SIGNER_ADDRESSES:
        assert _decide(env, address) == "signed"
    with caplog.at_level(logging.WARNING, logger="signering.sealing"):
        for _ in range(3):
            _deliver(env, smtp_server)
    assert len([r for r in caplog.records if "version" in r.getMessage()]) == 1
    with env.svc.db.read() as s:
        version = s.execute(select(ProtocolVersion).filter_by(protocol_id=protocol_id)).scalar_one()
        assert version.seal_blocked == "meeting_date_in_future" and version.seal_pending
    assert env.events(protocol_id).count("seal_blocked") == 1
    subject = "Protokollet från Kommunstyrelsens sammanträde 16 november 2027 kan inte förseglas"
    # Once, to the uploader and to the secretary.
    assert _received(smtp_server, ADMIN).count(subject) == 1
    assert _received(smtp_server, SECRETARY).count(subject) == 1
    shown = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Läge Stoppat – kan inte förseglas" in shown
    assert "sammanträdesdatumet ligger efter dagen för justeringen" in shown
    assert "Stoppat – kan inte förseglas" in text(client.get("/sekreterare/"))
    # A new version with the right date resumes the protocol.
    new = post_form(client, f"/sekreterare/protokoll/{protocol_id}/ny-version",
                    f"/sekreterare/protokoll/{protocol_id}/ny-version",
                    _form(protocol_pdf("Protokoll\nKommunstyrelsen\nSammanträdesdatum 2025-09-23\n\n§ 1 Ny"),
                          "2025-09-23"), content_type="multipart/form-data")
    assert new.status_code == 303
    for address in SIGNER_ADDRESSES:
        assert _decide(env, address) == "signed"
    assert env.protocol(protocol_id).status == "posted"


def test_withdrawing_a_blocked_protocol_ends_it(env, tsa, smtp_server):  # noqa: F811
    client = env.client(SECRETARY)
    protocol_id = _stuck_protocol(env, client)
    for address in SIGNER_ADDRESSES:
        _decide(env, address)
    assert _act(client, protocol_id, "dra-tillbaka", {"reason": "Fel datum."}).status_code == 303
    assert env.protocol(protocol_id).status == "withdrawn"
    _deliver(env, smtp_server)
    for address in SIGNER_ADDRESSES:
        assert ("Protokollet från Kommunstyrelsens sammanträde 16 november 2027 har dragits tillbaka"
                in _received(smtp_server, address))


# -- item 5: the decline path ------------------------------------------------------------------

def _declined(env, client) -> int:
    protocol_id = upload_ok(env, client)
    _decide(env, "siv.sjodin@ange.se")
    _decide(env, "birgitta@example.se", "decline", "Jag var inte på mötet; Anna Ek var ordförande.")
    return protocol_id


def test_the_decline_mail_goes_to_the_uploader_and_the_secretary(env, smtp_server):  # noqa: F811
    _declined(env, env.client(ADMIN))
    _deliver(env, smtp_server)
    subject = "Birgitta Häggkvist har avböjt att signera protokollet från Kommunstyrelsens sammanträde 23 september 2025"
    assert _received(smtp_server, ADMIN) == [subject]
    assert subject in _received(smtp_server, SECRETARY)
    body = smtp_server.wait_for(lambda m: ADMIN in m.to).text
    assert "bytt ut Birgitta Häggkvist mot en annan person" in body


def test_the_declining_signer_can_be_replaced_and_the_route_resumes(env, tsa, smtp_server):  # noqa: F811
    client = env.client(SECRETARY)
    protocol_id = _declined(env, client)
    page = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Läge Åter hos sekreteraren (avböjt)" in page and "Avböjt av Birgitta Häggkvist (Ordförande)" in page
    assert "Byt undertecknare" in page and "Ladda upp ny version" in page and "nekad" not in page.lower()
    assert "Jag var inte på mötet; Anna Ek var ordförande." in page
    response = _act(client, protocol_id, "byt-undertecknare", {"position": "1", "name": "Anna Ek", "email": "anna.ek@example.se"})
    assert response.status_code == 303, text(response)
    assert env.protocol(protocol_id).status == "signing"
    assert "replaced" in env.events(protocol_id)
    shown = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Birgitta Häggkvist → Anna Ek" in shown and "efter att ha avböjt" in shown
    # Anna Ek signs in Birgitta's place, then the justerare; the secretary's signature stays.
    assert _decide(env, "anna.ek@example.se") == "signed"
    assert _decide(env, "john.aberg@example.se") == "signed"
    assert env.protocol(protocol_id).status == "posted"
    with env.svc.db.read() as s:
        version = s.execute(select(ProtocolVersion).filter_by(protocol_id=protocol_id)).scalar_one()
        assert {r.name: (r.position, r.status) for r in version.requests} == {
            "Siv Sjödin": (0, "signed"), "Birgitta Häggkvist": (1, "replaced"), "Anna Ek": (1, "signed"),
            "John Åberg": (2, "signed")}


def test_the_new_version_form_shows_the_decline_reason(env):
    client = env.client(SECRETARY)
    protocol_id = _declined(env, client)
    shown = text(client.get(f"/sekreterare/protokoll/{protocol_id}/ny-version"))
    assert ("Birgitta Häggkvist har avböjt att justera protokollet. Motivering: "
            "Jag var inte på mötet; Anna Ek var ordförande.") in shown


def test_a_withdrawal_tells_the_signer_whose_turn_it_was_and_those_who_signed(env, smtp_server):  # noqa: F811
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    _decide(env, "siv.sjodin@ange.se")
    assert _act(client, protocol_id, "dra-tillbaka", {"reason": "Fel bilaga."}).status_code == 303
    _deliver(env, smtp_server)
    subject = "Protokollet från Kommunstyrelsens sammanträde 23 september 2025 har dragits tillbaka"
    assert subject in _received(smtp_server, "siv.sjodin@ange.se")
    assert subject in _received(smtp_server, "birgitta@example.se")
    assert subject not in _received(smtp_server, "john.aberg@example.se")  # never had a link
    body = smtp_server.wait_for(lambda m: "birgitta@example.se" in m.to and m.message["Subject"] == subject).text
    assert "Fel bilaga." in body
