"""Issue 17, section 4: notices whose text XML cannot carry, notices past their date while the
worker is down, the notice text in the JSON list, and when an Atom entry went up."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from signering.errors import InputError
from signering.models import Notice
from signering.notices import post_notice

from test_public_support import BOARD, SIGNERS, add_protocol, fake_pdf, make_env

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("/solleftea/anslagstavla.atom", "/anslagstavla.atom")


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path)  # today is Wednesday 2025-09-10, 10:00 UTC
    env.bevis = add_protocol(env, original=fake_pdf("a"), sealed=fake_pdf("a sealed"), meeting=dt.date(2025, 8, 26),
                             justerat=dt.date(2025, 9, 1))
    return env


def _entries(env, url: str) -> list[ET.Element]:
    response = env.client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.data).findall(f"{ATOM}entry")  # raises on XML that is not well-formed


def test_a_vertical_tab_from_word_keeps_both_feeds_well_formed(env):
    # Shift+Enter in Word pastes as a vertical tab; a form feed and a NUL come along from other programs.
    post_notice(env.svc, env.org_id, "kallelse", "Kallelse till\vbarn- och utbildningsnämnden",
                "Nämnden sammanträder\vtorsdag 18 september kl. 13.00\f\x00Plats: Stadshuset", dt.date(2025, 9, 10),
                dt.date(2025, 9, 19))
    for url in FEEDS:
        titles = [e.find(f"{ATOM}title").text for e in _entries(env, url)]
        assert "Kallelse: Kallelse till barn- och utbildningsnämnden" in titles
    with env.svc.db.read() as s:
        notice = s.query(Notice).filter_by(kind="kallelse").one()
        assert notice.title == "Kallelse till barn- och utbildningsnämnden"
        assert notice.body == "Nämnden sammanträder\ntorsdag 18 september kl. 13.00\nPlats: Stadshuset"
    board = env.client.get("/solleftea/anslagstavla").get_data(as_text=True)
    assert "torsdag 18 september kl. 13.00" in board and "\v" not in board


def test_text_stored_before_the_fix_cannot_break_the_feed(env):
    # A row written by an older version (or straight into the database) still holds the raw characters.
    with env.svc.db.write() as s:
        s.execute(update(Notice).where(Notice.id == env.bevis["notice_id"])
                  .values(title="Sammanträde\v2025-08-26\x1b", body="Rad ett\x0bRad två\x7f"))
    for url in FEEDS:
        assert [e.find(f"{ATOM}title").text for e in _entries(env, url)] == [
            "Bevis om justering: Sammanträde 2025-08-26"]
    assert env.client.get("/solleftea/anslagstavla").status_code == 200
    assert env.client.get("/api/v1/notices").status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(min_size=1, max_size=40), body=st.text(max_size=200))
def test_the_feeds_stay_well_formed_for_any_text(env, title, body):
    try:
        post_notice(env.svc, env.org_id, "kungorelse", title, body, dt.date(2025, 9, 10), dt.date(2025, 9, 19))
    except InputError:
        pass  # nothing readable left of the title: refused with a message, not stored
    with env.svc.db.write() as s:  # and the same text written around the rules
        s.execute(update(Notice).where(Notice.id == env.bevis["notice_id"]).values(title=title, body=body))
    for url in FEEDS:
        for entry in _entries(env, url):
            assert entry.find(f"{ATOM}summary").text is not None
    assert env.client.get("/api/v1/notices").status_code == 200


@given(st.text())
def test_xml_safe_keeps_what_xml_carries_and_nothing_else(text):
    from signering.text_safety import xml_safe

    cleaned = xml_safe(text)
    ET.fromstring(f"<a>{cleaned.replace('&', '&amp;').replace('<', '&lt;')}</a>".encode("utf-8"))
    assert xml_safe(cleaned) == cleaned
    assert [c for c in cleaned if c.isprintable()] == [c for c in text if c.isprintable()]


def test_a_notice_past_its_takedown_date_is_off_the_board_without_the_sweep(env):
    post_notice(env.svc, env.org_id, "kungorelse", "Kungörelse om val av revisorer", "Text", dt.date(2025, 9, 10),
                dt.date(2025, 9, 15))
    env.clock.set(dt.date(2025, 9, 15))  # the worker is down: nothing has been swept
    board = env.client.get("/solleftea/anslagstavla").get_data(as_text=True)
    assert "Kungörelse om val av revisorer" not in board
    assert f"{BOARD}, sammanträde 2025-08-26" in board  # still within its appeal period
    for url in FEEDS:
        assert all("revisorer" not in e.find(f"{ATOM}title").text for e in _entries(env, url))
    assert [n["title"] for n in env.client.get("/api/v1/notices").get_json()["notices"]] == [
        f"{BOARD}, sammanträde 2025-08-26"]
    archive = env.client.get("/solleftea/anslagstavla/arkiv").get_data(as_text=True)
    assert "Kungörelse om val av revisorer" in archive

    env.clock.set(dt.date(2025, 9, 23))  # the bevis om justering's take-down day, still unswept
    page = env.client.get(f"/solleftea/anslagstavla/{env.bevis['notice_id']}").get_data(as_text=True)
    assert "Anslaget är nedtaget" in page
    for name, _email, _role in SIGNERS:
        assert name not in page
    assert f"/protokoll/{env.bevis['sealed_sha256']}.pdf" not in page


def test_the_json_list_carries_the_notice_text(env):
    post_notice(env.svc, env.org_id, "underrattelse", "Underrättelse om granskning",
                "Detaljplan för Hallstaberget.\n\nSynpunkter lämnas senast 1 oktober.", dt.date(2025, 9, 10),
                dt.date(2025, 10, 2))
    notices = env.client.get("/api/v1/notices?org=solleftea").get_json()["notices"]
    assert notices[0]["body"] == "Detaljplan för Hallstaberget.\n\nSynpunkter lämnas senast 1 oktober."
    assert notices[1]["body"] == ""


def test_atom_times_are_when_the_notice_goes_up(env):
    env.clock.set(dt.datetime(2025, 9, 10, 14, 30, tzinfo=dt.timezone.utc))
    post_notice(env.svc, env.org_id, "kallelse", "Kallelse till kommunfullmäktige", "", dt.date(2025, 9, 12),
                dt.date(2025, 9, 30))
    post_notice(env.svc, env.org_id, "kungorelse", "Kungörelse i dag", "", dt.date(2025, 9, 10),
                dt.date(2025, 9, 30))
    env.clock.set(dt.date(2025, 9, 12))
    entries = {e.find(f"{ATOM}title").text: e for e in _entries(env, FEEDS[0])}
    later = entries["Kallelse: Kallelse till kommunfullmäktige"]
    # Written on the 10th for the 12th: it went up at midnight Swedish time on the 12th.
    assert later.find(f"{ATOM}published").text == "2025-09-11T22:00:00Z"
    assert later.find(f"{ATOM}updated").text == "2025-09-11T22:00:00Z"
    today = entries["Kungörelse: Kungörelse i dag"]
    assert today.find(f"{ATOM}published").text == "2025-09-10T14:30:00Z"
    feed = ET.fromstring(env.client.get(FEEDS[0]).data)
    assert feed.find(f"{ATOM}updated").text == "2025-09-11T22:00:00Z"


def test_a_bevis_om_justering_is_corrected_but_never_taken_down_early(env):
    from signering.notices import correct, take_down
    from signering.workflow.errors import NotAllowed

    notice_id = env.bevis["notice_id"]
    with pytest.raises(NotAllowed, match="hela överklagandetiden"):
        take_down(env.svc, env.org_id, notice_id, "Fel protokoll")
    with pytest.raises(NotAllowed, match="ändras inte"):
        correct(env.svc, env.org_id, notice_id, "Fel rubrik", title="Något annat")
    correct(env.svc, env.org_id, notice_id, "Förvaringsplatsen är numera Kommunhuset, plan 2.")
    page = env.client.get(f"/solleftea/anslagstavla/{notice_id}").get_data(as_text=True)
    assert "Rättelse" in page and "2025-09-10: Förvaringsplatsen är numera Kommunhuset, plan 2." in page
    entry = _entries(env, FEEDS[0])[0]
    assert entry.find(f"{ATOM}updated").text == "2025-09-10T10:00:00Z"  # corrected now
    with env.svc.db.read() as s:
        assert s.get(Notice, notice_id).status == "posted"
