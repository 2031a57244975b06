"""The member register: CSV import (both separators, BOM, bad rows) and finding e-mails by name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signering.accounts import create_board, create_organisation
from signering.db import Database
from signering.errors import InputError
from signering.members import add_member, board_members, find_email, import_csv, namesakes, remove_member
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
        result = import_csv(s, board(s, "ange", "Kommunstyrelsen"), data)
        assert (result.added, result.updated, result.errors, result.encoding) == (3, 0, [], "utf-8")
    with db.read() as s:
        rows = {(m.name, m.email, m.role) for m in board_members(s, board(s, "ange", "Kommunstyrelsen"))}
    assert rows == {("Siv Sjödin", "siv.sjodin@ange.se", "sekreterare"),
                    ("Birgitta Häggkvist", "birgitta@ange.se", "ordforande"),
                    ("John Åberg", "john@ange.se", "ledamot")}


def test_import_comma_any_column_order_updates_by_name_and_address(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        import_csv(s, ks, "name,email\nSiv Sjödin,siv@ange.se\n")
        result = import_csv(s, ks, "email,role,name\nSiv@Ange.se,justerare,  siv   SJÖDIN \n"
                                   "anna@ange.se,ersättare,Anna Ek\n")
        assert (result.added, result.updated, result.errors, result.namesakes) == (1, 1, [], {})
    with db.read() as s:
        rows = {(m.name, m.email, m.role) for m in board_members(s, board(s, "ange", "Kommunstyrelsen"))}
    assert rows == {("siv SJÖDIN", "siv@ange.se", "justerare"), ("Anna Ek", "anna@ange.se", "ersattare")}


def test_bad_rows_have_line_numbers_and_good_rows_stay(db):
    text = ("namn;e-post;roll\n"
            "Siv Sjödin;siv@ange.se;sekreterare\n"
            ";ingen@ange.se;ledamot\n"
            "\n"
            "Bo Berg;inte-en-adress;ledamot\n"
            "Cia Carlsson;cia@ange.se;kassör\n"
            "Dan Dahl;dan@ange.se\n")
    with db.write() as s:
        result = import_csv(s, board(s, "ange", "Kommunstyrelsen"), text)
    errors = result.errors
    assert (result.added, result.updated) == (2, 0)
    assert [e.line for e in errors] == [3, 5, 6]
    assert "Rad 3: Namnet saknas" in errors[0].message()
    assert "inte-en-adress" in errors[1].message("sv") and errors[1].message("en").startswith("Line 5:")
    assert "kassör" in errors[2].message()


def test_file_that_cannot_be_read(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        result = import_csv(s, ks, "Siv Sjödin;siv@ange.se\n")
        assert (result.added, result.updated, [e.line for e in result.errors]) == (0, 0, [1])
        assert "namn och e-post" in result.errors[0].message()
        # 0x81 and 0x8D are bytes Windows-1252 leaves undefined: neither UTF-8 nor Excel's plain CSV.
        result = import_csv(s, ks, b"namn;e-post\nSiv Sj\x81din;siv@ange.se\x8d\n")
        assert (result.added, result.updated) == (0, 0)
        assert "teckenkodning" in result.errors[0].message() and "CSV UTF-8" in result.errors[0].message("en")
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


# Issue 17 §5: what Swedish Excel writes for "CSV" (Windows-1252, semicolons, CRLF) and "Unicode text".
EXCEL_ROWS = ("Namn;E-post;Roll\r\nÅsa Öhrström;asa.ohrstrom@ange.se;Ordförande\r\n"
              "Jörgen Wäppling;jorgen@ange.se;ersättare\r\nSiv Sjödin – ersättare;siv@ange.se;\r\n")


def test_excel_plain_csv_in_windows_1252_is_read(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        result = import_csv(s, ks, EXCEL_ROWS.encode("cp1252"))
        assert (result.added, result.updated, result.errors, result.encoding) == (3, 0, [], "cp1252")
        assert {(m.name, m.role) for m in board_members(s, ks)} == {
            ("Åsa Öhrström", "ordforande"), ("Jörgen Wäppling", "ersattare"), ("Siv Sjödin – ersättare", "ledamot")}


def test_utf8_is_never_taken_for_windows_1252_and_utf16_is_read(db):
    with db.write() as s:
        ks, soc = board(s, "ange", "Kommunstyrelsen"), board(s, "ange", "Socialnämnden")
        # Every byte of this UTF-8 also means something in Windows-1252 ("Ã…sa"): UTF-8 must win.
        assert import_csv(s, ks, EXCEL_ROWS.encode("utf-8")).encoding == "utf-8"
        assert "Åsa Öhrström" in {m.name for m in board_members(s, ks)}
        result = import_csv(s, soc, EXCEL_ROWS.replace(";", "\t").encode("utf-16"))
        assert (result.added, result.errors, result.encoding) == (3, [], "utf-16")
        assert "Jörgen Wäppling" in {m.name for m in board_members(s, soc)}


def test_two_people_of_one_name_are_both_kept_and_reported(db):
    with db.write() as s:
        ks = board(s, "ange", "Kommunstyrelsen")
        assert import_csv(s, ks, "namn;e-post\nAnna Ek;anna.ek@ange.se\nBo Berg;bo@ange.se\n").namesakes == {}
        result = import_csv(s, ks, "namn;e-post;roll\nanna ek;anna.ek2@ange.se;ersättare\n"
                                   "Bo Berg;bo@ange.se;justerare\nCia Dahl;cia@ange.se\nCia Dahl;cia.d@ange.se\n")
        assert (result.added, result.updated, result.errors) == (3, 1, [])
        assert result.namesakes == {"Anna Ek": ["anna.ek@ange.se", "anna.ek2@ange.se"],
                                    "Cia Dahl": ["cia@ange.se", "cia.d@ange.se"]}
        assert {(m.name, m.email, m.role) for m in board_members(s, ks)} == {
            ("Anna Ek", "anna.ek@ange.se", "ledamot"), ("anna ek", "anna.ek2@ange.se", "ersattare"),
            ("Bo Berg", "bo@ange.se", "justerare"), ("Cia Dahl", "cia@ange.se", "ledamot"),
            ("Cia Dahl", "cia.d@ange.se", "ledamot")}
        # The same file again changes nothing and reports no new namesakes.
        again = import_csv(s, ks, "namn;e-post\nAnna Ek;anna.ek2@ange.se\n")
        assert (again.added, again.updated, again.namesakes) == (0, 1, {})
        # A form entry of a known name with a new address is a second person too.
        member, created = add_member(s, ks, name="Bo  Berg", email="bo.berg@ange.se")
        assert created and len(namesakes(s, ks, "bo berg")) == 2
        org_id = ks.organisation_id
    with db.read() as s:
        # Which Anna Ek signs is not guessed.
        assert find_email(s, org_id, "Kommunstyrelsen", "Anna Ek") is None
