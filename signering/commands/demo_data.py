"""The demo organisation of ``make run``: demo keys, one board, one staff login and one
protocol already under justering. Idempotent: a second run finds it and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import os

from sqlalchemy import select

DEMO_EMAIL = "sekreterare@demo.example"
DEMO_PASSWORD = "demo-signering-2026"  # printed by make run; the demo is local and its keys are public


def _protocol_text() -> str:
    from ..textpdf import seed_dir

    path = os.path.join(seed_dir(), "kommundirektorsnatverket-2025-09-22.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    return ("Kommunstyrelsen\n\nSammanträdesprotokoll\n\nTid och plats: måndag 2 november 2026 kl. 13.00\n\n"
            "§ 1 Val av justerare\n\nÅsa Justerare väljs att justera protokollet.\n\n"
            "§ 2 Budget 2027\n\nKommunstyrelsen föreslår fullmäktige att fastställa budgeten.\n")


def ensure_demo() -> dict:
    from ..accounts import create_board, create_organisation, create_user
    from ..models import Organisation, Protocol
    from ..pki.keys import DEMO_DIR
    from ..runtime import services_from_env
    from ..textpdf import render_text_pdf
    from ..workflow.finalize import SignerInput, finalize

    svc = services_from_env()
    svc.db.upgrade()
    maildir = os.path.join(os.path.dirname(svc.blobs.root.rstrip("/")), "demo-mail")
    os.makedirs(maildir, exist_ok=True)
    with svc.db.write() as session:
        org = session.execute(select(Organisation).filter_by(slug="demo")).scalar_one_or_none()
        if org is None:
            org = create_organisation(session, slug="demo", name="Demo kommun", key_dir=DEMO_DIR)
            create_board(session, org, name="Kommunstyrelsen", forvaringsplats="Kommunkansliet, Storgatan 1")
            create_user(session, org, email=DEMO_EMAIL, password=DEMO_PASSWORD, role="admin", name="Anna Sekreterare")
        org_id = org.id
        has_protocol = session.execute(select(Protocol.id).filter_by(organisation_id=org_id)).first()
    if not has_protocol:
        pdf = render_text_pdf(_protocol_text())
        finalize(svc, org_id=org_id, board_name="Kommunstyrelsen", meeting_date=dt.date(2026, 11, 16),
                 signers=[SignerInput("Anna Sekreterare", "anna@demo.example", "sekreterare"),
                          SignerInput("Örjan Ordförande", "orjan@demo.example", "ordforande"),
                          SignerInput("Åsa Justerare", "asa@demo.example", "justerare")],
                 upload=io.BytesIO(pdf), filename="ks-2026-11-16.pdf", actor=DEMO_EMAIL, confirm_late=True)
    return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "maildir": maildir}
