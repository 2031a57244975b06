"""The finalize form: a real PDF through the form becomes a protocol under justering; bad input never does."""

from __future__ import annotations

import pytest

from signering.models import OutboxMail, Protocol, ProtocolVersion
from signering.workflow import signing
from signering.workflow.errors import LinkInvalid
from test_staff_support import BOARD, OTHER_BOARD, SECRETARY, SIGNERS, env, protocol_pdf, text, upload, upload_ok  # noqa: F401  (env: the shared fixture)

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def test_form_offers_own_boards_and_prefills_secretary(env):
    page = env.client(SECRETARY).get("/sekreterare/nytt")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<option value="{BOARD}"' in html and OTHER_BOARD not in html
    assert 'accept="application/pdf' in html and 'enctype="multipart/form-data"' in html
    assert 'value="Siv Sjödin"' in html and f'value="{SECRETARY}"' in html
    assert html.count('name="signer_role" value="justerare"') == 3


def test_upload_starts_justering(env):
    client = env.client(SECRETARY)
    pdf = protocol_pdf()
    protocol_id = upload_ok(env, client, pdf)
    page = client.get(f"/sekreterare/protokoll/{protocol_id}")
    assert page.status_code == 200
    shown = text(page)
    assert "Protokollet är skickat för justering" in shown
    assert "Under justering" in shown
    assert "Nu är det tur för Siv Sjödin (Sekreterare), sedan 2025-09-23 10:00 CEST" in shown
    p = env.protocol(protocol_id)
    assert p.status == "signing" and p.organisation_id == env.org_id and p.board.name == BOARD
    [version] = p.versions
    assert version.original_size == len(pdf) and version.filename == "protokoll.pdf"
    # Empty justerare rows were left out; the first signer is active, the others wait.
    assert [(r.role, r.name, r.status) for r in version.requests] == [
        ("sekreterare", "Siv Sjödin", "active"), ("ordforande", "Birgitta Häggkvist", "waiting"),
        ("justerare", "John Åberg", "waiting")]
    [mail] = env.mails_to("siv.sjodin@ange.se")
    assert "/signera/" in env.mail_text(mail)
    assert env.count(OutboxMail) == 1
    assert env.events(protocol_id) == ["created", "sent"]
    listing = text(client.get("/sekreterare/"))
    assert f"{BOARD} 2025-09-23 Under justering Nästa: Siv Sjödin (Sekreterare), sedan 2025-09-23 10:00 CEST" in listing
    # The stored file is exactly what was uploaded.
    original = client.get(f"/sekreterare/protokoll/{protocol_id}/pdf?original=1")
    assert original.status_code == 200 and original.mimetype == "application/pdf" and original.data == pdf
    working = client.get(f"/sekreterare/protokoll/{protocol_id}/pdf")
    assert working.data.startswith(pdf) and len(working.data) > len(pdf)


def _signers(**change):
    rows = [list(r) for r in SIGNERS]
    for index, value in change.items():
        rows[int(index[1:])] = value
    return [tuple(r) for r in rows]


BAD = {
    "no file": (dict(pdf=None), 422, "Välj protokollets PDF-fil"),
    "png": (dict(pdf=PNG, filename="protokoll.png"), 422, "Filen är ingen PDF"),
    "empty file": (dict(pdf=b""), 422, "Filen är tom"),
    "no chair": (dict(signers=_signers(r1=("ordforande", "", ""))), 422,
                 "Ordningen ska vara: sekreterare, ordförande och minst en justerare"),
    "wrong role order": (dict(signers=_signers(r0=("justerare", "Siv Sjödin", "siv.sjodin@ange.se"),
                                               r2=("sekreterare", "John Åberg", "john.aberg@example.se"))), 422,
                         "Ordningen ska vara: sekreterare, ordförande och minst en justerare"),
    "no justerare": (dict(signers=_signers(r2=("justerare", "", ""))), 422, "minst en justerare"),
    "bad e-mail": (dict(signers=_signers(r2=("justerare", "John Åberg", "john.aberg(at)example.se"))), 422,
                   "e-postadressen \"john.aberg(at)example.se\" ser inte giltig ut"),
    "name without e-mail": (dict(signers=_signers(r3=("justerare", "Lisa Larsson", ""))), 422,
                            "Undertecknare 4 (Lisa Larsson): e-postadressen"),
    "unknown board": (dict(board="Nämnden som inte finns"), 422, "Nämnden \"Nämnden som inte finns\" finns inte"),
    "other org's board": (dict(board=OTHER_BOARD), 422, f"Nämnden \"{OTHER_BOARD}\" finns inte hos Ånge kommun"),
    "no date": (dict(meeting_date=""), 422, "Ange sammanträdesdatum"),
    "bad date": (dict(meeting_date="23/9 2025"), 422, "Datumet är ogiltigt"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_in_the_form(env, case):
    kwargs, status, message = BAD[case]
    kwargs = dict(kwargs)
    pdf = kwargs.pop("pdf", protocol_pdf())
    client = env.client(SECRETARY)
    before = env.blob_files()
    response = upload(client, pdf, **kwargs)
    assert response.status_code == status
    shown = text(response)
    assert message in shown
    assert "Dina uppgifter finns kvar nedan" in shown
    html = response.get_data(as_text=True)
    # What was typed is still in the form.
    assert 'value="Birgitta Häggkvist"' in html or case == "no chair"
    assert f'value="{kwargs.get("meeting_date", "2025-09-23")}"' in html
    assert env.count(Protocol) == 0 and env.count(ProtocolVersion) == 0 and env.count(OutboxMail) == 0
    assert env.blob_files() == before


def test_new_version_voids_the_old_route(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client, protocol_pdf())
    [mail] = env.mails_to("siv.sjodin@ange.se")
    old_link = env.mail_text(mail).split("/signera/")[1].split()[0]
    assert signing.open_link(env.svc, old_link).protocol_id == protocol_id

    path = f"/sekreterare/protokoll/{protocol_id}/ny-version"
    form = client.get(path)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "Ladda upp en ny version" in text(form)
    assert 'value="John Åberg"' in html and 'value="2025-09-23"' in html
    new_signers = _signers(r2=("justerare", "Jonas Åkesson", "jonas@example.se"))
    response = upload(client, protocol_pdf("Protokoll\nRättad version\n\n§ 1 Mötets öppnande"), path=path,
                      signers=new_signers)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/sekreterare/protokoll/{protocol_id}"
    p = env.protocol(protocol_id)
    assert [v.voided for v in p.versions] == [True, False] and p.status == "signing"
    assert [r.name for r in p.current.requests] == ["Siv Sjödin", "Birgitta Häggkvist", "Jonas Åkesson"]
    assert {r.status for r in p.versions[0].requests} == {"voided"}
    with pytest.raises(LinkInvalid):
        signing.open_link(env.svc, old_link)
    assert env.events(protocol_id)[-3:] == ["voided", "created", "sent"]
    page = text(client.get(f"/sekreterare/protokoll/{protocol_id}"))
    assert "Version 2" in page and "Versionen makulerades" in page
    assert env.count(Protocol) == 1


def test_new_version_with_bad_file_keeps_the_old_one(env):
    client = env.client(SECRETARY)
    protocol_id = upload_ok(env, client)
    before = env.blob_files()
    response = upload(client, PNG, path=f"/sekreterare/protokoll/{protocol_id}/ny-version")
    assert response.status_code == 422 and "Filen är ingen PDF" in text(response)
    p = env.protocol(protocol_id)
    assert len(p.versions) == 1 and not p.versions[0].voided and p.versions[0].requests[0].status == "active"
    assert env.blob_files() == before
