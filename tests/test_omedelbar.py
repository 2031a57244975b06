"""Issue 17 §3: omedelbar justering started at the meeting from the paragraph's own text, linked to
the protocol when it comes, one route per paragraph, and pages that name the paragraph."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from signering import extracts
from signering.extract.text import pdf_text
from signering.models import Event, Notice, Protocol
from signering.workflow import at_meeting
from signering.workflow.extracts import create_extract
from signering.workflow.finalize import SignerInput
from signering.workflow.omedelbar import RouteExists
from test_extracts import SIGNERS, _link, _notice, _sign, _sign_all, env, mbn_pdf  # noqa: F401  (fixtures)
from test_staff_support import BOARD, SECRETARY, finalize_form, post_form, text, upload_ok

PAGE = "/sekreterare/omedelbar-justering"
#: written for these tests: § 19 as the secretary types it in at the meeting
PARAGRAPH = """Dnr MBN 2025/31

Beslut
Miljö- och byggnadsnämnden beviljar bygglov för nybyggnad av förskola på fastigheten Ekåsa 4:12.

Beslutet skickas till
Sökanden"""


def _start(client, **fields):
    data = {**finalize_form(None), "paragraph": "19", "title": "Bygglov för nybyggnad av förskola, Ekåsa 4:12",
            "text": PARAGRAPH, **fields}
    return post_form(client, PAGE, PAGE, data, content_type="multipart/form-data")


def _started(response) -> int:
    assert response.status_code == 303, text(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_paragraph_started_at_the_meeting_is_posted_then_linked_and_named_on_the_protocol(env, mbn_pdf):
    client = env.client(SECRETARY)
    assert "Omedelbar justering vid sammanträdet" in text(client.get("/sekreterare/"))
    child_id = _started(_start(client))
    child = env.protocol(child_id)
    assert (child.kind, child.parent_id, child.paragraphs, child.board.name) == ("omedelbar", None, [19], BOARD)
    assert [r.role for r in child.current.requests] == ["sekreterare", "ordforande", "justerare"]
    shown = pdf_text(env.svc.blobs.read(child.current.original_sha256))
    assert "§ 19 Bygglov för nybyggnad av förskola, Ekåsa 4:12" in shown and "beviljar bygglov" in shown
    assert "Omedelbart justerad paragraf" in shown and "2025-09-23" in shown
    invitation = env.mails_to(SIGNERS[0])[-1]
    assert invitation.subject.startswith("Omedelbar justering av § 19:")
    assert "Kopplas till protokollet från sammanträdet" in text(client.get(f"/sekreterare/protokoll/{child_id}"))

    _sign_all(env)
    assert env.protocol(child_id).status == "posted"
    notice = _notice(env, child_id)
    assert "omedelbar justering av § 19" in notice.title and "före resten av protokollet" in notice.body
    posted = notice.posted_date

    env.svc.clock.advance(days=2)
    client = env.client(SECRETARY)  # a new day, a new login
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    assert env.protocol(child_id).parent_id == parent_id
    with env.svc.db.read() as s:
        assert s.execute(select(Event).filter_by(protocol_id=parent_id, kind="omedelbar_linked")).scalar_one()
    assert "Omedelbar justering § 19" in text(client.get(f"/sekreterare/protokoll/{parent_id}"))
    _sign_all(env)
    assert env.protocol(parent_id).status == "posted"
    assert f"§ 19 justerades omedelbart och anslogs {posted.isoformat()}" in _notice(env, parent_id).body


def test_protocol_uploaded_while_the_meeting_paragraph_is_under_justering_waits_for_it(env, mbn_pdf):
    client = env.client(SECRETARY)
    child_id = _started(_start(client))
    child_link = _link(env, SIGNERS[0])
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    assert env.protocol(child_id).parent_id == parent_id
    parent_link = _link(env, SIGNERS[0])
    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(parent_id).status == "signing"
    assert _sign(env, SIGNERS[0], child_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(child_id).status == env.protocol(parent_id).status == "posted"
    assert _notice(env, child_id).id < _notice(env, parent_id).id


def test_a_paragraph_has_one_route_however_it_was_started(env, mbn_pdf):
    client = env.client(SECRETARY)
    child_id = _started(_start(client))
    again = _start(client, title="Samma paragraf igen")
    assert again.status_code == 409
    assert f"§ 19 är redan skickad för omedelbar justering (protokoll {child_id})" in text(again)
    assert "Samma paragraf igen" in again.get_data(as_text=True)  # what was typed stays
    with pytest.raises(RouteExists) as refused:
        at_meeting.start(env.svc, org_id=env.org_id, board_name=BOARD, meeting_date=env.protocol(child_id).meeting_date,
                         paragraph="§ 19", text="Igen", signers=[SignerInput("Siv Sjödin", SIGNERS[0], "sekreterare"),
                                                                   SignerInput("B", SIGNERS[1], "ordforande"),
                                                                   SignerInput("J", SIGNERS[2], "justerare")])
    assert refused.value.code == "omedelbar_route_exists" and refused.value.http_status == 409
    # Once the protocol is uploaded, § 19 from its page is the same paragraph: refused too.
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    page = f"/sekreterare/protokoll/{parent_id}"
    refused_page = post_form(client, page, f"{page}/omedelbar-justering", {"paragraph": "19"})
    assert refused_page.status_code == 409 and f"(protokoll {child_id})" in text(refused_page)
    # … and the meeting's form now points to the protocol's page.
    late = _start(client, paragraph="20")
    assert late.status_code == 409 and f"redan uppladdat (protokoll {parent_id})" in text(late)
    # Another paragraph from the protocol's page is its own route.
    assert create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], kind="omedelbar")
    with env.svc.db.read() as s:
        assert len(s.execute(select(Protocol).filter_by(kind="omedelbar")).scalars().all()) == 2


def test_meeting_form_takes_a_pdf_of_the_paragraph_and_refuses_one_without_it(env, mbn_pdf):
    client = env.client(SECRETARY)
    other = extracts.build_extract_pdf(mbn_pdf, [20], board=BOARD, meeting_date=env.svc.today())
    refused = _start(client, text="", file=(io.BytesIO(other), "p20.pdf"))
    assert refused.status_code == 422 and "ingen rubrik ”§ 19 …” hittades" in text(refused)
    empty = _start(client, text="  ")
    assert empty.status_code == 422 and "Skriv in paragrafens text" in text(empty)
    bad_number = _start(client, paragraph="nitton")
    assert bad_number.status_code == 422 and "Ange paragrafens nummer" in text(bad_number)
    pdf = extracts.build_extract_pdf(mbn_pdf, [19], board=BOARD, meeting_date=env.svc.today(), kind="omedelbar")
    child_id = _started(_start(client, text="", file=(io.BytesIO(pdf), "p19.pdf")))
    assert env.svc.blobs.read(env.protocol(child_id).current.original_sha256) == pdf
    with env.svc.db.read() as s:
        assert s.execute(select(Notice)).first() is None


def test_signing_pages_name_the_paragraph_in_swedish_and_english(env, mbn_pdf):
    client = env.client(SECRETARY)
    _started(_start(client))
    token = _link(env, SIGNERS[0])
    web = env.app.test_client()
    page = text(web.get(f"/signera/{token}"))
    assert "Justera § 19 (omedelbar justering): Kommunstyrelsen" in page and "Justera protokoll" not in page
    assert "Sammanträdet beslutade att den här paragrafen skulle justeras omedelbart" in page
    assert "Adjust § 19 (immediate justering): Kommunstyrelsen" in text(web.get(f"/signera/{token}?lang=en"))
    env.svc.clock.advance(minutes=1)
    from test_extract_versions import _web_sign
    _page, done = _web_sign(env, env.app.test_client(), token, SIGNERS[0])
    assert "Tack – du har justerat § 19 (omedelbar justering)" in done
    code_mail = [m for m in env.mails_to(SIGNERS[0]) if "kod" in m.subject.lower()][-1]
    assert code_mail.subject.startswith("Omedelbar justering av § 19:")
