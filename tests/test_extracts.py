"""Protokollsutdrag and omedelbar justering: built from a real protocol, signed, sealed, verified."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from signering import extracts, recovery, registry
from signering.extract.text import pdf_text
from signering.members import add_member
from signering.models import Board, BoardMember, Notice, Protocol
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1
from signering.pki.embedded_tsa import authority_for
from signering.pki.orgkeys import demo_keys
from signering.pki.tsa import serve_in_thread
from signering.models import Organisation
from signering.samples import sample
from signering.workflow import manage, sealing, signing
from signering.workflow.extracts import create_extract
from signering.workflow.errors import NotAllowed
from test_staff_support import BOARD, SECRETARY, make_env, post_form, text, upload_ok

SIGNERS = ("siv.sjodin@ange.se", "birgitta@example.se", "john.aberg@example.se")


@pytest.fixture(scope="module")
def mbn_pdf() -> bytes:
    """Miljö- och byggnadsnämnden's sample protocol, §§ 18–22, each paragraph on its own page."""
    return sample("ekasa-mbn-2025-04-08").pdf()


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


def test_paragraph_pages_of_a_sample_protocol(mbn_pdf):
    pages = extracts.paragraph_pages(mbn_pdf)
    assert sorted(pages) == list(range(18, 23))
    texts = pdf_text(mbn_pdf).split("\f")
    for number, held in pages.items():
        assert held == sorted(held) and held
        # The paragraph's heading is on its first page, and the next one starts on or after its last.
        assert re.search(rf"(?m)^\s*§ {number}\b", texts[held[0]])
        if number + 1 in pages:
            assert pages[number + 1][0] >= held[-1]


def test_recipients_are_read_under_beslutet_skickas_till(mbn_pdf):
    found = extracts.sections(pdf_text(mbn_pdf))
    assert extracts.recipients(found[20]) == ["Fastighetsägaren", "Länsstyrelsen"]
    assert extracts.recipients(found[19]) == ["Sökanden", "Fastighetsavdelningen"]
    assert extracts.recipients(found[18]) == []


def test_build_extract_holds_the_extract_page_and_the_paragraphs_pages(mbn_pdf):
    pdf = extracts.build_extract_pdf(mbn_pdf, [20], board="Miljö- och byggnadsnämnden",
                                     meeting_date=dt.date(2025, 4, 8), organisation="Ekåsa kommun",
                                     parent_sha256="ab" * 32, secretary="Siv Sjödin")
    pages = pdf_text(pdf).split("\f")
    held = extracts.paragraph_pages(mbn_pdf)[20]
    assert len(pages) == 1 + len(held)
    assert "Utdrag ur protokoll" in pages[0] and "§ 20 Föreläggande" in pages[0]
    assert "Rätt utdraget intygar" in pages[0] and "ab" * 32 in pages[0] and "Siv Sjödin" in pages[0]
    original = pdf_text(mbn_pdf).split("\f")
    assert pages[1:] == [original[i] for i in held]
    with pytest.raises(extracts.UnknownParagraph):
        extracts.build_extract_pdf(mbn_pdf, [99], board="B", meeting_date=dt.date(2025, 4, 8))


def test_utdrag_end_to_end(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    with pytest.raises(NotAllowed):  # only from a justerat protocol
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20])
    _sign_all(env)
    parent = env.protocol(parent_id)
    assert parent.status == "posted"
    with env.svc.db.write() as s:
        board = s.execute(select(Board).filter_by(organisation_id=env.org_id, name=BOARD)).scalar_one()
        add_member(s, board, name="Länsstyrelsen", email="registrator@lansstyrelsen.example")
    # Another organisation cannot take an extract of this protocol.
    from signering.workflow.errors import NotFound
    with pytest.raises(NotFound):
        create_extract(env.svc, org_id=env.other_org_id, parent_id=parent_id, paragraphs=[20])

    mails_before = len(env.mails_to("birgitta@example.se"))
    extract_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20],
                                actor=SECRETARY)
    extract = env.protocol(extract_id)
    assert (extract.kind, extract.parent_id, extract.paragraphs) == ("utdrag", parent_id, [20])
    assert [(r.role, r.email) for r in extract.current.requests] == [("sekreterare", "siv.sjodin@ange.se")]
    original = env.svc.blobs.read(extract.current.original_sha256)
    shown = pdf_text(original)
    assert "§ 20" in shown and "Rätt utdraget intygar" in shown
    assert parent.current.original_sha256 in shown
    held = extracts.paragraph_pages(mbn_pdf)[20]
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
    assert answer["status"] == "sealed" and answer["kind"] == "utdrag" and answer["paragraphs"] == [20]
    assert answer["parent"] == {"original_sha256": parent.current.original_sha256, "board": BOARD,
                                "meeting_date": parent.meeting_date.isoformat()}
    assert answer["signers"] == [{"name": "Siv Sjödin", "role": "sekreterare",
                                  "signed_at": answer["signers"][0]["signed_at"]}]
    # The recipient with an address in the register gets the link; nobody else is mailed.
    sent = env.mails_to("registrator@lansstyrelsen.example")
    assert len(sent) == 1 and "§ 20" in sent[0].subject
    assert f"/protokoll/{extract.current.sealed_sha256}.pdf" in env.mail_text(sent[0])
    assert len(env.mails_to("birgitta@example.se")) == mails_before
    public = env.app.test_client()
    assert public.get(f"/protokoll/{extract.current.sealed_sha256}.pdf").data == sealed
    page = text(public.get(f"/verifiera/{extract.current.original_sha256}"))
    assert "Utdrag ur protokoll" in page and "§ 20" in page
    assert parent.current.original_sha256 in public.get(
        f"/verifiera/{extract.current.original_sha256}").get_data(as_text=True)


def test_omedelbar_is_posted_before_the_protocol_and_the_protocol_notes_it(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    with pytest.raises(Exception):
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20, 21], kind="omedelbar")
    parent_link = _link(env, SIGNERS[0])
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[21], kind="omedelbar")
    child = env.protocol(child_id)
    assert [r.role for r in child.current.requests] == ["sekreterare", "ordforande", "justerare"]
    # Both routes run at once: the secretary has two links; the paragraph's is the newest.
    _sign_all(env)
    assert env.protocol(child_id).status == "posted"
    assert env.protocol(parent_id).status == "signing"
    with env.svc.db.read() as s:
        notice = s.execute(select(Notice).filter_by(protocol_id=child_id)).scalar_one()
        assert "omedelbar justering av § 21" in notice.title
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
        assert f"§ 21 justerades omedelbart och anslogs {child_posted.isoformat()}" in notice.body
        assert notice.posted_date == child_posted + dt.timedelta(days=2)


def _notice(env, protocol_id: int) -> Notice | None:
    with env.svc.db.read() as s:
        return s.execute(select(Notice).filter_by(protocol_id=protocol_id)).scalar_one_or_none()


def test_protocol_signed_before_its_immediately_adjusted_paragraph_waits_and_is_posted_after_it(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[19], kind="omedelbar")
    child_link = _link(env, SIGNERS[0])
    # All three sign the protocol's links before the paragraph's.
    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    last_link = _link(env, SIGNERS[2])
    assert env.protocol(parent_id).status == "signing" and env.protocol(parent_id).current.seal_pending
    assert sealing.seal_pending(env.svc) == 0  # the worker's round leaves it waiting
    assert _notice(env, parent_id) is None
    assert signing.signed_link(env.svc, last_link).waits_for == (19,)
    shown = text(client.get(f"/sekreterare/protokoll/{parent_id}"))
    assert "Alla har signerat – väntar på den omedelbara justeringen" in shown and "Omedelbar justering § 19" in shown
    assert recovery.check(env.svc) == []  # waiting by rule is no inconsistency
    # Once all have signed the protocol, a paragraph can no longer go before it.
    with pytest.raises(NotAllowed) as refused:
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], kind="omedelbar")
    assert "Alla har redan signerat protokollet" in refused.value.message("sv")

    env.svc.clock.advance(days=1)
    assert _sign(env, SIGNERS[0], child_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(child_id).status == env.protocol(parent_id).status == "posted"
    child, parent = _notice(env, child_id), _notice(env, parent_id)
    assert child.id < parent.id and child.posted_date == parent.posted_date == env.svc.today()
    assert "anslås för sig, före resten av protokollet" in child.body
    assert f"§ 19 justerades omedelbart och anslogs {child.posted_date.isoformat()}" in parent.body
    # The public board shows both, the protocol's notice naming the paragraph.
    board = text(env.app.test_client().get("/ange/anslagstavla"))
    assert "omedelbar justering av § 19" in board and "§ 19 justerades omedelbart" in board


def test_withdrawn_paragraph_lets_the_waiting_protocol_go_on_without_it(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[19], kind="omedelbar")
    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(parent_id).status == "signing"
    manage.withdraw(env.svc, org_id=env.org_id, protocol_id=child_id, actor=SECRETARY,
                    reason="Justeras med protokollet")
    assert env.protocol(parent_id).status == "posted"
    assert "§ 19" not in _notice(env, parent_id).body


def test_paragraph_posted_after_its_protocol_says_so_and_the_protocol_notice_names_it(env, mbn_pdf):
    """Should the protocol get ahead anyway (a paragraph linked to it after its seal), the texts say
    what happened instead of "före resten av protokollet"."""
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[19], kind="omedelbar")
    child_link = _link(env, SIGNERS[0])
    with env.svc.db.write() as s:
        s.get(Protocol, child_id).parent_id = None
    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    assert env.protocol(parent_id).status == "posted"
    posted = _notice(env, parent_id).posted_date
    with env.svc.db.write() as s:
        s.get(Protocol, child_id).parent_id = parent_id
    env.svc.clock.advance(days=1)
    assert _sign(env, SIGNERS[0], child_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    child = _notice(env, child_id)
    assert "före resten" not in child.body
    assert f"Resten av protokollet justerades först och anslogs {posted.isoformat()}" in child.body
    assert f"§ 19 justerades omedelbart och anslogs {child.posted_date.isoformat()}" in _notice(env, parent_id).body


def test_staff_pages_make_an_utdrag_and_an_omedelbar_justering(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    page = f"/sekreterare/protokoll/{parent_id}"
    shown = text(client.get(page))
    assert "Omedelbar justering av paragraf" in shown and "Gör protokollsutdrag" not in shown
    response = post_form(client, page, f"{page}/omedelbar-justering", {"paragraph": "21"})
    assert response.status_code == 303, response.get_data(as_text=True)
    child_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert (env.protocol(child_id).kind, env.protocol(child_id).paragraphs) == ("omedelbar", [21])
    assert "Omedelbar justering § 21" in text(client.get(page))
    # A paragraph the protocol does not hold is refused on the page, with the reason.
    refused = post_form(client, page, f"{page}/omedelbar-justering", {"paragraph": "99"})
    assert refused.status_code == 422 and "§ 99 finns inte i protokollet" in text(refused)

    for address in SIGNERS:
        _sign(env, address, parent_link if address == SIGNERS[0] else None)
    # The protocol waits for § 21, which is posted first.
    assert env.protocol(parent_id).status == "signing"
    assert "väntar på den omedelbara justeringen" in text(client.get(page))
    _sign_all(env)
    assert env.protocol(child_id).status == env.protocol(parent_id).status == "posted"
    shown = text(client.get(page))
    assert "Gör protokollsutdrag" in shown and "§ 20 Föreläggande" in shown
    assert "Omedelbar justering av paragraf" not in shown
    # §§ 19 and 20 go to different recipients, so they would become two extracts (see below).
    response = post_form(client, page, f"{page}/utdrag", {"paragraph": ["20"]})
    assert response.status_code == 303, response.get_data(as_text=True)
    extract_id = int(response.headers["Location"].rsplit("/", 1)[1])
    extract = env.protocol(extract_id)
    assert (extract.kind, extract.parent_id, extract.paragraphs) == ("utdrag", parent_id, [20])
    shown = text(client.get(response.headers["Location"]))
    assert "Protokollsutdrag § 20" in shown and "Ur protokollet" in shown
    assert "(Protokollsutdrag § 20)" in text(client.get("/sekreterare/"))
    # Another organisation's secretary cannot take an extract of this protocol.
    other = env.client("sekreterare@kramfors.se")
    assert other.post(f"{page}/utdrag", data={"paragraph": "20"}).status_code in (400, 404)


def _sign_every_invitation(env, address: str, after: int) -> int:
    """Sign every invitation ``address`` got after its first ``after`` mails; returns how many."""
    tokens = [m.group(1) for row in env.mails_to(address)[after:]
              for m in [re.search(r"/signera/(\S+)", env.mail_text(row))] if m]
    for token in tokens:
        assert _sign(env, address, token) == "signed"
    return len(tokens)


def test_each_recipient_gets_only_their_paragraphs_and_missing_addresses_show_first(env, mbn_pdf):
    # § 19: Sökanden, Fastighetsavdelningen; § 20: Fastighetsägaren, Länsstyrelsen;
    # § 21: Förvaltningschef, blank line, Länsstyrelsen.
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    _sign_all(env)
    with env.svc.db.write() as s:
        board = s.execute(select(Board).filter_by(organisation_id=env.org_id, name=BOARD)).scalar_one()
        add_member(s, board, name="Fastighetsavdelningen", email="fastighet@ekasa.se", role="mottagare")
        add_member(s, board, name="Förvaltningschef", email="fc@ekasa.se", role="mottagare")
    page = f"/sekreterare/protokoll/{parent_id}"
    shown = text(client.get(page))
    assert "Skickas till: Förvaltningschef (fc@ekasa.se), Länsstyrelsen ( saknar e-postadress )" in shown
    assert "Mottagare utan e-postadress" in shown and "E-postadress för Länsstyrelsen" in shown
    added = post_form(client, page, f"{page}/mottagare", {"name": "Länsstyrelsen", "email": "Lst@Example.se"})
    assert added.status_code == 303
    shown = text(client.get(page))
    assert "Länsstyrelsen (lst@example.se)" in shown and "E-postadress för Länsstyrelsen" not in shown
    with env.svc.db.read() as s:
        assert env.count(BoardMember, name="Länsstyrelsen", role="mottagare") == 1

    secretary_mails = len(env.mails_to(SIGNERS[0]))
    response = post_form(client, page, f"{page}/utdrag", {"paragraph": ["19", "20", "21"]})
    assert response.status_code == 303 and response.headers["Location"].startswith(page)
    with env.svc.db.read() as s:
        made = s.execute(select(Protocol).filter_by(parent_id=parent_id, kind="utdrag").order_by(Protocol.id)
                         ).scalars().all()
        assert [(p.paragraphs, p.recipients) for p in made] == [
            ([19], ["Sökanden", "Fastighetsavdelningen"]), ([20], ["Fastighetsägaren"]),
            ([20, 21], ["Länsstyrelsen"]), ([21], ["Förvaltningschef"])]
        made_ids = [p.id for p in made]
    assert _sign_every_invitation(env, SIGNERS[0], secretary_mails) == 4

    def subjects(address):
        return [row.subject for row in env.mails_to(address)]
    assert len(subjects("fastighet@ekasa.se")) == 1 and "§ 19 " in subjects("fastighet@ekasa.se")[0]
    assert "§ 20" not in subjects("fastighet@ekasa.se")[0] and "§ 21" not in subjects("fastighet@ekasa.se")[0]
    assert len(subjects("lst@example.se")) == 1 and "§ 20, § 21 " in subjects("lst@example.se")[0]
    assert len(subjects("fc@ekasa.se")) == 1 and "§ 21 " in subjects("fc@ekasa.se")[0]
    assert "§ 20" not in subjects("fc@ekasa.se")[0]
    # The trail says who got it and who did not.
    trail = text(client.get(f"/sekreterare/protokoll/{made_ids[0]}"))
    assert "till fastighet@ekasa.se" in trail
    assert "utan e-postadress i registret: Sökanden" in trail
    trail = text(client.get(f"/sekreterare/protokoll/{made_ids[1]}"))
    assert "ingen mottagare hade e-postadress" in trail and "utan e-postadress i registret: Fastighetsägaren" in trail
