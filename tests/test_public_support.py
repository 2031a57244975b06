"""Shared set-up for the public-side tests (no tests here).

A real app over SQLite and a blob store, a clock the test can move, one organisation with
the demo keys, and protocols and notices written straight through the models, the way
sealing writes them. The sealed protocol is a real one from ``signering.pdf.chain``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest
from clock import FixedClock
from flask import Flask

from signering import legal_dates
from signering.accounts import create_board, create_organisation
from signering.db import Database
from signering.models import Notice, Organisation, Protocol, ProtocolVersion, SealedFile, SignatureRequest
from signering.pki.keys import DEMO_DIR
from signering.storage import BlobStore
from signering.workflow.services import Services, Settings
from signering.workflow.translog_store import append_sealed
from web.app import create_app

BOARD = "Kommunstyrelsens allmänna utskott"
OTHER_BOARD = "Älvdalsnämnden"
PLACE = "Kommunkansliet, Storgatan 1, Sollefteå"
SIGNERS = [("Siv Sjödin", "siv.sjodin@example.se", "sekreterare"),
           ("Birgitta Häggkvist", "birgitta@example.se", "ordforande"),
           ("John Åberg", "john.aberg@example.se", "justerare")]
EMAILS = [email for _n, email, _r in SIGNERS]


@dataclass
class PublicEnv:
    app: Flask
    svc: Services
    clock: FixedClock  # set to a date: Swedish midday, so ``today()`` is that date
    org_id: int

    @property
    def client(self):
        return self.app.test_client()


def make_env(tmp_path, today: dt.date = dt.date(2025, 9, 10), orgs: int = 1) -> PublicEnv:
    clock = FixedClock(today)
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    svc = Services(db=Database(url), blobs=BlobStore(str(tmp_path / "blobs")),
                   settings=Settings(base_url="http://localhost", secret_key=b"x" * 32), clock=clock)
    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "blobs"), "INSTANCE_DIR": str(tmp_path / "inst"),
                      "SECRET_KEY": b"x" * 32, "BASE_URL": "http://localhost"}, services=svc)
    app.config["TESTING"] = True
    svc.db.upgrade()
    with svc.db.write() as session:
        org = create_organisation(session, slug="solleftea", name="Sollefteå kommun", key_dir=DEMO_DIR)
        create_board(session, org, name=BOARD, forvaringsplats=PLACE, kind="utskott")
        create_board(session, org, name=OTHER_BOARD, forvaringsplats="Älvdalens kontor")
        for n in range(1, orgs):
            other = create_organisation(session, slug=f"kommun{n}", name=f"Kommun {n}", key_dir=DEMO_DIR)
            create_board(session, other, name=BOARD)
        org_id = org.id
    return PublicEnv(app=app, svc=svc, clock=clock, org_id=org_id)


@pytest.fixture
def env(tmp_path):
    """The shared ``env`` fixture of the public page tests (a module imports it by name to use it)."""
    return make_env(tmp_path)


def add_protocol(env: PublicEnv, *, original: bytes, sealed: bytes | None, meeting: dt.date,
                 justerat: dt.date | None = None, status: str = "posted", board: str = BOARD,
                 org_id: int | None = None, log: bool = True) -> dict:
    """A protocol as the workflow leaves it. ``sealed`` None means still being signed.

    With status posted, sealed, or archived the version is sealed, the signers have signed, the
    log has its leaf, and (posted/archived) the bevis om justering is on the board.
    Returns ids and hashes.
    """
    svc = env.svc
    org_id = org_id or env.org_id
    original_sha = svc.blobs.put_bytes(original)
    sealed_sha = svc.blobs.put_bytes(sealed) if sealed is not None else None
    done = status in ("sealed", "posted", "archived")
    justerat = justerat or meeting
    with svc.db.write() as session:
        org = session.get(Organisation, org_id)
        board_row = next(b for b in org.boards if b.name == board)
        protocol = Protocol(organisation_id=org_id, board_id=board_row.id, meeting_date=meeting, status=status,
                            created_by="sekreterare@example.se")
        session.add(protocol)
        session.flush()
        version = ProtocolVersion(protocol_id=protocol.id, number=1, original_sha256=original_sha,
                                  original_size=len(original), working_sha256=sealed_sha or original_sha,
                                  sealed_sha256=sealed_sha if done else None,
                                  sealed_at=svc.clock() if done else None, voided=status == "withdrawn")
        session.add(version)
        session.flush()
        if done:
            # Its TSA expiry is read by the renewal worker when it first looks (as for rows the migration made).
            session.add(SealedFile(version_id=version.id, number=0, sha256=sealed_sha, created_at=svc.clock()))
        for position, (name, email, role) in enumerate(SIGNERS):
            signed = done or position == 0
            session.add(SignatureRequest(version_id=version.id, position=position, name=name, email=email, role=role,
                                         status="signed" if signed else ("active" if position == 1 else "waiting"),
                                         signed_at=svc.clock() if signed else None))
        session.flush()
        notice_id = None
        if done and log:
            append_sealed(session, svc, org=org, protocol=protocol, version=version)
        if status in ("posted", "archived"):
            dates = legal_dates.compute(meeting, justerat, justerat)
            notice = Notice(organisation_id=org_id, protocol_id=protocol.id, kind="bevis_om_justering",
                            title=f"{board_row.name}, sammanträde {meeting.isoformat()}", board_name=board_row.name,
                            meeting_date=meeting, justering_date=justerat, posted_date=justerat,
                            appeal_last_day=dates.appeal_last_day, takedown_date=dates.takedown_earliest,
                            forvaringsplats=board_row.forvaringsplats,
                            signers=[] if status == "archived" else [{"name": n, "role": r} for n, _e, r in SIGNERS],
                            status=status, created_at=svc.clock())
            session.add(notice)
            session.flush()
            notice_id = notice.id
        return {"protocol_id": protocol.id, "notice_id": notice_id, "original_sha256": original_sha,
                "sealed_sha256": sealed_sha}


def fake_pdf(label: str) -> bytes:
    """Distinct bytes standing in for a protocol where only hashes matter (not parsed by anything)."""
    return b"%PDF-1.7\n% " + label.encode() + b"\n%%EOF\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
