"""Shared set-up for the staff page tests (no tests here).

A real app over SQLite in a temporary directory with CSRF protection on, two organisations
(Ånge with an admin and a secretary, Kramfors with its own secretary), one board each.
Forms are posted the way a browser does: the CSRF token is read from the page's HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import shutil
from dataclasses import dataclass

import pytest
from clock import FixedClock
from flask import Flask
from sqlalchemy import func, select

from signering.accounts import create_board, create_organisation, create_user
from signering.models import Event, OutboxMail, Protocol
from signering.pki.keys import DEMO_DIR
from signering.textpdf import render_text_pdf
from signering.workflow.services import Services
from web.app import create_app

BOARD = "Kommunstyrelsen"
OTHER_BOARD = "Barn- och utbildningsnämnden"
PASSWORD = "rätt häst batteri häftklammer"
ADMIN = "admin@ange.se"
SECRETARY = "siv.sjodin@ange.se"
OTHER_SECRETARY = "sekreterare@kramfors.se"
SIGNERS = [("sekreterare", "Siv Sjödin", "siv.sjodin@ange.se"),
           ("ordforande", "Birgitta Häggkvist", "birgitta@example.se"),
           ("justerare", "John Åberg", "john.aberg@example.se"),
           ("justerare", "", ""),
           ("justerare", "", "")]
#: 2025-09-23 08:00 UTC is 10:00 in Stockholm (summer time)
NOW = dt.datetime(2025, 9, 23, 8, 0, tzinfo=dt.timezone.utc)


@dataclass
class StaffEnv:
    app: Flask
    svc: Services
    data_dir: str
    org_id: int
    other_org_id: int

    def client(self, email: str | None = None, ip: str = "192.0.2.10"):
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = ip
        if email:
            response = login(client, email, PASSWORD)
            assert response.status_code == 303, response.get_data(as_text=True)
        return client

    def blob_files(self) -> set[str]:
        found = set()
        for root, _dirs, files in os.walk(self.data_dir):
            found.update(os.path.join(root, f) for f in files)
        return found

    def count(self, model, **filters) -> int:
        with self.svc.db.read() as s:
            return s.execute(select(func.count()).select_from(model).filter_by(**filters)).scalar_one()

    def protocol(self, protocol_id: int) -> Protocol:
        with self.svc.db.read() as s:
            p = s.get(Protocol, protocol_id)
            p.versions and [v.requests for v in p.versions]  # load while the session is open
            p.board
            return p

    def events(self, protocol_id: int) -> list[str]:
        with self.svc.db.read() as s:
            return s.execute(select(Event.kind).filter_by(protocol_id=protocol_id).order_by(Event.id)).scalars().all()

    def mails_to(self, address: str) -> list[OutboxMail]:
        with self.svc.db.read() as s:
            return s.execute(select(OutboxMail).filter_by(to=address).order_by(OutboxMail.id)).scalars().all()

    def mail_text(self, row: OutboxMail) -> str:
        return self.svc.box.open(row.body)


_TEMPLATE: dict[str, tuple[str, int, int]] = {}


def _template_db(base_dir) -> tuple[str, int, int]:
    """Migrate and fill one database per test session; each test gets a copy of the file.

    Password hashing (argon2) and the migrations take seconds; copying a file does not.
    """
    if "db" not in _TEMPLATE:
        from signering.db import Database

        path = os.path.join(str(base_dir), "staff-template.sqlite3")
        db = Database(f"sqlite:///{path}")
        db.upgrade()
        with db.write() as session:
            org = create_organisation(session, slug="ange", name="Ånge kommun", key_dir=DEMO_DIR)
            create_board(session, org, name=BOARD, forvaringsplats="Kommunhuset, Torggatan 10")
            create_user(session, org, email=ADMIN, password=PASSWORD, role="admin", name="Ada Admin")
            create_user(session, org, email=SECRETARY, password=PASSWORD, role="secretary", name="Siv Sjödin")
            other = create_organisation(session, slug="kramfors", name="Kramfors kommun", key_dir=DEMO_DIR)
            create_board(session, other, name=OTHER_BOARD)
            create_user(session, other, email=OTHER_SECRETARY, password=PASSWORD, role="secretary",
                        name="Kim Kramfors")
            ids = org.id, other.id
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        _TEMPLATE["db"] = (path, *ids)
    return _TEMPLATE["db"]


def make_env(tmp_path, **settings) -> StaffEnv:
    """``settings``: more configuration for the app (e.g. WEBHOOK_ALLOWED_HOSTS)."""
    template, org_id, other_id = _template_db(tmp_path.parent)
    shutil.copyfile(template, tmp_path / "db.sqlite3")
    data_dir = str(tmp_path / "blobs")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DATA_DIR": data_dir,
                      "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": b"x" * 32,
                      "BASE_URL": "http://localhost", **settings})
    app.config["TESTING"] = True
    assert app.config.get("WTF_CSRF_ENABLED", True), "the staff tests run with CSRF protection on"
    svc = app.extensions["signering"]
    svc.clock = FixedClock(NOW)
    svc.db.upgrade()  # already at head: a no-op that proves the copy is a migrated database
    return StaffEnv(app=app, svc=svc, data_dir=data_dir, org_id=org_id, other_org_id=other_id)


@pytest.fixture
def env(tmp_path):
    """The shared ``env`` fixture of the staff tests (a module imports it by name to use it)."""
    environment = make_env(tmp_path)
    yield environment
    environment.svc.db.dispose()


def csrf_token(page_html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def login(client, email: str, password: str, *, next_url: str | None = None):
    page = client.get("/sekreterare/logga-in").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/sekreterare/logga-in", data=data)


def post_form(client, page_path: str, action_path: str, data: dict, **kw):
    """GET the page holding the form, then POST ``data`` with the page's CSRF token."""
    page = client.get(page_path)
    assert page.status_code == 200, page.status_code
    return client.post(action_path, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data}, **kw)


def protocol_pdf(text: str = "Protokoll\nKommunstyrelsen\nSammanträdesdatum 2025-09-23\n\n§ 1 Mötets öppnande") -> bytes:
    return render_text_pdf(text)


def finalize_form(pdf: bytes | None, *, board: str = BOARD, meeting_date: str = "2025-09-23",
                  signers=SIGNERS, filename: str = "protokoll.pdf", confirm_late: bool = False) -> dict:
    data = {"board": board, "meeting_date": meeting_date,
            "signer_role": [r for r, _n, _e in signers], "signer_name": [n for _r, n, _e in signers],
            "signer_email": [e for _r, _n, e in signers]}
    if confirm_late:
        data["confirm_late"] = "1"
    if pdf is not None:
        data["file"] = (io.BytesIO(pdf), filename)
    return data


def upload(client, pdf: bytes | None, path: str = "/sekreterare/nytt", **kw):
    return post_form(client, path, path, finalize_form(pdf, **kw), content_type="multipart/form-data")


def upload_ok(env: StaffEnv, client, pdf: bytes | None = None, **kw) -> int:
    response = upload(client, pdf or protocol_pdf(), **kw)
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/sekreterare/protokoll/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
