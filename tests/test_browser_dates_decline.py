"""Issue 12 items 2 and 5 in a real browser (Debian's chromium), at 375 px and on a desktop: the
meeting date checks of the upload form, a protocol that cannot be sealed, and the decline path
with a replaced signer. Screenshots for docs/guide-sv.md (see browser_support.SCREENSHOTS).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from browser_support import DESKTOP, SIGNERS, shot, staff_login, start_server
from playwright.sync_api import expect
from sqlalchemy import update

from signering.models import Protocol
from signering.workflow import sealing, signing

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
VIEWPORTS = {"375": NARROW, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-dates"))
    yield live
    live.stop()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser, server):
    context = browser.new_context(locale="sv-SE", **VIEWPORTS[request.param])
    context.set_default_timeout(15000)
    page = context.new_page()
    staff_login(page, server.url)
    page.viewport_name = request.param
    yield page
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def _off_loop(work, *args):
    # Playwright's sync API runs an event loop in this thread, and signing (pyHanko) starts its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work, *args).result()


def _decide(server, address: str, decision: str = "sign", reason: str = "") -> str:
    token = server.link_path(address).rsplit("/", 1)[1]
    signing.send_code(server.svc, token)
    return _off_loop(signing.decide, server.svc, token, server.latest_code(address), decision, reason)


def _fill_form(page, server, meeting: str, pdf_path: str) -> None:
    page.goto(f"{server.url}/sekreterare/nytt")
    page.locator("#board").select_option("Kommunstyrelsen")
    page.locator("#meeting_date").fill(meeting)
    page.locator("#file").set_input_files(pdf_path)
    for i, signer in enumerate(SIGNERS, 1):
        page.locator(f"#signer_name_{i}").fill(signer.name)
        page.locator(f"#signer_email_{i}").fill(signer.email)


def _pdf(tmp_path, meeting: str, tag: str) -> str:
    from browser_support import PROTOCOL_TEXT
    from signering.textpdf import render_text_pdf

    path = tmp_path / f"protokoll-{meeting}-{tag}.pdf"
    path.write_bytes(render_text_pdf(PROTOCOL_TEXT.format(date=meeting) + f"\n\n{path.name}"))
    return str(path)


def test_upload_form_refuses_a_future_date_and_asks_about_a_late_one(page, server, tmp_path):
    today = server.svc.today()
    future = (today + dt.timedelta(days=400)).isoformat()
    _fill_form(page, server, future, _pdf(tmp_path, future, page.viewport_name))
    page.get_by_role("button", name="Skicka för justering").click()
    alert = page.locator("#form-error")
    expect(alert).to_contain_text(f"Sammanträdesdatumet {future} ligger i framtiden")
    expect(page.locator("#meeting_date")).to_have_value(future)
    expect(page.locator("#signer_email_2")).to_have_value(SIGNERS[1].email)
    _fits(page)

    late = (today - dt.timedelta(days=30)).isoformat()
    _fill_form(page, server, late, _pdf(tmp_path, late, page.viewport_name))
    page.get_by_role("button", name="Skicka för justering").click()
    expect(page.locator("#form-error")).to_contain_text("Sista dag för justering")
    box = page.get_by_label("Jag vet att sista dag för justering har passerat")
    expect(box).to_be_visible()
    if page.viewport_name == "desktop":
        shot(page, "staff-5-late-date.png")
    _fits(page)
    box.check()
    page.locator("#file").set_input_files(_pdf(tmp_path, late, page.viewport_name))
    page.get_by_role("button", name="Skicka för justering").click()
    expect(page.locator("#state")).to_have_text("Under justering")


def _fresh_protocol(server, page, back: int) -> int:
    """A new protocol under justering; each test and viewport its own meeting day, so its own file."""
    offset = back + (0 if page.viewport_name == "desktop" else 1)
    return server.new_protocol(server.svc.today() - dt.timedelta(days=offset))


def test_a_protocol_that_cannot_be_sealed_says_why(page, server):
    protocol_id = _fresh_protocol(server, page, 0)
    with server.svc.db.write() as s:  # as uploaded before the upload check existed
        s.execute(update(Protocol).where(Protocol.id == protocol_id).values(meeting_date=dt.date(2099, 11, 16)))
    for signer in SIGNERS:
        assert _decide(server, signer.email) == "signed"
    _off_loop(sealing.seal_pending, server.svc)
    page.goto(f"{server.url}/sekreterare/protokoll/{protocol_id}")
    expect(page.locator("#state")).to_have_text("Stoppat – kan inte förseglas")
    expect(page.locator("#blocked")).to_contain_text("sammanträdesdatumet ligger efter dagen för justeringen")
    expect(page.get_by_role("link", name="Ladda upp ny version")).to_be_visible()
    shot(page, f"staff-7-blocked{'' if page.viewport_name == 'desktop' else '-phone'}.png")
    _fits(page)


def test_the_declining_signer_is_replaced_from_the_page(page, server):
    protocol_id = _fresh_protocol(server, page, 2)
    _decide(server, SIGNERS[0].email)
    _decide(server, SIGNERS[1].email, "decline", "Jag var sjuk; Anna Ek ledde sammanträdet.")
    page.goto(f"{server.url}/sekreterare/protokoll/{protocol_id}")
    expect(page.locator("#state")).to_have_text("Åter hos sekreteraren (avböjt)")
    expect(page.locator("#declined")).to_contain_text("Jag var sjuk; Anna Ek ledde sammanträdet.")
    form = page.locator("#replace")
    expect(form.get_by_label("Vem ska bytas ut?")).to_have_value("1")
    form.get_by_label("Ny persons namn").fill("Anna Ek")
    form.get_by_label("Ny persons e-postadress").fill("anna.ek@example.se")
    if page.viewport_name == "desktop":
        shot(page, "staff-6-declined.png")
    _fits(page)
    page.get_by_role("link", name="Ladda upp ny version").click()
    expect(page.locator("#declined")).to_contain_text("Jag var sjuk; Anna Ek ledde sammanträdet.")
    page.go_back()
    page.locator("#replace").get_by_label("Ny persons namn").fill("Anna Ek")
    page.locator("#replace").get_by_label("Ny persons e-postadress").fill("anna.ek@example.se")
    page.locator("#replace").get_by_role("button", name="Byt undertecknare").click()
    expect(page.locator("#state")).to_have_text("Under justering")
    expect(page.get_by_text("Anna Ek (Ordförande)").first).to_be_visible()
    assert server.link_path("anna.ek@example.se").startswith("/signera/")
