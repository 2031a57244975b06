"""Issue 17, "Done when": in a real browser (Debian's chromium), the secretary starts an omedelbar
justering of § 19 at the meeting, its signers sign through the links and codes the real SMTP
server received, and it goes up on the public anslagstavla; the protocol (the project's sample
of Miljö- och byggnadsnämnden) is uploaded, linked to § 19, signed and posted naming it; then a
protokollsutdrag of § 20 reaches the recipient's mailbox with a link to the sealed file.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import BOARD, DESKTOP, SECRETARY, SIGNERS, shot, staff_login, start_server
from playwright.sync_api import expect
from smtp_fixture import smtp_server  # noqa: F401 (fixture)

from signering.mail.smtp import SmtpMailer
from signering.samples import sample
from signering.workflow import outbox

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+?/signera/[A-Za-z0-9_-]+")
CODE = re.compile(r"\b(\d{6})\b")
RECIPIENT = "registrator@lansstyrelsen.example"
PARAGRAPH_19 = ("Dnr MBN 2025/31\n\nBeslut\nMiljö- och byggnadsnämnden beviljar bygglov för nybyggnad av förskola "
                "på fastigheten Ekåsa 4:12.\n\nBeslutet skickas till\nSökanden")


@pytest.fixture
def server(tmp_path):
    live = start_server(tmp_path)
    yield live
    live.stop()


def _deliver(server, smtp) -> None:
    """What the worker's mail job does: send the outbox through the (real) SMTP server."""
    outbox.drain(server.svc, SmtpMailer(smtp.host, smtp.port))


def _received(smtp, address: str, predicate) -> list:
    return [m for m in smtp.messages if address in m.to and predicate(m)]


def _sign_in_browser(page, server, smtp, address: str, heading: str) -> None:
    """Open the newest invitation the SMTP server got for ``address``, ask for a code, sign."""
    _deliver(server, smtp)
    link = LINK.search(_received(smtp, address, lambda m: LINK.search(m.text or ""))[-1].text).group(0)
    page.goto(link)
    expect(page.locator("h1")).to_contain_text(heading)
    asked = len(smtp.messages)
    page.get_by_role("button", name="Skicka kod till min e-post").click()
    _deliver(server, smtp)
    smtp.wait_for(lambda m: address in m.to and smtp.messages.index(m) >= asked)
    code_mail = _received(smtp, address, lambda m: "/signera/" not in (m.text or "") and CODE.search(m.text or ""))[-1]
    page.locator("#code").fill(CODE.search(code_mail.text).group(1))
    page.get_by_role("button", name="Signera protokollet").click(timeout=90000)
    expect(page.locator("h1")).to_contain_text("Tack", timeout=90000)  # signing (and sealing) on a busy machine


def test_omedelbar_justering_and_extract_from_the_secretary_to_the_board_and_the_recipient(
        browser, server, smtp_server, tmp_path):  # noqa: F811
    smtp = smtp_server
    meeting = server.svc.today() - dt.timedelta(days=1)
    context = browser.new_context(locale="sv-SE", **DESKTOP)
    context.set_default_timeout(30000)
    context.set_default_navigation_timeout(90000)
    page = context.new_page()
    staff_login(page, server.url)

    # At the meeting: § 19 from its own text, before the protocol is written.
    page.get_by_role("link", name="Omedelbar justering vid sammanträdet").click()
    page.locator("#board").select_option(BOARD)
    page.locator("#meeting_date").fill(meeting.isoformat())
    page.get_by_label("Paragrafens nummer (§)").fill("19")
    page.get_by_label("Rubrik").fill("Bygglov för nybyggnad av förskola, Ekåsa 4:12")
    page.get_by_label("Paragrafens text").fill(PARAGRAPH_19)
    for i, signer in enumerate(SIGNERS, 1):
        page.locator(f"#signer_name_{i}").fill(signer.name)
        page.locator(f"#signer_email_{i}").fill(signer.email)
    page.get_by_role("button", name="Skicka paragrafen för omedelbar justering").click()
    expect(page.locator("h1")).to_contain_text("Omedelbar justering § 19")
    expect(page.locator("#unlinked")).to_contain_text("Startad vid sammanträdet")
    child_page = page.url

    signer_page = context.new_page()
    for signer in SIGNERS:
        _sign_in_browser(signer_page, server, smtp, signer.email, "Justera § 19 (omedelbar justering)")
    _deliver(server, smtp)
    assert _received(smtp, SIGNERS[1].email, lambda m: m.message["Subject"].startswith("Omedelbar justering av § 19:"))
    public = context.new_page()
    public.goto(f"{server.url}/ange/anslagstavla")
    expect(public.locator("main")).to_contain_text("omedelbar justering av § 19")
    expect(public.locator("main")).to_contain_text("före resten av protokollet")

    # The protocol of the meeting: uploaded, linked to § 19, signed and posted naming it.
    pdf_path = tmp_path / "mbn.pdf"
    pdf_path.write_bytes(sample("ekasa-mbn-2025-04-08").pdf())
    page.goto(f"{server.url}/sekreterare/nytt")
    page.locator("#board").select_option(BOARD)
    page.locator("#meeting_date").fill(meeting.isoformat())
    page.locator("#file").set_input_files(str(pdf_path))
    for i, signer in enumerate(SIGNERS, 1):
        page.locator(f"#signer_name_{i}").fill(signer.name)
        page.locator(f"#signer_email_{i}").fill(signer.email)
    page.get_by_role("button", name="Skicka för justering").click()
    expect(page.locator("#state")).to_have_text("Under justering")
    expect(page.locator("#utdrag")).to_be_visible()
    expect(page.locator("ul.extracts")).to_contain_text("Omedelbar justering § 19")
    protocol_page = page.url
    for signer in SIGNERS:
        _sign_in_browser(signer_page, server, smtp, signer.email, "Justera protokoll")
    page.goto(child_page)
    expect(page.get_by_text("Ur protokollet")).to_be_visible()
    public.goto(f"{server.url}/ange/anslagstavla")
    expect(public.locator("main")).to_contain_text("§ 19 justerades omedelbart och anslogs")
    shot(public, "board-omedelbar.png")

    # A protokollsutdrag of § 20 to Länsstyrelsen, whose address the secretary adds on the page.
    page.goto(protocol_page)
    form = page.locator("form").filter(has=page.get_by_label("E-postadress för Länsstyrelsen"))
    form.get_by_label("E-postadress för Länsstyrelsen").fill(RECIPIENT)
    form.get_by_role("button", name="Spara adressen").click()
    extract_form = page.locator("form.card").filter(has_text="Gör protokollsutdrag")
    expect(extract_form).to_contain_text(f"Länsstyrelsen ({RECIPIENT})")
    page.locator("input[name=paragraph][value=\"20\"]").check()
    page.get_by_role("button", name="Gör protokollsutdrag").click()
    expect(page.locator("h1")).to_contain_text("Protokollsutdrag § 20")
    _sign_in_browser(signer_page, server, smtp, SECRETARY, "Signera protokollsutdrag § 20")
    _deliver(server, smtp)
    sent = smtp.wait_for(lambda m: RECIPIENT in m.to)
    assert sent.message["Subject"].startswith("Protokollsutdrag § 20")
    sealed_link = re.search(r"https?://\S+/protokoll/[0-9a-f]{64}\.pdf", sent.text).group(0)
    assert public.request.get(sealed_link).body()[:5] == b"%PDF-"
    # The extract is not posted: the board holds the two notices only.
    public.goto(f"{server.url}/ange/anslagstavla")
    expect(public.locator("main")).not_to_contain_text("Protokollsutdrag")
    context.close()
