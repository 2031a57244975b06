"""The member register: CSV import (both separators, BOM, bad rows) and finding e-mails by name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signering.accounts import create_board, create_organisation
from signering.db import Database
from signering.errors import InputError
from signering.members import add_member, board_members, find_email, import_csv, remove_member
from signering.models import Board
from signering.pki.keys import DEMO_DIR


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/db.sqlite3")
    database.upgrade()
    with database.write() as s:
        ange = create_organisation(s, slug="ange", name="Ånge kommun", key_dir=DEMO_DIR)
        create_board(s, ange, name="Kommunstyrelsen")
        create_board(s, ange, name="Socialnämnden")
        other = create_organisation(s, slug="kramfors", name="Kramfors kommun", key_dir=DEMO_DIR)
        create_board(s, other, name="Kommunstyrelsen")
    yield database
    database.dispose()


def board(s, org_slug: str, name: str) -> Board:
    from signering.models import Organisation

    return s.execute(select(Board).join(Organisation).where(Organisation.slug == org_slug, Board.name == name)
                     ).scalar_one()


def test_import_semicolon_with_bom_and_swedish_headers(db):
    data = ("\ufeffNamn;E-post;Roll\r\nSiv Sjödin;Siv.Sjodin@ange.se;sekreterare\r\n"
            "Birgitta Häggkvist;birgitta@ange.se;Ordförande\r\nJohn Åberg;john@ange.se;\r\n").encode("utf-8")
    with db.write() as s:
        assert import_csv(s, board(s, "ange", "Kommunstyrelsen"), data) == (3, 0, [])
    with db.read() as s:
        rows = {(m.name, m.email, m.role) for m in board_members(s, board(s, "ange", "Kommunstyrelsen"))}
    assert rows == {("Siv Sjödin", "siv.sjodin@ange.se", "sekreterare"),
                    ("Birgitta Häggkvist", "birgitta@ange.se", "ordforande"),
                    ("John Åberg", "john@ange.se", "ledamot")}


def test_import_comma_any_column_order_updates_by_name(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        import_csv(s, ks, "name,email\nSiv Sjödin,old@ange.se\n")
        added, updated, errors = import_csv(s, ks, "email,role,name\nnew@ange.se,justerare,  siv   SJÖDIN \n"
                                                   "anna@ange.se,ersättare,Anna Ek\n")
        assert (added, updated, errors) == (1, 1, [])
    with db.read() as s:
        rows = {(m.name, m.email, m.role) for m in board_members(s, board(s, "ange", "Kommunstyrelsen"))}
    assert rows == {("siv SJÖDIN", "new@ange.se", "justerare"), ("Anna Ek", "anna@ange.se", "ersattare")}


def test_bad_rows_have_line_numbers_and_good_rows_stay(db):
    text = ("namn;e-post;roll\n"
            "Siv Sjödin;siv@ange.se;sekreterare\n"
            ";ingen@ange.se;ledamot\n"
            "\n"
            "Bo Berg;inte-en-adress;ledamot\n"
            "Cia Carlsson;cia@ange.se;kassör\n"
            "Dan Dahl;dan@ange.se\n")
    with db.write() as s:
        added, updated, errors = import_csv(s, board(s, "ange", "Kommunstyrelsen"), text)
    assert (added, updated) == (2, 0)
    assert [e.line for e in errors] == [3, 5, 6]
    assert "Rad 3: Namnet saknas" in errors[0].message()
    assert "inte-en-adress" in errors[1].message("sv") and errors[1].message("en").startswith("Line 5:")
    assert "kassör" in errors[2].message()


def test_file_that_cannot_be_read(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        added, updated, errors = import_csv(s, ks, "Siv Sjödin;siv@ange.se\n")
        assert (added, updated, [e.line for e in errors]) == (0, 0, [1])
        assert "namn och e-post" in errors[0].message()
        added, updated, errors = import_csv(s, ks, "namn;e-post\nSiv Sjödin;siv@ange.se\n".encode("cp1252"))
        assert (added, updated) == (0, 0) and "UTF-8" in errors[0].message()
        assert board_members(s, ks) == []


def test_find_email_board_first_then_organisation_never_another_organisation(db):
    with db.write() as s:
        ks, soc = board(s, "ange", "Kommunstyrelsen"), board(s, "ange", "Socialnämnden")
        add_member(s, ks, name="Siv Sjödin", email="siv@ange.se", role="sekreterare")
        add_member(s, soc, name="Siv Sjödin", email="siv.soc@ange.se", role="ledamot")
        add_member(s, soc, name="Olle Olsson", email="olle@ange.se")
        add_member(s, board(s, "kramfors", "Kommunstyrelsen"), name="Kim Kramfors", email="kim@kramfors.se")
        org_id = ks.organisation_id
    with db.read() as s:
        assert find_email(s, org_id, "kommunstyrelsen", " siv  sjödin") == "siv@ange.se"
        assert find_email(s, org_id, "Socialnämnden", "Siv Sjödin") == "siv.soc@ange.se"
        # Not in this board: the organisation's register, if the name is unambiguous there.
        assert find_email(s, org_id, "Kommunstyrelsen", "olle olsson") == "olle@ange.se"
        assert find_email(s, org_id, "Byggnämnden", "Siv Sjödin") is None
        assert find_email(s, org_id, "Kommunstyrelsen", "Kim Kramfors") is None
        assert find_email(s, org_id, "Kommunstyrelsen", "Siv Sjödi") is None


def test_find_email_matches_names_with_and_without_a_party_tag(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        add_member(s, ks, name="Birgitta Häggkvist (VI)", email="birgitta@ange.se", role="ordforande")
        add_member(s, ks, name="John Åberg", email="john@ange.se")
        add_member(s, ks, name="Anna Berg (S)", email="anna.s@ange.se")
        add_member(s, ks, name="Anna Berg (M)", email="anna.m@ange.se")
        org_id = ks.organisation_id
    with db.read() as s:
        # The protocol drops the tag the register keeps, and the other way round.
        assert find_email(s, org_id, "Kommunstyrelsen", "Birgitta Häggkvist") == "birgitta@ange.se"
        assert find_email(s, org_id, "Kommunstyrelsen", "Birgitta Häggkvist (VI)") == "birgitta@ange.se"
        assert find_email(s, org_id, "Kommunstyrelsen", "John Åberg (C)") == "john@ange.se"
        # Two people told apart only by their party: the tag decides, and without it nobody is guessed.
        assert find_email(s, org_id, "Kommunstyrelsen", "Anna Berg (M)") == "anna.m@ange.se"
        assert find_email(s, org_id, "Kommunstyrelsen", "Anna Berg") is None


def test_add_member_checks_input_and_remove(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        with pytest.raises(InputError) as caught:
            add_member(s, ks, name="Siv", email="siv@", role="ledamot")
        assert caught.value.details["field"] == "email"
        member, created = add_member(s, ks, name="Siv", email="siv@ange.se", role="justerare")
        assert created and member.id
        soc = board(s, "ange", "Socialnämnden")
        assert not remove_member(s, soc, member.id)  # not that board's member
        assert remove_member(s, ks, member.id)
        assert board_members(s, ks) == []
