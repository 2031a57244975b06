"""Issue 17 §2: what an extract's mails and pages say, its new versions, protocols numbered
"1. Mötets öppnande", and one hash for one protocol."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from signering import extracts
from signering.extract.reader import read_protocol_text
from signering.extract.text import pdf_text
from signering.mail import templates as mails
from signering.textpdf import render_text_pdf
from signering.workflow.extracts import create_extract
from signering.workflow.finalize import SignerInput, finalize
from test_extracts import SIGNERS, _link, _sign, _sign_all, env, mbn_pdf  # noqa: F401  (fixtures)
from test_staff_support import BOARD, SECRETARY, post_form, text, upload_ok

#: written for these tests: a working group's notes, items numbered "1." without any §
NUMBERED = """Ekåsa kommun
Kultur- och fritidsnämndens arbetsutskott

Minnesanteckningar

Datum: 2025-05-14
Plats: Biblioteket, rum Läsesalen

1. Mötets öppnande

Ordföranden öppnar mötet.

2. Val av justerare

Kerstin Lund väljs att justera anteckningarna.

3. Bidrag till sommarlovsaktiviteter

Arbetsutskottet föreslår att nämnden fördelar 120 000 kronor till föreningarnas sommarlovsaktiviteter.

Beslutet skickas till
Fritidsgården Ekan
Ekonomienheten

4. Öppettider i simhallen

Simhallen håller öppet till kl. 21 på torsdagar från och med september.

Beslutet skickas till
Simhallens föreståndare

5. Mötets avslutande

Ordföranden avslutar mötet.
"""


def test_items_numbered_without_a_paragraph_sign_get_extracts():
    pdf = render_text_pdf(NUMBERED)
    reader = [p.number for p in read_protocol_text(pdf_text(pdf)).paragraphs]
    found = extracts.sections(pdf_text(pdf))
    assert reader == [1, 2, 3, 4, 5] and sorted(found) == reader
    assert extracts.recipients(found[3]) == ["Fritidsgården Ekan", "Ekonomienheten"]
    assert extracts.recipients(found[4]) == ["Simhallens föreståndare"]
    built = pdf_text(extracts.build_extract_pdf(pdf, [3], board="Kultur- och fritidsnämnden",
                                                meeting_date=dt.date(2025, 5, 14)))
    assert "§ 3 Bidrag till sommarlovsaktiviteter" in built and "120 000 kronor" in built


def test_mails_name_the_extract_and_the_paragraph_and_say_what_follows():
    common = dict(board="Miljö- och byggnadsnämnden", meeting_date=dt.date(2025, 4, 8),
                  link="https://signering.example/signera/x", deadline=dt.date(2025, 4, 20), secretary_name="Siv")
    mail = mails.invitation(to="siv@ange.se", signer_name="Siv", role="sekreterare", kind="utdrag",
                            paragraphs=[20], **common)
    assert "protokollsutdrag" in mail.subject.lower() and "§ 20" in mail.subject
    assert "ordförande och justerare" not in mail.body_text and "anslås inte på anslagstavlan" in mail.body_text
    mail = mails.invitation(to="siv@ange.se", signer_name="Siv", role="sekreterare", kind="utdrag",
                            paragraphs=[20], lang="en", **common)
    assert "chair" not in mail.body_text and "not posted on the notice board" in mail.body_text
    for lang, prefix in (("sv", "Omedelbar justering av § 19: "), ("en", "Immediate justering of § 19: ")):
        assert mails.invitation(to="b@ange.se", signer_name="B", role="ordforande", kind="omedelbar",
                                paragraphs=[19], lang=lang, **common).subject.startswith(prefix)
        assert mails.code(to="b@ange.se", signer_name="B", code="123456", minutes_valid=10, kind="omedelbar",
                          paragraphs=[19], lang=lang).subject.startswith(prefix)
        assert mails.sealed(to="b@ange.se", board="MBN", meeting_date=dt.date(2025, 4, 8),
                            sealed_url="https://s.example/a", verify_url="https://s.example/b", kind="omedelbar",
                            paragraphs=[19], lang=lang).subject.startswith(prefix)
    # The protocol's own mails read as before.
    assert mails.invitation(to="b@ange.se", signer_name="B", role="ordforande", **common).subject.startswith(
        "Justera och signera protokollet från")
    assert mails.code(to="b@ange.se", signer_name="B", code="123456", minutes_valid=10).subject == \
        "Din kod för att signera protokollet"


def _web_sign(env, client, token: str, address: str) -> str:
    page = f"/signera/{token}"
    shown = text(client.get(page))
    post_form(client, page, f"{page}/kod", {})
    env.svc.clock.advance(minutes=1)
    code = re.search(r"\b(\d{6})\b", env.mail_text(env.mails_to(address)[-1])).group(1)
    return shown, text(post_form(client, page, page, {"code": code, "decision": "sign"}))


def test_utdrag_signing_page_and_page_after_say_what_happens(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    _sign_all(env)
    extract_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], actor=SECRETARY)
    invitation = env.mail_text(env.mails_to(SIGNERS[0])[-1])
    assert "ordförande och justerare" not in invitation and "Rätt utdraget intygar" in invitation
    page, done = _web_sign(env, env.app.test_client(), _link(env, SIGNERS[0]), SIGNERS[0])
    assert "Signera protokollsutdrag § 20" in page
    assert "Nästa person" not in done and "anslås på anslagstavlan" not in done
    assert "skickas till mottagarna" in done and "anslås inte på anslagstavlan" in done
    assert env.protocol(extract_id).status == "sealed"


def test_new_version_of_an_extract_keeps_the_extract_rules(env, mbn_pdf):
    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    _sign_all(env)
    extract_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], actor=SECRETARY)
    extract = env.protocol(extract_id)
    same = env.svc.blobs.read(extract.current.original_sha256)
    secretary = [SignerInput("Siv Sjödin", SIGNERS[0], "sekreterare")]
    three = secretary + [SignerInput("Birgitta", SIGNERS[1], "ordforande"), SignerInput("John", SIGNERS[2], "justerare")]

    def new_version(pdf, signers):
        return finalize(env.svc, org_id=env.org_id, board_name=BOARD, meeting_date=extract.meeting_date,
                        signers=signers, upload=io.BytesIO(pdf), filename="utdrag.pdf", actor=SECRETARY,
                        protocol_id=extract_id)

    unrelated = render_text_pdf(NUMBERED)
    with pytest.raises(extracts.ParagraphsMissing) as refused:
        new_version(unrelated, secretary)
    assert "innehåller inte § 20" in refused.value.message("sv")
    with pytest.raises(Exception) as refused:
        new_version(same, three)  # an utdrag is the secretary's alone
    assert "sekreterare" in str(refused.value.message("sv")).lower()
    assert new_version(same, secretary) == extract_id
    assert len(env.protocol(extract_id).versions) == 2
    assert env.protocol(extract_id).kind == "utdrag"


def test_protocol_page_offers_numbered_items_or_says_why_not(env):
    client = env.client(SECRETARY)
    numbered = upload_ok(env, client, render_text_pdf(NUMBERED), meeting_date="2025-05-14", confirm_late=True)
    shown = text(client.get(f"/sekreterare/protokoll/{numbered}"))
    assert "Omedelbar justering av paragraf" in shown and "§ 3 Bidrag till sommarlovsaktiviteter" in shown
    plain = render_text_pdf("Ekåsa kommun\nKommunstyrelsen\nDatum: 2025-05-15\n\nMötet ägnades åt en studieresa.")
    none = upload_ok(env, client, plain, meeting_date="2025-05-15", confirm_late=True)
    shown = text(client.get(f"/sekreterare/protokoll/{none}"))
    assert "Omedelbar justering av paragraf" not in shown
    assert "Protokollet kan inte delas upp i paragrafer" in shown and "1. Mötets öppnande" in shown


def test_one_hash_one_protocol_for_extracts_and_reuploads(env, mbn_pdf):
    from signering import registry
    from signering.workflow import manage
    from signering.workflow.errors import NotAllowed

    client = env.client(SECRETARY)
    parent_id = upload_ok(env, client, mbn_pdf, confirm_late=True)
    parent_link = _link(env, SIGNERS[0])
    # § 21 sent for immediate justering twice: the second is refused, naming the first.
    child_id = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[21], kind="omedelbar")
    with pytest.raises(NotAllowed) as refused:
        create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=["21"], kind="omedelbar")
    assert f"§ 21 är redan skickad för omedelbar justering (protokoll {child_id})" in refused.value.message("sv")
    # Once withdrawn it may be sent again, as a file of its own.
    manage.withdraw(env.svc, org_id=env.org_id, protocol_id=child_id, actor=SECRETARY, reason="fel paragraf")
    again = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[21], kind="omedelbar")
    assert env.protocol(again).current.original_sha256 != env.protocol(child_id).current.original_sha256

    assert _sign(env, SIGNERS[0], parent_link) == "signed"
    _sign_all(env, SIGNERS[1:])
    # The protocol waits for § 21 under justering; withdrawn, it goes on without it.
    assert env.protocol(parent_id).status == "signing"
    manage.withdraw(env.svc, org_id=env.org_id, protocol_id=again, actor=SECRETARY, reason="justeras med protokollet")
    assert env.protocol(parent_id).status == "posted"
    # The utdrag of § 20 made twice: two protocols, two files; each hash answers for its own.
    first = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], actor=SECRETARY)
    second = create_extract(env.svc, org_id=env.org_id, parent_id=parent_id, paragraphs=[20], actor=SECRETARY)
    hashes = [env.protocol(p).current.original_sha256 for p in (first, second)]
    assert hashes[0] != hashes[1]

    # A withdrawn protocol's file cannot start a second protocol: its QR code would name the new one.
    plain = render_text_pdf(NUMBERED)
    withdrawn = upload_ok(env, client, plain, meeting_date="2025-05-14", confirm_late=True)
    manage.withdraw(env.svc, org_id=env.org_id, protocol_id=withdrawn, actor=SECRETARY, reason="fel datum")
    from test_staff_support import upload
    response = upload(client, plain, meeting_date="2025-05-13", confirm_late=True)
    assert response.status_code == 409
    assert f"redan använts i protokoll {withdrawn}" in text(response) and "Spara PDF:en på nytt" in text(response)
    with env.svc.db.read() as s:
        answer = registry.lookup(s, env.protocol(withdrawn).current.original_sha256)
    assert answer["meeting_date"] == "2025-05-14" and answer["status"] == "withdrawn"
