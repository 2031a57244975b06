"""Protokollsutdrag and omedelbar justering: built from a real protocol, signed, sealed, verified."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from conftest import seed_text
from signering import extracts, registry
from signering.extract.text import pdf_text
from signering.members import add_member
from signering.models import Board, Notice, Protocol
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1
from signering.pki.embedded_tsa import authority_for
from signering.pki.orgkeys import demo_keys
from signering.pki.tsa import serve_in_thread
from signering.models import Organisation
from signering.textpdf import render_text_pdf
from signering.workflow import signing
from signering.workflow.extracts import create_extract
from signering.workflow.errors import NotAllowed
from test_staff_support import BOARD, SECRETARY, make_env, post_form, text, upload_ok

SIGNERS = ("siv.sjodin@ange.se", "birgitta@example.se", "john.aberg@example.se")


@pytest.fixture(scope="module")
def solleftea_pdf() -> bytes:
    return render_text_pdf(seed_text("solleftea-ks-au-2024-04-16.txt"))


@pytest.fixture
def env(tmp_path):
    environment = make_env(tmp_path)
    # The loopback TSA stamps real time; the signers' short-lived certificates must be issued then too.
    environment.svc.clock.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    with environment.svc.db.read() as s:
        keys = environment.svc.keys_for(s.get(Organisation, environment.org_id))
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    environment.svc.settings.tsa_url = url
    yield environment
    stop()
    environment.svc.db.dispose()


def _link(env, address: str) -> str:
    # The newest invitation: a sealed-protocol mail may have come after it.
    for row in reversed(env.mails_to(address)):
        found = re.search(r"/signera/(\S+)", env.mail_text(row))
        if found:
            return found.group(1)
    raise AssertionError(f"no invitation to {address}")


def _code(env, address: str) -> str:
    return re.search(r"\b(\d{6})\b", env.mail_text(env.mails_to(address)[-1])).group(1)


def _sign(env, address: str, token: str | None = None) -> str:
    token = token or _link(env, address)
    signing.open_link(env.svc, token)
    signing.send_code(env.svc, token)
    env.svc.clock.advance(minutes=1)
    return signing.decide(env.svc, token, _code(env, address), "sign")


def _sign_all(env, addresses=SIGNERS) -> None:
    for address in addresses:
        assert _sign(env, address) == "signed"


def test_paragraph_pages_of_a_seed_protocol(solleftea_pdf):
    pages = extracts.paragraph_pages(solleftea_pdf)
    assert sorted(pages) == list(range(11, 18))
    texts = pdf_text(solleftea_pdf).split("\f")
    for number, held in pages.items():
        assert held == sorted(held) and held
        # The paragraph's heading is on its first page, and the next one starts on or after its last.
        assert re.search(rf"(?m)^\s*§ {number}\b", texts[held[0]])
        if number + 1 in pages:
            assert pages[number + 1][0] >= held[-1]


def test_recipients_are_read_under_beslutet_skickas_till(solleftea_pdf):
    found = extracts.sections(pdf_text(solleftea_pdf))
    assert extracts.recipients(found[17]) == ["Kommundirektör Sollefteå", "Kramfors kommun"]
    assert extracts.recipients(found[12]) == ["Ekonomichef", "Chef Stab och Service"]
    assert extracts.recipients(found[11]) == []


def test_build_extract_holds_the_extract_page_and_the_paragraphs_pages(solleftea_pdf):
    pdf = extracts.build_extract_pdf(solleftea_pdf, [17], board="Kommunstyrelsens allmänna utskott",
                                     meeting_date=dt.date(2024, 4, 16), organisation="Sollefteå kommun",
                                     parent_sha256="ab" * 32, secretary="Siv Sjödin")
    pages = pdf_text(pdf).split("\f")
    held = extracts.paragraph_pages(solleftea_pdf)[17]
    assert len(pages) == 1 + len(held)
    assert "Utdrag ur protokoll" in pages[0] and "§ 17 Avsiktsförklaring" in pages[0]
    assert "Rätt utdraget intygar" in pages[0] and "ab" * 32 in pages[0] and "Siv Sjödin" in pages[0]
    original = pdf_text(solleftea_pdf).split("\f")
    assert pages[1:] == [original[i] for i in held]
    with pytest.raises(extracts.UnknownParagraph):
        extracts.build_extract_pdf(solleftea_pdf, [99], board="B", meeting_date=dt.date(2024, 4, 16))


def test_utdrag_end_to_end(env, solleftea_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, solleftea_pdf, confirm_late=True)
    with pytest.raises(NotAllowed):  # only from a justerat protocol
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[17])
    _sign_all(env)
    parent = env.protocol(parent_id)
    assert parent.status == "posted"
    with env.svc.db.write() as s:
        board = s.execute(select(Board).filter_by(organisation_id=env.org_id, name=BOARD)).scalar_one()
        add_member(s, board, name="Kramfors kommun", email="registrator@kramfors.se")
    # Another organisation cannot take an extract of this protocol.
    from signering.workflow.errors import NotFound
    with pytest.raises(NotFound):
        create_extract(env.svc, org_id=env.other_org_id, parent_id=parent_id, paragraphs=[17])

    mails_before = len(env.mails_to("birgitta@example.se"))
    extract_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[17],
                                actor=SECRETARY)
    extract = env.protocol(extract_id)
    assert (extract.kind, extract.parent_id, extract.paragraphs) == ("utdrag", parent_id, [17])
    assert [(r.role, r.email) for r in extract.current.requests] == [("sekreterare", "siv.sjodin@ange.se")]
    original = env.svc.blobs.read(extract.current.original_sha256)
    shown = pdf_text(original)
    assert "§ 17" in shown and "Rätt utdraget intygar" in shown
    assert parent.current.original_sha256 in shown
    held = extracts.paragraph_pages(solleftea_pdf)[17]
    assert extract.current.page_count == 1 + len(held)

    assert _sign(env, "siv.sjodin@ange.se") == "signed"
    extract = env.protocol(extract_id)
    assert extract.status == "sealed"
    sealed = env.svc.blobs.read(extract.current.sealed_sha256)
    report = verify_pdf(sealed, [to_asn1(demo_keys().root)])
    assert report.valid, report
    with env.svc.db.read() as s:
        answer = registry.lookup(s, extract.current.sealed_sha256)
        assert s.execute(select(Notice).filter_by(protocol_id=extract_id)).scalar_one_or_none() is None
    assert answer["status"] == "sealed" and answer["kind"] == "utdrag" and answer["paragraphs"] == [17]
    assert answer["parent"] == {"original_sha256": parent.current.original_sha256, "board": BOARD,
                                "meeting_date": parent.meeting_date.isoformat()}
    assert answer["signers"] == [{"name": "Siv Sjödin", "role": "sekreterare",
                                  "signed_at": answer["signers"][0]["signed_at"]}]
    # The recipient with an address in the register gets the link; nobody else is mailed.
    sent = env.mails_to("registrator@kramfors.se")
    assert len(sent) == 1 and "§ 17" in sent[0].subject
    assert f"/protokoll/{extract.current.sealed_sha256}.pdf" in env.mail_text(sent[0])
    assert len(env.mails_to("birgitta@example.se")) == mails_before
    public = env.app.test_client()
    assert public.get(f"/protokoll/{extract.current.sealed_sha256}.pdf").data == sealed
    page = text(public.get(f"/verifiera/{extract.current.original_sha256}"))
    assert "Utdrag ur protokoll" in page and "§ 17" in page
    assert parent.current.original_sha256 in public.get(
        f"/verifiera/{extract.current.original_sha256}").get_data(as_text=True)


def test_omedelbar_is_posted_before_the_protocol_and_the_protocol_notes_it(env, solleftea_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, solleftea_pdf, confirm_late=True)
    with pytest.raises(Exception):
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[16, 17], kind="omedelbar")
    parent_link = _link(env, SIGNERS[0])
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[16], kind="omedelbar")
    child = env.protocol(child_id)
    assert [r.role for r in child.current.requests] == ["sekreterare", "ordforande", "justerare"]
    # Both routes run at once: the secretary has two links; the paragraph's is the newest.
    _sign_all(env)
    assert env.protocol(child_id).status == "posted"
    assert env.protocol(parent_id).status == "signing"
    with env.svc.db.read() as s:
        notice = s.execute(select(Notice).filter_by(protocol_id=child_id)).scalar_one()
        assert "omedelbar justering av § 16" in notice.title
        assert notice.posted_date == env.svc.today() and notice.appeal_last_day is not None
        child_posted = notice.posted_date

    env.svc.clock.advance(days=2)
    with env.svc.db.read() as s:
        protocol = s.get(Protocol, parent_id)
        assert [r.status for r in protocol.current.requests][:1] == ["active"]
    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(parent_id).status == "posted"
    with env.svc.db.read() as s:
        notice = s.execute(select(Notice).filter_by(protocol_id=parent_id)).scalar_one()
        assert f"§ 16 justerades omedelbart och anslogs {child_posted.isoformat()}" in notice.body
        assert notice.posted_date == child_posted + dt.timedelta(days=2)


def test_staff_pages_make_an_utdrag_and_an_omedelbar_justering(env, solleftea_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, solleftea_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    page = f"/sekreterare/protokoll/{parent_id}"
    shown = text(client.get(page))
    assert "Omedelbar justering av paragraf" in shown and "Gör protokollsutdrag" not in shown
    response = post_form(client, page, f"{page}/omedelbar-justering", {"paragraph": "16"})
    assert response.status_code == 303, response.get_data(as_text=True)
    child_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert (env.protocol(child_id).kind, env.protocol(child_id).paragraphs) == ("omedelbar", [16])
    assert "Omedelbar justering § 16" in text(client.get(page))
    # A paragraph the protocol does not hold is refused on the page, with the reason.
    refused = post_form(client, page, f"{page}/omedelbar-justering", {"paragraph": "99"})
    assert refused.status_code == 422 and "§ 99 finns inte i protokollet" in text(refused)

    for address in SIGNERS:
        _sign(env, address, parent_link if address == SIGNERS[0] else None)
    assert env.protocol(parent_id).status == "posted"
    shown = text(client.get(page))
    assert "Gör protokollsutdrag" in shown and "§ 17 Avsiktsförklaring" in shown
    assert "Omedelbar justering av paragraf" not in shown
    response = post_form(client, page, f"{page}/utdrag", {"paragraph": ["12", "17"]})
    assert response.status_code == 303, response.get_data(as_text=True)
    extract_id = int(response.headers["Location"].rsplit("/", 1)[1])
    extract = env.protocol(extract_id)
    assert (extract.kind, extract.parent_id, extract.paragraphs) == ("utdrag", parent_id, [12, 17])
    shown = text(client.get(response.headers["Location"]))
    assert "Protokollsutdrag § 12, § 17" in shown and "Ur protokollet" in shown
    assert "(Protokollsutdrag § 12, § 17)" in text(client.get("/sekreterare/"))
    # Another organisation's secretary cannot take an extract of this protocol.
    other = env.client("sekreterare@kramfors.se")
    assert other.post(f"{page}/utdrag", data={"paragraph": "17"}).status_code in (400, 404)
