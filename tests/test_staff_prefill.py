"""Staff "Läs in från PDF": the form comes back filled from a real protocol and the member register."""

from __future__ import annotations

import hashlib
import io
import re


from signering.accounts import create_board, create_user
from signering.members import add_member
from signering.models import Board, Organisation, Protocol
from signering.samples import sample
from signering.textpdf import render_text_pdf
from test_staff_support import PASSWORD, SECRETARY, env, post_form, text, upload  # noqa: F401  (env: the shared fixture)

NEW = "/sekreterare/nytt"
READ = "/sekreterare/nytt/las-in"
MBN = "Miljö- och byggnadsnämnden"
# The secretary named in the sample protocol, with her own staff account.
LINA = "lina.astrom@ekasa.se"


def sample_pdf(name: str = "ekasa-mbn-2025-04-08") -> bytes:
    return sample(name).pdf()


def add_mbn_with_members(env):
    with env.svc.db.write() as s:
        org = s.get(Organisation, env.org_id)
        mbn = create_board(s, org, name=MBN)
        add_member(s, mbn, name="Bengt Öhman", email="bengt.ohman@ekasa.se", role="ordforande")
        add_member(s, mbn, name="Yvonne Sjödahl", email="yvonne.sjodahl@ekasa.se", role="justerare")
        create_user(s, org, email=LINA, password=PASSWORD, role="secretary", name="Lina Åström")


def read(client, pdf: bytes, filename="protokoll.pdf"):
    return post_form(client, NEW, READ, {"file": (io.BytesIO(pdf), filename)}, content_type="multipart/form-data")


def rows(page_html: str) -> list[tuple[str, str, str]]:
    roles = re.findall(r'name="signer_role" value="([^"]*)"', page_html)
    names = re.findall(r'name="signer_name" value="([^"]*)"', page_html)
    emails = re.findall(r'name="signer_email" value="([^"]*)"', page_html)
    return list(zip(roles, names, emails))


def test_form_filled_from_pdf_and_register_then_sent_with_the_file_again(env):
    add_mbn_with_members(env)
    client = env.client(LINA)
    blobs_before = env.blob_files()
    response = read(client, sample_pdf(), "mbn.pdf")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<option value="{MBN}" selected>' in page
    assert 'name="meeting_date" value="2025-04-08"' in page
    # The secretary's e-mail comes from her own account (she is the one uploading).
    assert rows(page)[:3] == [("sekreterare", "Lina Åström", LINA),
                              ("ordforande", "Bengt Öhman", "bengt.ohman@ekasa.se"),
                              ("justerare", "Yvonne Sjödahl", "yvonne.sjodahl@ekasa.se")]
    assert "filen behöver du inte välja igen" in text(response) and "mbn.pdf" in text(response)
    assert env.blob_files() == blobs_before and env.count(Protocol) == 0  # nothing stored
    signers = rows(page)
    response = upload(client, sample_pdf(), board=MBN, meeting_date="2025-04-08", signers=signers,
                      confirm_late=True)
    assert response.status_code == 303, text(response)
    assert env.count(Protocol) == 1


def test_unknown_board_and_missing_emails_are_named(env):
    client = env.client(SECRETARY)
    response = read(client, sample_pdf("fjallbygden-socialchefer-2025-10-06"))
    assert response.status_code == 200
    shown = text(response)
    assert "Nämnden ”Socialchefsnätverket i Fjällbygden” i protokollet finns inte bland nämnderna" in shown
    assert "E-postadress saknas i ledamotsregistret för: Oskar Hägglund, Annika Bäckman, Patrik Jönsson" in shown
    page = response.get_data(as_text=True)
    assert 'name="meeting_date" value="2025-10-06"' in page
    assert '<option value="Kommunstyrelsen" selected>' not in page
    assert rows(page)[0] == ("sekreterare", "Oskar Hägglund", "")


def test_board_contained_in_the_protocols_board_line_as_whole_words(env):
    # "Miljö- och byggnadsnämnd" exists: the protocol's "Miljö- och byggnadsnämnden" must not be taken for it.
    client = env.client(SECRETARY)
    with env.svc.db.write() as s:
        create_board(s, s.get(Organisation, env.org_id), name="Miljö- och byggnadsnämnd")
    page = read(client, sample_pdf()).get_data(as_text=True)
    assert " selected>" not in page.split('id="board"', 1)[1].split("</select>", 1)[0]
    with env.svc.db.write() as s:
        create_board(s, s.get(Organisation, env.org_id), name="miljö- och BYGGNADSNÄMNDEN")
    page = read(client, sample_pdf()).get_data(as_text=True)
    assert '<option value="miljö- och BYGGNADSNÄMNDEN" selected>' in page


def test_not_a_pdf_is_an_error_on_the_form_not_a_500(env):
    client = env.client(SECRETARY)
    response = read(client, b"hello, not a pdf")
    assert response.status_code == 422 and "Filen är ingen PDF" in text(response)
    response = post_form(client, NEW, READ, {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Välj protokollets PDF-fil" in text(response)
    # Without the CSRF token the file is not read.
    response = client.post(READ, data={"file": (io.BytesIO(b"%PDF"), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_no_list_of_problems_when_everything_was_found(env):
    add_mbn_with_members(env)
    page = read(env.client(LINA), sample_pdf()).get_data(as_text=True)
    notice = page.split('id="prefilled"', 1)[1].split("</div>", 1)[0]
    assert "<ul>" not in notice and "saknas" not in notice


def test_a_hostile_pdf_is_read_outside_the_web_process(env):
    # A million cross-reference entries: 20 MB that a PDF reader needs ~200 MB to hold (issue 9).
    from hostile_pdfs import huge_xref_table
    from rss import MiB, peak_growth

    client = env.client(SECRETARY)
    hostile = huge_xref_table(1_000_000)
    with peak_growth() as growth:
        response = read(client, hostile)
    assert response.status_code in (200, 422) and "Traceback" not in text(response)
    assert growth.bytes < 64 * MiB


KEPT = re.compile(r'name="kept_file" value="([^"]+)"')
PARTY_PROTOCOL = ("Protokoll\nKommunstyrelsen\nSammanträdesdatum 2025-09-23\n\n§ 1 Mötets öppnande\n"
                  "Ordföranden förklarar mötet öppnat.\n\nJusterandes signatur\n\nSekreterare\nSiv Sjödin\n\n"
                  "Ordförande\nBirgitta Häggkvist\n\nJusterare\nJohn Åberg\n")


def _send_kept(client, page: str, **kw):
    """Send the form as read in, with the kept file's reference and no file chosen."""
    data = {"board": "Kommunstyrelsen", "meeting_date": "2025-09-23",
            "signer_role": [r for r, _n, _e in rows(page)], "signer_name": [n for _r, n, _e in rows(page)],
            "signer_email": [e for _r, _n, e in rows(page)],
            "kept_file": KEPT.search(page).group(1), "kept_name": "ks.pdf", **kw}
    return post_form(client, NEW, NEW, data, content_type="multipart/form-data")


def test_the_file_read_in_is_sent_without_choosing_it_again_and_only_by_its_session(env):
    with env.svc.db.write() as s:
        add_member(s, s.query(Board).filter_by(organisation_id=env.org_id, name="Kommunstyrelsen").one(),
                   name="Birgitta Häggkvist (VI)", email="birgitta.haggkvist@ange.se", role="ordforande")
        add_member(s, s.query(Board).filter_by(organisation_id=env.org_id, name="Kommunstyrelsen").one(),
                   name="John Åberg", email="john.aberg@ange.se", role="justerare")
    client = env.client(SECRETARY)
    pdf = render_text_pdf(PARTY_PROTOCOL)
    page = read(client, pdf, "ks.pdf").get_data(as_text=True)
    # The register writes the party tag, the protocol does not: the address is found all the same.
    assert ("ordforande", "Birgitta Häggkvist", "birgitta.haggkvist@ange.se") in rows(page)
    assert 'id="file" name="file" accept="application/pdf,.pdf" required' not in page
    # Another staff session (the same user, logged in elsewhere) cannot use the reference.
    stolen = _send_kept(env.client(SECRETARY), page)
    assert stolen.status_code == 422 and env.count(Protocol) == 0
    assert "Den inlästa filen finns inte kvar" in text(stolen)
    # A mistake in the form keeps the file: the page offers it again.
    wrong = _send_kept(client, page, meeting_date="")
    assert wrong.status_code == 422 and KEPT.search(wrong.get_data(as_text=True))
    response = _send_kept(client, page)
    assert response.status_code == 303, text(response)
    protocol = env.protocol(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert protocol.versions[0].original_sha256 == hashlib.sha256(pdf).hexdigest()
    assert protocol.versions[0].filename == "ks.pdf"
    # Used once: the reference is gone.
    again = _send_kept(client, page)
    assert again.status_code == 422 and env.count(Protocol) == 1


def test_a_kept_file_expires_after_an_hour(env):
    client = env.client(SECRETARY)
    page = read(client, render_text_pdf(PARTY_PROTOCOL), "ks.pdf").get_data(as_text=True)
    env.svc.clock.advance(hours=1, minutes=1)  # the staff session itself lasts 12 hours
    response = _send_kept(client, page)
    assert response.status_code == 422 and "Den inlästa filen finns inte kvar" in text(response)
    assert env.count(Protocol) == 0

