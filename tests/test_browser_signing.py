"""A real browser (Debian's chromium via Playwright) against a real server: signers on a phone and
on a desktop, a justerare who declines, staff and public pages, and axe-core's WCAG 2.1 A/AA rules.

Screenshots go to docs/screenshots/ for the documentation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import (BOARD, DESKTOP, ORG_SLUG, PASSWORD, PHONE, SECRETARY, SIGNERS, axe_violations,
                             shot, start_server)
from playwright.sync_api import expect
from sqlalchemy import select

from signering.models import Notice, Protocol, ProtocolVersion

pytestmark = pytest.mark.browser

DONE = "Tack – du har signerat protokollet"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser"))
    yield live
    live.stop()


@pytest.fixture
def context_factory(browser):
    made = []

    def make(**options):
        # axe-core is injected as an inline script, which the app's CSP rightly forbids.
        context = browser.new_context(bypass_csp=True, locale="sv-SE", **options)
        context.set_default_timeout(15000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def _status(server, protocol_id: int) -> str:
    with server.svc.db.read() as s:
        return s.get(Protocol, protocol_id).status


def _sign(server, page, address: str, meeting: dt.date, prefix: str | None) -> None:
    page.goto(server.url + server.link_path(address))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Justera protokoll: {BOARD}, {meeting.isoformat()}")
    if prefix:
        shot(page, f"{prefix}-1-link.png")
    page.get_by_role("button", name="Skicka kod till min e-post").click()
    expect(page.get_by_text("En kod med sex siffror har skickats")).to_be_visible()
    page.get_by_label("Engångskod (sex siffror)").fill(server.latest_code(address))
    if prefix:
        shot(page, f"{prefix}-2-code.png")
    page.get_by_role("button", name="Signera protokollet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DONE)
    if prefix:
        shot(page, f"{prefix}-3-done.png")


def test_signers_on_phone_and_desktop_then_a_justerare_declines(server, context_factory):
    meeting = dt.date(2025, 9, 23)
    protocol_id = server.new_protocol(meeting)
    sekreterare, ordforande, justerare = (s.email for s in SIGNERS)

    phone = context_factory(**PHONE).new_page()
    _sign(server, phone, sekreterare, meeting, "signer-phone")
    # Nothing on the phone page may be wider than the screen (no sideways scrolling).
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert _status(server, protocol_id) == "signing"

    desktop = context_factory(**DESKTOP).new_page()
    _sign(server, desktop, ordforande, meeting, "signer-desktop")
    assert _status(server, protocol_id) == "signing"

    page = context_factory(**DESKTOP).new_page()
    page.goto(server.url + server.link_path(justerare))
    # The justerare sees who has already signed before deciding.
    expect(page.get_by_text("Birgitta Häggkvist (ordförande)")).to_be_visible()
    page.get_by_role("button", name="Skicka kod till min e-post").click()
    page.get_by_label("Engångskod (sex siffror)").fill(server.latest_code(justerare))
    page.get_by_text("Jag kan inte justera protokollet").click()
    page.get_by_label("Varför? Sekreteraren får ditt svar.").fill("Paragraf 2 återger inte beslutet korrekt.")
    shot(page, "signer-desktop-4-decline.png")
    page.get_by_role("button", name="Avböj och skicka tillbaka").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokollet har skickats tillbaka")
    shot(page, "signer-desktop-5-declined.png")
    assert _status(server, protocol_id) == "declined"
    assert any("återger inte beslutet" in body for body in server.mails_to(sekreterare))
    # The used link is dead now: the page says so instead of offering to sign again.
    page.goto(server.url + server.link_path(justerare))
    expect(page.get_by_role("button", name="Signera protokollet")).to_have_count(0)


@pytest.fixture(scope="module")
def posted(server, browser):
    """A protocol signed by all three in the browser, sealed and posted: (notice id, sealed sha)."""
    meeting = dt.date(2025, 9, 16)
    protocol_id = server.new_protocol(meeting)
    context = browser.new_context(**DESKTOP)
    try:
        page = context.new_page()
        for signer in SIGNERS:
            _sign(server, page, signer.email, meeting, None)
    finally:
        context.close()
    with server.svc.db.read() as s:
        protocol = s.get(Protocol, protocol_id)
        assert protocol.status == "posted", protocol.status
        sealed = s.execute(select(ProtocolVersion.sealed_sha256).filter_by(protocol_id=protocol_id)).scalar_one()
        notice = s.execute(select(Notice.id).filter_by(protocol_id=protocol_id)).scalar_one()
    return notice, sealed


def test_public_pages_and_screenshots(server, posted, context_factory):
    notice_id, sealed = posted
    page = context_factory(**DESKTOP).new_page()
    page.goto(f"{server.url}/{ORG_SLUG}/anslagstavla")
    expect(page.get_by_text("Kommunstyrelsen").first).to_be_visible()
    shot(page, "public-1-anslagstavla.png")
    page.goto(f"{server.url}/{ORG_SLUG}/anslagstavla/{notice_id}")
    expect(page.get_by_text("2025-09-16").first).to_be_visible()
    shot(page, "public-2-anslag.png")
    page.goto(f"{server.url}/verifiera/{sealed}")
    # The hash look-up page, not "Ogiltig: filen kunde inte verifieras" or any other result.
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifiering av hashvärde")
    expect(page.get_by_text("Protokollet är justerat och förseglat.")).to_be_visible()
    shot(page, "public-3-verifiera.png")
    phone = context_factory(**PHONE).new_page()
    phone.goto(f"{server.url}/{ORG_SLUG}/anslagstavla")
    shot(phone, "public-phone-anslagstavla.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_staff_pages_and_screenshots(server, posted, context_factory):
    page = context_factory(**DESKTOP).new_page()
    page.goto(f"{server.url}/sekreterare/logga-in")
    page.get_by_label("E-post").fill(SECRETARY)
    page.get_by_label("Lösenord").fill(PASSWORD)
    shot(page, "staff-1-login.png")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{server.url}/sekreterare/")
    expect(page.get_by_text("Kommunstyrelsen").first).to_be_visible()
    shot(page, "staff-2-protocols.png")
    page.goto(f"{server.url}/sekreterare/nytt")
    # Two file fields: "Läs in från PDF" (prefill) and the upload itself.
    expect(page.locator("#prefill-file")).to_have_count(1)
    expect(page.locator("#file")).to_have_count(1)
    shot(page, "staff-3-new-protocol.png")
    with server.svc.db.read() as s:
        newest = s.execute(select(Protocol.id).order_by(Protocol.id.desc())).scalars().first()
    page.goto(f"{server.url}/sekreterare/protokoll/{newest}")
    expect(page.get_by_text("Birgitta Häggkvist").first).to_be_visible()
    shot(page, "staff-4-protocol.png")


def _pages_for_axe(server, posted) -> list[str]:
    notice_id, sealed = posted
    fresh = server.new_protocol(dt.date(2025, 9, 30))
    with server.svc.db.read() as s:
        assert s.get(Protocol, fresh).status == "signing"
    return [server.link_path(SIGNERS[0].email), "/", f"/{ORG_SLUG}/anslagstavla",
            f"/{ORG_SLUG}/anslagstavla/{notice_id}", "/verifiera", f"/verifiera/{sealed}",
            "/sekreterare/logga-in"]


def test_accessibility_wcag21_aa(server, posted, context_factory):
    found = {}
    for options in (DESKTOP, PHONE):
        page = context_factory(**options).new_page()
        for path in _pages_for_axe(server, posted) if options is DESKTOP else ["/", f"/{ORG_SLUG}/anslagstavla"]:
            response = page.goto(server.url + path)
            assert response.status == 200, (path, response.status)
            violations = axe_violations(page)
            if violations:
                found[f"{path} @ {options['viewport']['width']}px"] = violations
    for where, violations in found.items():
        print(f"\n== {where}")
        for v in violations:
            print(f"  {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                print(f"    {node}")
    assert not found, f"axe-core found WCAG 2.1 A/AA violations on {sorted(found)}"
