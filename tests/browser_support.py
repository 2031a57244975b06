"""Shared set-up for the browser tests (no tests here).

A real HTTP server (werkzeug, in a thread) around the real app over SQLite, a loopback TSA for
the organisation's keys, one organisation with a board and a secretary, and Debian's chromium
driven by Playwright. Mails are read from the outbox the way the mail worker would send them.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import re
import socket
import subprocess
import threading
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.serving import make_server

from signering.accounts import create_board, create_organisation, create_user
from signering.models import OutboxMail
from signering.pki.embedded_tsa import authority_for
from signering.pki.keys import DEMO_DIR
from signering.pki.tsa import serve_in_thread
from signering.textpdf import render_text_pdf
from signering.workflow.finalize import SignerInput, finalize
from signering.workflow.services import Services
from web.app import create_app

ORG_SLUG = "ange"
BOARD = "Kommunstyrelsen"
PASSWORD = "rätt häst batteri häftklammer"
SECRETARY = "siv.sjodin@ange.se"
SIGNERS = [SignerInput("Siv Sjödin", SECRETARY, "sekreterare"),
           SignerInput("Birgitta Häggkvist", "birgitta@example.se", "ordforande"),
           SignerInput("John Åberg", "john.aberg@example.se", "justerare")]
PROTOCOL_TEXT = ("Protokoll\nKommunstyrelsen\nSammanträdesdatum {date}\n\n§ 1 Mötets öppnande\n"
                 "Ordföranden förklarar mötet öppnat.\n\n§ 2 Val av justerare\nJohn Åberg utses att justera.")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

HERE = os.path.dirname(os.path.abspath(__file__))
# Screenshots go to a scratch folder; `SIGNERING_SCREENSHOTS=docs/screenshots make test` refreshes the docs'.
SCREENSHOTS = os.environ.get("SIGNERING_SCREENSHOTS") or os.path.join(tempfile.gettempdir(), "signering-screenshots")
NODE_DIR = os.path.join(HERE, ".node")
AXE_JS = os.path.join(NODE_DIR, "node_modules", "axe-core", "axe.min.js")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def free_port() -> int:
    # BASE_URL goes into the app before the server exists, so the port is chosen first.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    svc: Services
    org_id: int
    stop: callable

    def mails_to(self, address: str) -> list[str]:
        with self.svc.db.read() as session:
            rows = session.execute(select(OutboxMail).filter_by(to=address).order_by(OutboxMail.id)).scalars().all()
            return [self.svc.box.open(r.body) or "" for r in rows]

    def link_path(self, address: str) -> str:
        """``/signera/<token>`` from the latest invitation to ``address``."""
        for body in reversed(self.mails_to(address)):
            found = re.search(r"/signera/[A-Za-z0-9_-]+", body)
            if found:
                return found.group(0)
        raise AssertionError(f"no invitation to {address}")

    def latest_code(self, address: str) -> str:
        for body in reversed(self.mails_to(address)):
            found = re.search(r"\b(\d{6})\b", body)
            if found and "/signera/" not in body:
                return found.group(1)
        raise AssertionError(f"no code mail to {address}")

    def new_protocol(self, meeting: dt.date) -> int:
        pdf = render_text_pdf(PROTOCOL_TEXT.format(date=meeting.isoformat()))
        return finalize(self.svc, org_id=self.org_id, board_name=BOARD, meeting_date=meeting, signers=SIGNERS,
                        upload=io.BytesIO(pdf), filename="protokoll.pdf", actor=SECRETARY, confirm_late=True)


def start_server(tmp_path) -> LiveServer:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DATA_DIR": str(tmp_path / "blobs"),
                      "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": b"x" * 32, "BASE_URL": url})
    svc: Services = app.extensions["signering"]
    svc.db.upgrade()
    with svc.db.write() as session:
        org = create_organisation(session, slug=ORG_SLUG, name="Ånge kommun", key_dir=DEMO_DIR)
        create_board(session, org, name=BOARD, forvaringsplats="Kommunhuset, Torggatan 10")
        create_user(session, org, email=SECRETARY, password=PASSWORD, role="secretary", name="Siv Sjödin")
        org_id = org.id
        keys = svc.keys_for(org)
    tsa_url, stop_tsa = serve_in_thread(authority_for(keys).wsgi_app)
    svc.settings.tsa_url = tsa_url
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join()
        server.server_close()
        stop_tsa()

    return LiveServer(url=url, svc=svc, org_id=org_id, stop=stop)


def staff_login(page, url: str) -> None:
    """Log the secretary in on ``page`` and land on the protocol list."""
    page.goto(f"{url}/sekreterare/logga-in")
    page.get_by_label("E-post").fill(SECRETARY)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{url}/sekreterare/")


def launch(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


def shot(page, name: str, *, full_page: bool = True) -> str:
    """``full_page=False``: just what the screen shows, e.g. where the page landed after a click."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, name)
    page.screenshot(path=path, full_page=full_page)
    return path


def ensure_axe() -> str:
    # Installed on demand from the committed lockfile (tests/.node/package-lock.json), so every
    # run uses the same axe-core; node_modules itself is not tracked.
    if not os.path.exists(AXE_JS):
        subprocess.run(["npm", "ci", "--prefix", NODE_DIR, "--no-audit", "--no-fund"],
                       check=True, capture_output=True, timeout=180)
    return AXE_JS


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.1 A/AA rules on the loaded page; return the violations found."""
    page.add_script_tag(path=ensure_axe())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})))",
        WCAG_TAGS)
    return result
