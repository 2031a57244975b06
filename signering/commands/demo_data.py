"""The demo organisation of ``make run``: demo keys, one board, one staff login and one
protocol already under justering. Idempotent: a second run finds it and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
import unicodedata

from sqlalchemy import select

DEMO_EMAIL = "sekreterare@demo.example"
DEMO_PASSWORD = "demo-signering-2026"  # printed by make run; the demo is local and its keys are public
DEMO_SAMPLE = "ekasa-ks-2025-03-11"  # Kommunstyrelsen, like the demo's board


def demo_meeting_date(today: dt.date, sample_date: dt.date) -> dt.date:
    """The latest day at least two days before ``today`` on the sample's weekday.

    Whole weeks keep the weekday names in the protocol's text right, and two to eight days
    ago leaves the justering well inside its 14 days.
    """
    day = today - dt.timedelta(days=2)
    return day - dt.timedelta(days=(day.weekday() - sample_date.weekday()) % 7)


def demo_protocol(today: dt.date):
    """(text, reading) of the demo protocol, its dates moved to a meeting a few days ago."""
    from ..extract import read_protocol_text
    from ..samples import sample, shift_dates

    text = sample(DEMO_SAMPLE).text()
    original = read_protocol_text(text).meeting_date
    weeks = (demo_meeting_date(today, original) - original).days // 7
    moved = shift_dates(text, weeks)
    return moved, read_protocol_text(moved)


def _demo_address(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().split()) + "@demo.example"


def demo_maildir() -> str:
    """Where the demo's mail catcher saves mail: ``demo-mail`` beside the blob store."""
    from ..runtime import settings_from_env

    data_dir = os.path.abspath(settings_from_env()["DATA_DIR"])
    maildir = os.path.join(os.path.dirname(data_dir.rstrip("/")), "demo-mail")
    os.makedirs(maildir, exist_ok=True)
    return maildir


def ensure_demo() -> dict:
    from ..accounts import create_board, create_organisation, create_user
    from ..models import Organisation, Protocol
    from ..pki.keys import DEMO_DIR
    from ..runtime import services_from_env
    from ..samples import sample
    from ..workflow.finalize import SignerInput, finalize

    svc = services_from_env()
    svc.db.upgrade()
    maildir = demo_maildir()
    text, info = demo_protocol(svc.today())
    secretary = info.signers[0].name
    with svc.db.write() as session:
        org = session.execute(select(Organisation).filter_by(slug="demo")).scalar_one_or_none()
        if org is None:
            org = create_organisation(session, slug="demo", name="Demo kommun", key_dir=DEMO_DIR)
            create_board(session, org, name=info.board, forvaringsplats="Kommunkansliet, Storgatan 1")
            create_user(session, org, email=DEMO_EMAIL, password=DEMO_PASSWORD, role="admin", name=secretary)
        org_id = org.id
        has_protocol = session.execute(select(Protocol.id).filter_by(organisation_id=org_id)).first()
    if not has_protocol:
        finalize(svc, org_id=org_id, board_name=info.board, meeting_date=info.meeting_date,
                 signers=[SignerInput(s.name, _demo_address(s.name), s.role) for s in info.signers],
                 upload=io.BytesIO(sample(DEMO_SAMPLE).pdf(text=text)),
                 filename=f"ks-{info.meeting_date.isoformat()}.pdf", actor=DEMO_EMAIL)
    return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "maildir": maildir}
