"""Staff page for posting kungörelser, kallelser and underrättelser (/sekreterare/anslag)."""

from __future__ import annotations

import pytest

from signering.models import Event, Notice
from test_staff_support import BOARD, OTHER_SECRETARY, SECRETARY, env, post_form, text  # noqa: F401  (env: the shared fixture)

PAGE = "/sekreterare/anslag"


def _form(**over) -> dict:
    data = {"kind": "kungorelse", "title": "Kungörelse om sammanträde med kommunfullmäktige",
            "body": "Kommunfullmäktige sammanträder i Folkets hus.", "board": BOARD,
            "posted_date": "2025-09-23", "takedown_date": "2025-10-15"}
    return {**data, **over}


def test_kungorelse_is_posted_and_shown_on_the_public_board(env):
    client = env.client(SECRETARY)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'value="2025-09-23"' in page.get_data(as_text=True)  # posting date defaults to today
    response = post_form(client, PAGE, PAGE, _form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(PAGE)
    listing = client.get(PAGE)
    assert "Anslaget är uppsatt" in text(listing)
    assert "Kungörelse om sammanträde med kommunfullmäktige" in text(listing)
    assert "2025-10-15" in text(listing)
    with env.svc.db.read() as s:
        notice = s.query(Notice).filter_by(organisation_id=env.org_id, kind="kungorelse").one()
        assert (notice.posted_date.isoformat(), notice.takedown_date.isoformat()) == ("2025-09-23", "2025-10-15")
        assert notice.board_name == BOARD and notice.status == "posted"
    public = text(env.app.test_client().get("/ange/anslagstavla"))
    assert "Kungörelse om sammanträde med kommunfullmäktige" in public
    assert "23 september 2025" in public and "15 oktober 2025" in public


def test_a_later_posting_date_shows_as_coming(env):
    client = env.client(SECRETARY)
    response = post_form(client, PAGE, PAGE, _form(kind="kallelse", title="Kallelse till nämnden",
                                                    posted_date="2025-09-30", takedown_date="2025-10-08"))
    assert response.status_code == 303
    assert "Sätts upp 2025-09-30" in text(client.get(PAGE))
    assert "Kallelse till nämnden" not in text(env.app.test_client().get("/ange/anslagstavla"))


@pytest.mark.parametrize("dates, message", [
    ({"takedown_date": "2025-09-20"}, "måste ligga efter anslagsdatum"),
    ({"takedown_date": "2025-09-23"}, "måste ligga efter anslagsdatum"),
    ({"posted_date": "23/9 2025"}, "Ange datum som ÅÅÅÅ-MM-DD"),
    ({"takedown_date": ""}, "Ange datum som ÅÅÅÅ-MM-DD"),
    ({"posted_date": "2025-09-22"}, "har redan passerat"),
])
def test_bad_dates_are_refused_with_the_input_kept(env, dates, message):
    client = env.client(SECRETARY)
    response = post_form(client, PAGE, PAGE, _form(**dates))
    assert 400 <= response.status_code < 500
    page = text(response)
    assert message in page
    assert 'value="Kungörelse om sammanträde med kommunfullmäktige"' in response.get_data(as_text=True)
    assert env.count(Notice) == 0


def test_unknown_kind_and_foreign_board_are_refused(env):
    client = env.client(SECRETARY)
    assert post_form(client, PAGE, PAGE, _form(kind="bevis_om_justering")).status_code == 422
    response = post_form(client, PAGE, PAGE, _form(board="Barn- och utbildningsnämnden"))
    assert response.status_code == 422
    assert "finns inte hos Ånge kommun" in text(response)
    assert env.count(Notice) == 0


def test_another_organisation_does_not_see_the_notice(env):
    assert post_form(env.client(SECRETARY), PAGE, PAGE, _form()).status_code == 303
    other = env.client(OTHER_SECRETARY)
    page = other.get(PAGE)
    assert page.status_code == 200
    assert "Kungörelse om sammanträde" not in text(page)
    assert "Inga anslag ännu." in text(page)
    # Its form offers its own boards only.
    assert BOARD not in page.get_data(as_text=True)


def test_page_needs_login_and_a_csrf_token(env):
    anonymous = env.app.test_client()
    assert anonymous.get(PAGE).status_code == 302
    client = env.client(SECRETARY)
    assert client.post(PAGE, data=_form()).status_code == 400
    assert env.count(Notice) == 0


def test_navigation_links_to_the_page(env):
    assert f'href="{PAGE}"' in env.client(SECRETARY).get("/sekreterare/").get_data(as_text=True)


def _notice_id(env, title: str) -> int:
    with env.svc.db.read() as s:
        return s.query(Notice).filter_by(title=title).one().id


def test_a_wrong_kallelse_is_taken_down_before_its_date_with_an_audit_entry(env):
    client = env.client(SECRETARY)
    post_form(client, PAGE, PAGE, _form(kind="kallelse", title="Kallelse till kommunstyrelsen 30 september"))
    notice_id = _notice_id(env, "Kallelse till kommunstyrelsen 30 september")
    refused = post_form(client, PAGE, f"{PAGE}/{notice_id}/ta-ned", {"reason": "  "})
    assert refused.status_code == 422 and "Skriv varför anslaget tas ned" in text(refused)
    response = post_form(client, PAGE, f"{PAGE}/{notice_id}/ta-ned",
                         {"reason": "Fel datum: sammanträdet är den 1 oktober."})
    assert response.status_code == 303
    listing = text(client.get(PAGE))
    assert "Anslaget är nedtaget" in listing and "Fel datum: sammanträdet är den 1 oktober." in listing
    public = env.app.test_client()
    assert "Kallelse till kommunstyrelsen" not in text(public.get("/ange/anslagstavla"))
    archive = text(public.get("/ange/anslagstavla/arkiv"))
    assert "Kallelse till kommunstyrelsen 30 september" in archive
    assert "Togs ned i förtid: Fel datum: sammanträdet är den 1 oktober." in archive
    with env.svc.db.read() as s:
        notice = s.get(Notice, notice_id)
        assert notice.status == "archived" and notice.takedown_date.isoformat() == "2025-09-23"
        event = s.query(Event).filter_by(kind="notice_taken_down").one()
        assert event.actor == SECRETARY and event.detail["planned_takedown"] == "2025-10-15"
        assert event.detail["reason"] == "Fel datum: sammanträdet är den 1 oktober."
    again = post_form(client, PAGE, f"{PAGE}/{notice_id}/ta-ned", {"reason": "igen"})
    assert again.status_code == 409 and "redan nedtaget" in text(again)


def test_a_notice_is_corrected_with_a_visible_dated_note(env):
    client = env.client(SECRETARY)
    post_form(client, PAGE, PAGE, _form(kind="kallelse", title="Kallelse till kommunfullmäktige",
                                        body="Sammanträdet börjar kl. 18.00 i Folkets hus."))
    notice_id = _notice_id(env, "Kallelse till kommunfullmäktige")
    response = post_form(client, PAGE, f"{PAGE}/{notice_id}/ratta", {
        "title": "Kallelse till kommunfullmäktige", "body": "Sammanträdet börjar kl. 13.00 i Folkets hus.",
        "note": "Tiden var fel (18.00), rätt tid är 13.00."})
    assert response.status_code == 303
    public = text(env.app.test_client().get("/ange/anslagstavla"))
    assert "kl. 13.00 i Folkets hus" in public and "kl. 18.00" not in public
    assert "Rättelse" in public and "2025-09-23: Tiden var fel (18.00), rätt tid är 13.00." in public
    feed = env.app.test_client().get("/ange/anslagstavla.atom").get_data(as_text=True)
    assert "Rättelse: 2025-09-23: Tiden var fel" in feed
    api = env.app.test_client().get("/api/v1/notices?org=ange").get_json()["notices"][0]
    assert api["correction"] == "2025-09-23: Tiden var fel (18.00), rätt tid är 13.00."
    with env.svc.db.read() as s:
        event = s.query(Event).filter_by(kind="notice_corrected").one()
        assert event.actor == SECRETARY and event.detail["changed"] == ["body"]
    missing_note = post_form(client, PAGE, f"{PAGE}/{notice_id}/ratta", {"title": "X", "body": "", "note": ""})
    assert missing_note.status_code == 422 and "Skriv vad som rättades" in text(missing_note)


def test_take_down_and_correction_stay_inside_the_organisation(env):
    post_form(env.client(SECRETARY), PAGE, PAGE, _form())
    notice_id = _notice_id(env, "Kungörelse om sammanträde med kommunfullmäktige")
    other = env.client(OTHER_SECRETARY)
    assert post_form(other, PAGE, f"{PAGE}/{notice_id}/ta-ned", {"reason": "Fel"}).status_code == 404
    assert post_form(other, PAGE, f"{PAGE}/{notice_id}/ratta", {"note": "Fel", "title": "Hack"}).status_code == 404
    with env.svc.db.read() as s:
        assert s.get(Notice, notice_id).status == "posted"
