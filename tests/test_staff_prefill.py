"""Staff "Läs in från PDF": the form comes back filled from a real protocol and the member register."""

from __future__ import annotations

import io
import os
import re


from signering.accounts import create_board
from signering.members import add_member
from signering.models import Board, Organisation, Protocol
from signering.textpdf import render_text_pdf, seed_dir
from test_staff_support import SECRETARY, env, post_form, text, upload  # noqa: F401  (env: the shared fixture)

NEW = "/sekreterare/nytt"
READ = "/sekreterare/nytt/las-in"
AU = "Kommunstyrelsens allmänna utskott"


def seed_pdf(name: str) -> bytes:
    with open(os.path.join(seed_dir(), name), encoding="utf-8") as fh:
        return render_text_pdf(fh.read())


def add_au_with_members(env):
    with env.svc.db.write() as s:
        org = s.get(Organisation, env.org_id)
        au = create_board(s, org, name=AU)
        add_member(s, au, name="Birgitta Häggkvist", email="birgitta.haggkvist@ange.se", role="ordforande")
        add_member(s, au, name="John Åberg", email="john.aberg@ange.se", role="justerare")


def read(client, pdf: bytes, filename="protokoll.pdf"):
    return post_form(client, NEW, READ, {"file": (io.BytesIO(pdf), filename)}, content_type="multipart/form-data")


def rows(page_html: str) -> list[tuple[str, str, str]]:
    roles = re.findall(r'name="signer_role" value="([^"]*)"', page_html)
    names = re.findall(r'name="signer_name" value="([^"]*)"', page_html)
    emails = re.findall(r'name="signer_email" value="([^"]*)"', page_html)
    return list(zip(roles, names, emails))


def test_form_filled_from_pdf_and_register_then_sent_with_the_file_again(env):
    add_au_with_members(env)
    client = env.client(SECRETARY)
    blobs_before = env.blob_files()
    response = read(client, seed_pdf("solleftea-ks-au-2024-04-16.txt"), "ks-au.pdf")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<option value="{AU}" selected>' in page
    assert 'name="meeting_date" value="2024-04-16"' in page
    # The secretary's e-mail comes from her own account (she is the one uploading).
    assert rows(page)[:3] == [("sekreterare", "Siv Sjödin", SECRETARY),
                              ("ordforande", "Birgitta Häggkvist", "birgitta.haggkvist@ange.se"),
                              ("justerare", "John Åberg", "john.aberg@ange.se")]
    assert "välj samma PDF-fil igen" in text(response) and "ks-au.pdf" in text(response)
    assert env.blob_files() == blobs_before and env.count(Protocol) == 0  # nothing stored
    signers = rows(page)
    response = upload(client, seed_pdf("solleftea-ks-au-2024-04-16.txt"), board=AU, meeting_date="2024-04-16",
                      signers=signers, confirm_late=True)
    assert response.status_code == 303, text(response)
    assert env.count(Protocol) == 1


def test_unknown_board_and_missing_emails_are_named(env):
    client = env.client(SECRETARY)
    response = read(client, seed_pdf("kommundirektorsnatverket-2025-09-22.txt"))
    assert response.status_code == 200
    shown = text(response)
    assert "Nämnden ”Kommundirektörsnätverket” i protokollet finns inte bland nämnderna" in shown
    assert "E-postadress saknas i ledamotsregistret för: Elise Ackerot, Martin Söderström, Jenny Kriström" in shown
    page = response.get_data(as_text=True)
    assert 'name="meeting_date" value="2025-09-22"' in page
    assert '<option value="Kommunstyrelsen" selected>' not in page
    assert rows(page)[0] == ("sekreterare", "Elise Ackerot", "")


def test_board_contained_in_the_protocols_board_line_as_whole_words(env):
    # Only Kommunstyrelsen exists: "Kommunstyrelsens allmänna utskott" must not be taken for it.
    client = env.client(SECRETARY)
    page = read(client, seed_pdf("solleftea-ks-au-2024-04-16.txt")).get_data(as_text=True)
    assert " selected>" not in page.split('id="board"', 1)[1].split("</select>", 1)[0]
    with env.svc.db.write() as s:
        create_board(s, s.get(Organisation, env.org_id), name="kommunstyrelsens ALLMÄNNA utskott")
    page = read(client, seed_pdf("solleftea-ks-au-2024-04-16.txt")).get_data(as_text=True)
    assert '<option value="kommunstyrelsens ALLMÄNNA utskott" selected>' in page


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
    add_au_with_members(env)
    page = read(env.client(SECRETARY), seed_pdf("solleftea-ks-au-2024-04-16.txt")).get_data(as_text=True)
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
