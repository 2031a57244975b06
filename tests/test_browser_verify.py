"""/verifiera in a real browser (Debian's chromium): the unsigned original and a copy with one
flipped byte, by the full check and by the quick check, on a phone (375 px) and a desktop.

The page must answer one question first, in one line: is this file the published, valid
protocol? For both files the answer is no, with the right reason, and nothing green says
"justerat" about the file (issue 12, item 3).
"""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import BOARD, DESKTOP, shot, start_server
from playwright.sync_api import expect
from test_public_support import add_protocol

pytestmark = pytest.mark.browser

PHONE_375 = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
             "device_scale_factor": 2}
VIEWPORTS = {"phone": PHONE_375, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def site(tmp_path_factory, protocol_pdf, sealed_pdf):
    live = start_server(tmp_path_factory.mktemp("browser-verify"))
    add_protocol(live, original=protocol_pdf, sealed=sealed_pdf, meeting=dt.date(2024, 4, 16), status="sealed",
                 board=BOARD)
    files = tmp_path_factory.mktemp("files")
    flipped = bytearray(sealed_pdf)
    flipped[2000] ^= 0x01  # inside the original, under every signature
    (files / "original.pdf").write_bytes(protocol_pdf)
    (files / "modified.pdf").write_bytes(bytes(flipped))
    yield live, files
    live.stop()


#: file -> (reason of the full check, reason of the quick check)
CASES = {"original.pdf": ("unsigned_original", "unsigned_original"),
         "modified.pdf": ("modified", "unknown_file")}


def _check(page, url: str, path, button: str, reason: str, viewport: str) -> None:
    """Choose the file, press ``button``, and expect the one-line answer "no" for ``reason``,
    in view, with nothing green saying "justerat" about the file."""
    page.goto(f"{url}/verifiera")
    page.locator("#verify-file").set_input_files(str(path))
    page.get_by_role("button", name=button).click()
    answer = page.locator("#answer")
    expect(answer).to_have_attribute("data-answer", "no")
    expect(answer).to_have_attribute("data-reason", reason)
    expect(answer).to_contain_text("Nej:")
    expect(answer).to_be_in_viewport()
    expect(page.locator(".status-ok").filter(has_text="justerat")).to_have_count(0)
    expect(page.locator(".status-ok")).to_have_count(0)
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(CASES))
def test_verifiera_answers_no_first_with_the_reason(site, browser, viewport, name):  # noqa: F811
    live, files = site
    full_reason, quick_reason = CASES[name]
    context = browser.new_context(locale="sv-SE", **VIEWPORTS[viewport])
    context.set_default_timeout(30000)
    try:
        page = context.new_page()
        # The quick check: the file is hashed in the browser and only the hash is looked up.
        _check(page, live.url, files / name, "Snabbkontroll", quick_reason, viewport)
        shot(page, f"verifiera-quick-{name[:-4]}-{viewport}.png")
        # The full check: the file goes to the service, which checks every signature.
        _check(page, live.url, files / name, "Kontrollera underskrifterna", full_reason, viewport)
        # The answer is the first thing after the heading.
        assert page.evaluate("document.querySelector('main h1').nextElementSibling.id") == "answer"
        body = page.locator("main").inner_text()
        assert "leder inte till en betrodd rot" not in body and "bygger på samma originalprotokoll" not in body
        expect(page.get_by_role("heading", name="Registret om protokollet")).to_be_visible()
        shot(page, f"verifiera-full-{name[:-4]}-{viewport}.png")
    finally:
        context.close()
