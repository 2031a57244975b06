"""POST /api/v1/protocols with metadata that leaves out board, meeting_date or signers: read from the PDF."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from signering.accounts import create_board
from signering.members import add_member
from signering.models import Board, Organisation, Protocol
from signering.samples import sample
from signering.textpdf import render_text_pdf
from test_api_support import BOARD, SIGNERS, env, metadata, upload  # noqa: F401  (env: the shared fixture)


def sample_pdf(name: str, variant: str = "") -> bytes:
    """The sample as a PDF; a ``variant`` appended makes other bytes (the same bytes twice are
    the same protocol, and a second upload of them is refused)."""
    return render_text_pdf(sample(name).text() + variant, layout=sample(name).layout)


MBN = "ekasa-mbn-2025-04-08"
MBN_BOARD = "Miljö- och byggnadsnämnden"
REGISTER = [("Lina Åström", "lina.astrom@ekasa.se"), ("Bengt Öhman", "bengt.ohman@ekasa.se"),
            ("Yvonne Sjödahl", "yvonne.sjodahl@ekasa.se")]


@pytest.fixture(autouse=True)
def mbn_board(env):
    """The sample's board in both organisations of the shared fixture."""
    with env.svc.db.write() as s:
        for org in s.execute(select(Organisation)).scalars():
            create_board(s, org, name=MBN_BOARD)


def fill_register(env, people=REGISTER, org_slug="solleftea"):
    with env.svc.db.write() as s:
        board = s.execute(select(Board).join(Organisation).where(Organisation.slug == org_slug,
                                                                 Board.name == MBN_BOARD)).scalar_one()
        for name, email in people:
            add_member(s, board, name=name, email=email)


def without(*keys) -> dict:
    return {k: v for k, v in metadata().items() if k not in keys}


def test_everything_from_the_pdf_and_the_register(env):
    fill_register(env)
    response = upload(env, sample_pdf(MBN), {"confirm_late": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["board"] == MBN_BOARD and body["meeting_date"] == "2025-04-08"
    assert [(s["name"], s["email"], s["role"]) for s in body["signers"]] == [
        ("Lina Åström", "lina.astrom@ekasa.se", "sekreterare"),
        ("Bengt Öhman", "bengt.ohman@ekasa.se", "ordforande"),
        ("Yvonne Sjödahl", "yvonne.sjodahl@ekasa.se", "justerare")]


def test_given_fields_win_over_the_pdf(env):
    # Only the date is left out: board and signers are the caller's, exactly as sent.
    response = upload(env, sample_pdf(MBN), without("meeting_date"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["board"] == BOARD and body["meeting_date"] == "2025-04-08"
    assert [s["email"] for s in body["signers"]] == [s["email"] for s in SIGNERS]
    response = upload(env, sample_pdf(MBN, "\nBilaga"), metadata(meeting_date="2024-04-17"))
    assert response.status_code == 201 and response.get_json()["meeting_date"] == "2024-04-17"


def test_signer_not_in_register_is_422_naming_the_field(env):
    fill_register(env, REGISTER[:2])
    response = upload(env, sample_pdf(MBN), without("signers"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "signers[2].email" and "Yvonne Sjödahl" in body["message"]
    # Another organisation's register does not count.
    fill_register(env, REGISTER, org_slug="kramfors")
    assert upload(env, sample_pdf(MBN), without("signers")).status_code == 422
    with env.svc.db.read() as s:
        assert s.execute(select(Protocol)).first() is None


def test_board_not_in_organisation_is_422_naming_board(env):
    response = upload(env, sample_pdf("fjallbygden-socialchefer-2025-10-06"), without("board"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "board" and "Socialchefsnätverket i Fjällbygden" in body["message"]


def test_nothing_readable_is_422_naming_the_field(env):
    pdf = render_text_pdf("Anteckningar\n\nInget datum och ingen nämnd här.")
    response = upload(env, pdf, without("meeting_date"))
    assert response.status_code == 422 and response.get_json()["field"] == "meeting_date"
    response = upload(env, pdf, without("signers"))
    assert response.status_code == 422 and response.get_json()["field"] == "signers"
    response = upload(env, pdf, without("board"))
    assert response.status_code == 422 and response.get_json()["field"] == "board"


def test_the_file_is_still_stored_whole_after_being_read(env):
    pdf = sample_pdf(MBN)
    response = upload(env, pdf, without("board"))
    assert response.status_code == 201
    assert response.get_json()["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_a_hostile_pdf_is_read_outside_the_web_process(env):
    # A million cross-reference entries: 20 MB that a PDF reader needs ~200 MB to hold (issue 9).
    from hostile_pdfs import huge_xref_table
    from rss import MiB, peak_growth

    hostile = huge_xref_table(1_000_000)
    with peak_growth() as growth:
        response = upload(env, hostile, without("board"))
    assert response.status_code == 422 and response.get_json()["field"] == "board"
    assert growth.bytes < 64 * MiB
