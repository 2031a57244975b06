"""The pages this change touched, in a real browser on a 375 px phone: nothing wider than the
screen, dates in headings on one line, the demo mail page fitting, the page preview readable
(it scrolls inside its frame), the favicon served, and the English notice in English."""

from __future__ import annotations

import datetime as dt
import os
import re
from email.message import EmailMessage

import pytest
from browser_support import ORG_SLUG, PASSWORD, SECRETARY, SIGNERS, shot, start_server
from playwright.sync_api import expect
from sqlalchemy import select

from signering.models import Notice
from signering.workflow import signing

pytestmark = pytest.mark.browser

SMALL_PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True,
               "device_scale_factor": 2}
MEETING = dt.date(2024, 4, 16)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("phone-layout")
    maildir = tmp / "demo-mail"
    maildir.mkdir()
    mail = EmailMessage()
    mail["To"], mail["Subject"], mail["Date"] = SIGNERS[0].email, "Justera protokoll", "Tue, 01 Dec 2026 17:41:06 +0000"
    mail.set_content("Öppna länken:\nhttp://localhost:8000/signera/" + "A" * 43 + "\n\nKod 123456")
    (maildir / "0001.eml").write_bytes(bytes(mail))
    # /demo/epost exists only when the app is made with SIGNERING_DEMO_MAILDIR set (run-demo sets it).
    before = os.environ.get("SIGNERING_DEMO_MAILDIR")
    os.environ["SIGNERING_DEMO_MAILDIR"] = str(maildir)
    try:
        live = start_server(tmp)
    finally:
        if before is None:
            os.environ.pop("SIGNERING_DEMO_MAILDIR")
        else:
            os.environ["SIGNERING_DEMO_MAILDIR"] = before
    yield live
    live.stop()


@pytest.fixture(scope="module")
def posted(server):
    """A protocol signed by all three (through the core), sealed and posted; its first link too."""
    protocol_id = server.new_protocol(MEETING)
    first = None
    for signer in SIGNERS:
        token = server.link_path(signer.email).rsplit("/", 1)[1]
        first = first or token
        signing.send_code(server.svc, token)
        assert signing.decide(server.svc, token, server.latest_code(signer.email), "sign") == "signed"
    with server.svc.db.read() as s:
        notice = s.execute(select(Notice.id).filter_by(protocol_id=protocol_id)).scalar_one()
    return protocol_id, notice, first


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="sv-SE", **SMALL_PHONE)
    missing = []
    context.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page = context.new_page()
    page.missing = missing
    yield page
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width} px wide on a 375 px screen"


def _dates_on_one_line(page) -> None:
    # Every ISO date in a heading is one box on one line, not "2024-04-" and "16".
    broken = page.evaluate(r"""() => [...document.querySelectorAll('h1, h2, h3, a')]
        .flatMap(h => [...h.querySelectorAll('.nowrap')])
        .filter(s => s.getClientRects().length > 1).map(s => s.textContent)""")
    assert broken == [], broken
    unwrapped = page.evaluate(r"""() => [...document.querySelectorAll('h1, h2, h3')]
        .filter(h => /\d{4}-\d{2}-\d{2}/.test(h.textContent)
                     && ![...h.querySelectorAll('.nowrap')].some(s => /\d{4}-\d{2}-\d{2}/.test(s.textContent)))
        .map(h => h.textContent.trim())""")
    assert unwrapped == [], f"dates in headings that may break: {unwrapped}"


def test_public_notice_and_archive_fit_a_phone_with_dates_unbroken(server, posted, phone):
    _pid, notice, _token = posted
    phone.goto(f"{server.url}/{ORG_SLUG}/anslagstavla")
    _fits(phone)
    _dates_on_one_line(phone)
    phone.goto(f"{server.url}/{ORG_SLUG}/anslagstavla/{notice}")
    _fits(phone)
    _dates_on_one_line(phone)
    shown = phone.locator("main").inner_text()
    # Both hashes, each said for what it is; the appeal's who-and-when said once.
    assert "SHA-256 för den signerade PDF-filen" in shown and "SHA-256 för originalprotokollet" in shown
    assert shown.count("Den som är medlem i kommunen kan överklaga") == 1
    shot(phone, "public-phone-anslag.png")
    assert phone.missing == [], phone.missing  # the favicon included


def test_english_notice_says_meeting_not_sammantrade(server, posted, phone):
    _pid, notice, _token = posted
    phone.goto(f"{server.url}/{ORG_SLUG}/anslagstavla/{notice}?lang=en")
    heading = phone.get_by_role("heading", level=2).first.inner_text()
    assert "sammanträde" not in heading and f"meeting of {MEETING.isoformat()}" in heading, heading
    shown = phone.locator("main").inner_text()
    assert "Adjuster (justerare)" not in shown and "(Adjuster)" in shown
    _fits(phone)


def test_signer_pages_fit_and_the_preview_is_readable(server, phone):
    server.new_protocol(dt.date(2024, 4, 17))
    phone.goto(server.url + server.link_path(SIGNERS[0].email))
    _fits(phone)
    _dates_on_one_line(phone)
    # The page image keeps a readable width and scrolls inside its frame, not the page.
    image = phone.locator(".pages img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.getBoundingClientRect().width") >= 600
    assert phone.locator(".pages").evaluate("el => el.scrollWidth > el.clientWidth")
    expect(phone.get_by_role("link", name="Visa sidan i full storlek")).to_be_visible()
    assert phone.missing == [], phone.missing


def test_used_link_page_fits_a_phone(server, posted, phone):
    _pid, _notice, token = posted
    phone.goto(f"{server.url}/signera/{token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Du har redan signerat protokollet")
    expect(phone.get_by_role("link", name="Se anslaget")).to_be_visible()
    _fits(phone)


def test_staff_pages_fit_a_phone(server, posted, phone):
    protocol_id, _notice, _token = posted
    phone.goto(f"{server.url}/sekreterare/logga-in")
    phone.get_by_label("E-post").fill(SECRETARY)
    phone.get_by_label("Lösenord").fill(PASSWORD)
    phone.get_by_role("button", name="Logga in").click()
    phone.wait_for_url(re.compile(r".*/sekreterare/$"))
    phone.goto(f"{server.url}/sekreterare/protokoll/{protocol_id}")
    expect(phone.get_by_text("Uppladdat av")).to_be_visible()
    _fits(phone)
    _dates_on_one_line(phone)
    phone.goto(f"{server.url}/sekreterare/nytt")
    _fits(phone)


def test_demo_mail_page_fits_a_phone_and_shows_swedish_time(server, phone):
    phone.goto(f"{server.url}/demo/epost")
    expect(phone.get_by_text("Justera protokoll")).to_be_visible()
    _fits(phone)
    assert "2026-12-01 18:41 CET" in phone.locator("main").inner_text()
