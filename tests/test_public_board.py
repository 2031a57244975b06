"""The anslagstavla: current notices, one notice, the archive, the Atom feed, the JSON list,
the sealed PDF, and the sweep that takes notices down with their personal data."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from signering.commands import notices as notices_command
from signering.errors import DatesOutOfOrder, InputError
from signering.models import Event, Notice, Protocol, Webhook, WebhookDelivery
from signering.notices import post_notice, sweep
from signering.workflow.errors import UnknownBoard

from test_public_support import BOARD, EMAILS, OTHER_BOARD, PLACE, SIGNERS, add_protocol, fake_pdf, make_env

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path)  # today is Wednesday 2025-09-10
    env.older = add_protocol(env, original=fake_pdf("a"), sealed=fake_pdf("a sealed"), meeting=dt.date(2025, 8, 26),
                             justerat=dt.date(2025, 9, 1))
    env.newer = add_protocol(env, original=fake_pdf("b"), sealed=fake_pdf("b sealed"), meeting=dt.date(2025, 9, 2),
                             justerat=dt.date(2025, 9, 9))
    env.signing = add_protocol(env, original=fake_pdf("c"), sealed=None, meeting=dt.date(2025, 9, 8), status="signing")
    env.kungorelse = post_notice(env.svc, env.org_id, "kungorelse", "Sammanträde med Älvdalsnämnden",
                                 "Nämnden sammanträder den 18 september.\n\nPlats: Stadshuset.",
                                 dt.date(2025, 9, 10), dt.date(2025, 9, 19), board_name=OTHER_BOARD)
    return env


def text(html: bytes) -> str:
    # Dates in titles are wrapped so they never break at a hyphen; the words read the same.
    return re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", html.decode("utf-8"))


def test_board_shows_current_notices_newest_first_with_legal_dates_and_no_email(env):
    response = env.client.get("/solleftea/anslagstavla")
    assert response.status_code == 200
    page = text(response.data)
    assert '<html lang="sv">' in page
    # newest posting first: the kungörelse (10 Sept), then justering of 9 Sept, then of 1 Sept
    positions = [page.index(t) for t in ("Sammanträde med Älvdalsnämnden", f"{BOARD}, sammanträde 2025-09-02",
                                         f"{BOARD}, sammanträde 2025-08-26")]
    assert positions == sorted(positions)
    # posted Tue 9 Sept: appeal until Tue 30 Sept, down on 1 Oct; posted Mon 1 Sept: 22 and 23 Sept
    for day in ("tisdag 9 september 2025", "tisdag 30 september 2025", "onsdag 1 oktober 2025",
                "måndag 1 september 2025", "måndag 22 september 2025", "tisdag 23 september 2025",
                "tisdag 2 september 2025", "fredag 19 september 2025"):
        assert day in page
    assert PLACE in page
    for name, _email, _role in SIGNERS:
        assert name in page
    assert "Siv Sjödin (Sekreterare)" in page and "John Åberg (Justerare)" in page
    assert "Den som är medlem i kommunen kan överklaga beslutet genom laglighetsprövning hos förvaltningsrätten" in page
    for email in EMAILS + ["sekreterare@example.se"]:
        assert email not in page
    assert "@" not in page
    assert f'href="/protokoll/{env.newer["sealed_sha256"]}.pdf"' in page
    assert f'href="/verifiera/{env.newer["original_sha256"]}"' in page
    assert re.search(rf'<img src="/qr/{env.newer["original_sha256"]}.svg"[^>]*alt="[^"]+"', page)
    # a protocol still being signed is not on the board
    assert env.signing["original_sha256"] not in page
    assert "Nämnden sammanträder den 18 september." in page


def test_notice_for_a_later_day_appears_on_that_day(env):
    later = post_notice(env.svc, env.org_id, "kallelse", "Kallelse till kommunfullmäktige", "",
                        dt.date(2025, 9, 12), dt.date(2025, 9, 30))
    assert "Kallelse till kommunfullmäktige" not in text(env.client.get("/solleftea/anslagstavla").data)
    assert env.client.get(f"/solleftea/anslagstavla/{later}").status_code == 404
    env.clock.set(dt.date(2025, 9, 12))
    assert "Kallelse till kommunfullmäktige" in text(env.client.get("/solleftea/anslagstavla").data)
    assert env.client.get(f"/solleftea/anslagstavla/{later}").status_code == 200


def test_one_notice_page_with_print_styles_and_org_scoping(env, tmp_path):
    page = env.client.get(f"/solleftea/anslagstavla/{env.newer['notice_id']}")
    assert page.status_code == 200
    html = text(page.data)
    assert "Bevis om justering" in html and "Birgitta Häggkvist (Ordförande)" in html
    assert "/public-static/public.css" in html and "/public-static/print.js" in html
    css = env.client.get("/public-static/public.css")
    assert b"@media print" in css.data
    css.close()
    assert env.client.get("/public-static/print.js").status_code == 200
    assert env.client.get("/okand/anslagstavla").status_code == 404
    assert env.client.get("/solleftea/anslagstavla/99999").status_code == 404


def test_notice_is_not_found_under_another_organisation(tmp_path):
    env = make_env(tmp_path, orgs=2)
    posted = add_protocol(env, original=fake_pdf("x"), sealed=fake_pdf("x s"), meeting=dt.date(2025, 9, 2),
                          justerat=dt.date(2025, 9, 9))
    assert env.client.get(f"/solleftea/anslagstavla/{posted['notice_id']}").status_code == 200
    assert env.client.get(f"/kommun1/anslagstavla/{posted['notice_id']}").status_code == 404
    assert BOARD not in text(env.client.get("/kommun1/anslagstavla").data)
    # more than one organisation: /anslagstavla lists them instead of redirecting
    listing = env.client.get("/anslagstavla")
    assert listing.status_code == 200
    assert 'href="/solleftea/anslagstavla"' in text(listing.data) and 'href="/kommun1/anslagstavla"' in text(listing.data)


def test_landing_page_and_single_board_redirect(env):
    home = text(env.client.get("/").data)
    assert 'href="/solleftea/anslagstavla"' in home
    assert 'href="/verifiera"' in home
    assert 'href="/sekreterare/logga-in"' in home
    redirect = env.client.get("/anslagstavla")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/solleftea/anslagstavla")


def test_atom_feed_lists_current_notices_without_names(env):
    for url in ("/solleftea/anslagstavla.atom", "/anslagstavla.atom"):
        response = env.client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/atom+xml"
        feed = ET.fromstring(response.data)
        assert feed.tag == f"{ATOM}feed"
        assert feed.find(f"{ATOM}id").text and feed.find(f"{ATOM}updated").text
        entries = feed.findall(f"{ATOM}entry")
        titles = [e.find(f"{ATOM}title").text for e in entries]
        assert titles == ["Kungörelse: Sammanträde med Älvdalsnämnden",
                          f"Bevis om justering: {BOARD}, sammanträde 2025-09-02",
                          f"Bevis om justering: {BOARD}, sammanträde 2025-08-26"]
        ids = [e.find(f"{ATOM}id").text for e in entries]
        assert len(set(ids)) == 3
        assert all(e.find(f"{ATOM}author/{ATOM}name").text == "Sollefteå kommun" for e in entries)
        summary = entries[1].find(f"{ATOM}summary").text
        assert "Sista dag för överklagande: tisdag 30 september 2025" in summary
        body = text(response.data)
        for name, email, _role in SIGNERS:
            assert name not in body and email not in body
    assert env.client.get("/okand/anslagstavla.atom").status_code == 404


def test_json_list_of_current_notices(env):
    response = env.client.get("/api/v1/notices?org=solleftea")
    assert response.status_code == 200
    notices = response.get_json()["notices"]
    assert [n["kind"] for n in notices] == ["kungorelse", "bevis_om_justering", "bevis_om_justering"]
    bevis = notices[1]
    for key in ("id", "kind", "title", "board", "meeting_date", "justering_date", "posted_date", "appeal_last_day",
                "takedown_date", "forvaringsplats", "signers", "sealed_pdf_url", "verify_url"):
        assert key in bevis
    assert bevis["meeting_date"] == "2025-09-02" and bevis["justering_date"] == "2025-09-09"
    assert bevis["posted_date"] == "2025-09-09" and bevis["appeal_last_day"] == "2025-09-30"
    assert bevis["takedown_date"] == "2025-10-01" and bevis["forvaringsplats"] == PLACE
    assert bevis["signers"] == [{"name": n, "role": r} for n, _e, r in SIGNERS]
    assert bevis["sealed_pdf_url"] == f"http://localhost/protokoll/{env.newer['sealed_sha256']}.pdf"
    assert bevis["verify_url"] == f"http://localhost/verifiera/{env.newer['original_sha256']}"
    assert notices[0]["signers"] == [] and notices[0]["sealed_pdf_url"] is None
    assert "@" not in response.get_data(as_text=True)
    assert env.client.get("/api/v1/notices").get_json() == response.get_json()
    missing = env.client.get("/api/v1/notices?org=okand")
    assert missing.status_code == 404 and missing.get_json()["error"]


def test_sealed_pdf_is_served_only_once_published(env):
    response = env.client.get(f"/protokoll/{env.newer['sealed_sha256']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data == fake_pdf("b sealed")
    response.close()
    sealed_only = add_protocol(env, original=fake_pdf("d"), sealed=fake_pdf("d sealed"),
                               meeting=dt.date(2025, 9, 3), status="sealed")
    for sha in (sealed_only["sealed_sha256"], env.newer["original_sha256"], env.signing["original_sha256"],
                "0" * 64):
        assert env.client.get(f"/protokoll/{sha}.pdf").status_code == 404
    assert env.client.get("/protokoll/../../etc/passwd.pdf").status_code == 404
    assert env.client.get("/protokoll/xyz.pdf").status_code == 404


def test_sweep_takes_due_notices_down_with_the_names(env):
    with env.svc.db.write() as session:
        session.add(Webhook(organisation_id=env.org_id, url="http://127.0.0.1:9/hook", secret="s" * 32))
    env.clock.set(dt.date(2025, 9, 22))  # the older notice's last appeal day: still up
    assert sweep(env.svc) == 1  # only the kungörelse (down from 19 Sept)
    env.clock.set(dt.date(2025, 9, 23))
    assert sweep(env.svc) == 1
    assert sweep(env.svc) == 0

    with env.svc.db.read() as session:
        older = session.get(Notice, env.older["notice_id"])
        assert older.status == "archived" and older.signers == [] and older.archived_at is not None
        assert session.get(Protocol, env.older["protocol_id"]).status == "archived"
        newer = session.get(Notice, env.newer["notice_id"])
        assert newer.status == "posted" and len(newer.signers) == 3
        events = session.execute(select(Event).filter_by(kind="taken_down")).scalars().all()
        assert sorted(e.protocol_id or 0 for e in events) == [0, env.older["protocol_id"]]
        deliveries = session.execute(select(WebhookDelivery)).scalars().all()
        assert [(d.event, d.payload["protocol_id"]) for d in deliveries] == [
            ("protocol.taken_down", env.older["protocol_id"])]

    board = text(env.client.get("/solleftea/anslagstavla").data)
    assert f"{BOARD}, sammanträde 2025-08-26" not in board and f"{BOARD}, sammanträde 2025-09-02" in board
    assert "Älvdalsnämnden" not in board
    api = env.client.get("/api/v1/notices").get_json()["notices"]
    assert [n["id"] for n in api] == [env.newer["notice_id"]]

    archive = text(env.client.get("/solleftea/anslagstavla/arkiv").data)
    assert f"{BOARD}, sammanträde 2025-08-26" in archive and "Sammanträde med Älvdalsnämnden" in archive
    assert f"{BOARD}, sammanträde 2025-09-02" not in archive
    for name, email, _role in SIGNERS:
        assert name not in archive and email not in archive
    # The PDF names the signers: once the notice is down it is requested as an allmän handling,
    # not downloaded; the verification link stays.
    assert f"/protokoll/{env.older['sealed_sha256']}.pdf" not in archive
    assert f"/verifiera/{env.older['original_sha256']}" in archive
    assert env.client.get(f"/protokoll/{env.older['sealed_sha256']}.pdf").status_code == 404
    archived_page = text(env.client.get(f"/solleftea/anslagstavla/{env.older['notice_id']}").data)
    assert "Anslaget är nedtaget" in archived_page and "Siv Sjödin" not in archived_page
    assert "allmän handling" in archived_page
    assert f"/protokoll/{env.older['sealed_sha256']}.pdf" not in archived_page


def test_archive_search_ignores_case_including_swedish_letters(env):
    env.clock.set(dt.date(2025, 9, 23))
    sweep(env.svc)
    found = text(env.client.get("/solleftea/anslagstavla/arkiv?q=ÄLVDAL").data)
    assert "Sammanträde med Älvdalsnämnden" in found and f"{BOARD}, sammanträde" not in found
    found = text(env.client.get("/solleftea/anslagstavla/arkiv?q=kommunstyrelsens").data)
    assert f"{BOARD}, sammanträde 2025-08-26" in found and "Sammanträde med Älvdalsnämnden" not in found
    none = text(env.client.get("/solleftea/anslagstavla/arkiv?q=finns+inte").data)
    assert "<table" not in none and "0 anslag matchar" in none


def test_sweep_command_archives_through_the_environment(tmp_path, monkeypatch, capsys):
    env = make_env(tmp_path)
    posted = add_protocol(env, original=fake_pdf("e"), sealed=fake_pdf("e s"), meeting=dt.date(2025, 9, 2),
                          justerat=dt.date(2025, 9, 9))
    monkeypatch.setenv("SIGNERING_DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    monkeypatch.setenv("SIGNERING_DATA_DIR", str(tmp_path / "blobs"))
    monkeypatch.setenv("SIGNERING_INSTANCE_DIR", str(tmp_path / "inst"))
    monkeypatch.setenv("SIGNERING_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("SIGNERING_LANG", "sv")
    parser = argparse.ArgumentParser()
    notices_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["notices", "sweep"])
    assert args.func(args) == 0  # the real clock is long past 1 October 2025
    assert "1 anslag togs ned." in capsys.readouterr().out
    with env.svc.db.read() as session:
        assert session.get(Notice, posted["notice_id"]).status == "archived"


def test_post_notice_refuses_bad_input(env):
    svc, org = env.svc, env.org_id
    with pytest.raises(InputError):
        post_notice(svc, org, "bevis_om_justering", "x", "", dt.date(2025, 9, 10), dt.date(2025, 9, 20))
    with pytest.raises(InputError):
        post_notice(svc, org, "kungorelse", "   ", "", dt.date(2025, 9, 10), dt.date(2025, 9, 20))
    with pytest.raises(DatesOutOfOrder):
        post_notice(svc, org, "kungorelse", "x", "", dt.date(2025, 9, 9), dt.date(2025, 9, 20))
    with pytest.raises(DatesOutOfOrder):
        post_notice(svc, org, "kungorelse", "x", "", dt.date(2025, 9, 12), dt.date(2025, 9, 12))
    with pytest.raises(InputError):
        post_notice(svc, org, "kungorelse", "x", "", "2025-09-12", dt.date(2025, 9, 20))
    with pytest.raises(UnknownBoard):
        post_notice(svc, org, "kallelse", "x", "", dt.date(2025, 9, 10), dt.date(2025, 9, 20), board_name="Okänd")
    with env.svc.db.read() as session:
        assert session.execute(select(Notice).filter_by(title="x")).first() is None


@pytest.mark.parametrize("path", ["/solleftea/anslagstavla?sida=99999999999999999999",
                                  "/solleftea/anslagstavla/arkiv?sida=99999999999999999999",
                                  "/solleftea/anslagstavla/99999999999999999999",
                                  f"/solleftea/anslagstavla/{2**63}"])
def test_page_numbers_and_ids_beyond_any_database_integer_are_404(env, path):
    # They reached the query as offsets or ids and SQLite raised OverflowError (a 500).
    assert env.client.get(path).status_code == 404


def test_ordinary_and_unreadable_page_numbers_still_answer(env):
    for query in ("sida=1", "sida=2", "sida=0", "sida=-5", "sida=abc", f"sida={'9' * 5000}"):
        assert env.client.get(f"/solleftea/anslagstavla?{query}").status_code == 200, query
        assert env.client.get(f"/solleftea/anslagstavla/arkiv?{query}").status_code == 200, query
    assert env.client.get(f"/solleftea/anslagstavla/{2**63 - 1}").status_code == 404
