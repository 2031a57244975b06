"""The member register pages: add, import a CSV file (with bad rows), remove; admins of this organisation only."""

from __future__ import annotations

import io

from sqlalchemy import select

from signering.models import Board, BoardMember
from test_staff_support import ADMIN, OTHER_BOARD, SECRETARY, env, post_form, text  # noqa: F401  (env: the shared fixture)


def board_id(env, name="Kommunstyrelsen") -> int:
    with env.svc.db.read() as s:
        return s.execute(select(Board.id).filter_by(name=name)).scalar_one()


def page(env) -> str:
    return f"/sekreterare/admin/namnder/{board_id(env)}/ledamoter"


def test_boards_page_links_to_register_and_add_member(env):
    client = env.client(ADMIN)
    assert page(env) in client.get("/sekreterare/admin/namnder").get_data(as_text=True)
    response = post_form(client, page(env), page(env), {"name": "Siv Sjödin", "email": "Siv@Ange.se",
                                                        "role": "sekreterare"})
    assert response.status_code == 303
    shown = text(client.get(page(env)))
    assert "Siv Sjödin är tillagd" in shown and "Siv Sjödin siv@ange.se Sekreterare" in shown
    response = post_form(client, page(env), page(env), {"name": "Bo", "email": "bo@", "role": "ledamot"})
    assert response.status_code == 422 and "E-postadressen \"bo@\" är ogiltig" in text(response)
    assert 'value="Bo"' in response.get_data(as_text=True)


def test_csv_import_reports_bad_rows_and_keeps_good_ones(env):
    client = env.client(ADMIN)
    csv = "\ufeffnamn;e-post;roll\nSiv Sjödin;siv@ange.se;sekreterare\nBo Berg;bo-at-ange;ledamot\n"
    response = post_form(client, page(env), page(env) + "/importera",
                         {"file": (io.BytesIO(csv.encode()), "ks.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    shown = text(response)
    assert "1 tillagda och 0 uppdaterade" in shown and "Rad 3:" in shown and "bo-at-ange" in shown
    assert env.count(BoardMember, board_id=board_id(env)) == 1
    response = post_form(client, page(env), page(env) + "/importera",
                         {"file": (io.BytesIO(b"name,email\nBo Berg,bo@ange.se\nSiv Sjodin,x@ange.se\n"), "a.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    assert "2 tillagda och 0 uppdaterade" in text(client.get(page(env)))
    response = post_form(client, page(env), page(env) + "/importera",
                         {"file": (io.BytesIO(b"namn;e-post\n\x81\x8d garbage"), "bad.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 422 and "CSV UTF-8" in text(response)


def test_excel_csv_and_namesakes_are_kept_and_reported(env):
    # Issue 17 §5: Excel's plain CSV (Windows-1252) is read; a second Anna Ek is kept, not written over the first.
    client = env.client(ADMIN)
    post_form(client, page(env), page(env), {"name": "Anna Ek", "email": "anna.ek@ange.se", "role": "ledamot"})
    excel = "Namn;E-post;Roll\r\nAnna Ek;anna.ek@socialtjansten.ange.se;ersättare\r\nÖrjan Åkesson;orjan@ange.se;\r\n"
    response = post_form(client, page(env), page(env) + "/importera",
                         {"file": (io.BytesIO(excel.encode("cp1252")), "Bok1.csv")}, content_type="multipart/form-data")
    assert response.status_code == 303
    shown = text(client.get(page(env)))
    assert "2 tillagda och 0 uppdaterade" in shown
    assert "Anna Ek (anna.ek@ange.se, anna.ek@socialtjansten.ange.se)" in shown and "Båda behölls" in shown
    assert "Örjan Åkesson" in shown
    with env.svc.db.read() as s:
        assert sorted(s.execute(select(BoardMember.email).filter_by(name="Anna Ek")).scalars()) == [
            "anna.ek@ange.se", "anna.ek@socialtjansten.ange.se"]
    # The form says the same when a known name comes with a new address.
    response = post_form(client, page(env), page(env), {"name": "Örjan Åkesson", "email": "orjan.a@ange.se",
                                                        "role": "ledamot"})
    assert "Örjan Åkesson (orjan@ange.se, orjan.a@ange.se)" in text(client.get(page(env)))
    post_form(client, page(env), page(env) + "?lang=en", {"name": "Örjan Åkesson", "email": "orjan.b@ange.se",
                                                          "role": "ledamot"})
    assert "Both were kept" in text(client.get(page(env) + "?lang=en"))


def test_remove_member(env):
    client = env.client(ADMIN)
    post_form(client, page(env), page(env), {"name": "Bo Berg", "email": "bo@ange.se", "role": "ledamot"})
    with env.svc.db.read() as s:
        member_id = s.execute(select(BoardMember.id).filter_by(name="Bo Berg")).scalar_one()
    response = post_form(client, page(env), f"{page(env)}/{member_id}/ta-bort", {})
    assert response.status_code == 303
    assert env.count(BoardMember) == 0


def test_csrf_and_scoping(env):
    client = env.client(ADMIN)
    # Without the CSRF token nothing is saved.
    response = client.post(page(env), data={"name": "Bo Berg", "email": "bo@ange.se", "role": "ledamot"})
    assert response.status_code == 400 and env.count(BoardMember) == 0
    # Another organisation's board answers like a missing one; secretaries may not edit the register.
    other = f"/sekreterare/admin/namnder/{board_id(env, OTHER_BOARD)}/ledamoter"
    assert client.get(other).status_code == 404
    assert env.client(SECRETARY).get(page(env)).status_code == 403
