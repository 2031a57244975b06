"""The signer page's code messages ("En kod … har skickats", "Koden stämmer inte") in a real
browser: after each step the message is in view beside the code field, on a 375×667 phone and on
a desktop, and announced to screen readers. Also the page's times (Swedish local time with its
zone) and what a used link says.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import DESKTOP, SIGNERS, shot, start_server
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SMALL_PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True,
               "device_scale_factor": 2}
SENT = "En kod med sex siffror har skickats"
WRONG = "Koden stämmer inte"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("code-messages"))
    yield live
    live.stop()


def _in_view(locator) -> bool:
    """The element's box lies wholly inside the visible part of the page (where the page landed)."""
    return locator.evaluate("""el => { const r = el.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight
               && r.right <= window.innerWidth; }""")


def _wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "111111"


@pytest.mark.parametrize("options, label", [(SMALL_PHONE, "phone"), (DESKTOP, "desktop")])
def test_code_messages_are_in_view_beside_the_field(server, browser, options, label):
    meeting = dt.date(2025, 9, 23) if label == "phone" else dt.date(2025, 9, 24)
    server.new_protocol(meeting)
    address = SIGNERS[0].email
    context = browser.new_context(locale="sv-SE", **options)
    try:
        page = context.new_page()
        page.goto(server.url + server.link_path(address))
        page.get_by_role("button", name="Skicka kod till min e-post").click()
        sent = page.get_by_text(SENT)
        expect(sent).to_have_count(1)  # only beside the field, not a second time at the top
        assert _in_view(sent), "the 'code sent' message is off screen"
        assert _in_view(page.get_by_label("Engångskod (sex siffror)")), "the code field is off screen"
        # Announced when it appears, and tied to the field it is about.
        message = page.locator("#kod-besked")
        expect(message).to_contain_text(SENT)
        assert message.get_attribute("role") == "status" and message.get_attribute("aria-live") == "polite"
        assert page.locator("#code").get_attribute("aria-describedby") == "kod-besked"
        if label == "phone":
            shot(page, "signer-phone-2a-code-sent.png", full_page=False)

        page.get_by_label("Engångskod (sex siffror)").fill(_wrong_code(server.latest_code(address)))
        page.get_by_role("button", name="Signera protokollet").click()
        wrong = page.get_by_text(WRONG)
        expect(wrong).to_have_count(1)
        assert _in_view(wrong), "the 'wrong code' message is off screen"
        assert _in_view(page.get_by_label("Engångskod (sex siffror)"))
        expect(message).to_contain_text(WRONG)
        assert message.get_attribute("role") == "alert"
        assert page.locator("#code").get_attribute("aria-invalid") == "true"
        if label == "phone":
            shot(page, "signer-phone-2b-wrong-code.png", full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
    finally:
        context.close()


def test_signer_page_shows_swedish_local_time_with_its_zone(server, browser):
    meeting = dt.date(2025, 9, 25)
    server.new_protocol(meeting)
    first, second = SIGNERS[0].email, SIGNERS[1].email
    context = browser.new_context(locale="sv-SE", **SMALL_PHONE)
    try:
        page = context.new_page()
        page.goto(server.url + server.link_path(first))
        page.get_by_role("button", name="Skicka kod till min e-post").click()
        page.get_by_label("Engångskod (sex siffror)").fill(server.latest_code(first))
        page.get_by_role("button", name="Signera protokollet").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tack – du har signerat protokollet")

        page.goto(server.url + server.link_path(second))
        signed = page.locator("dl.facts dd", has_text="Siv Sjödin").inner_text()
        assert "UTC" not in signed
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} CES?T", signed), signed
        # Dates in the heading never break at their hyphens.
        heading = page.get_by_role("heading", level=1)
        assert heading.locator(".nowrap").inner_text() == meeting.isoformat()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
