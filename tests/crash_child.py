"""Child process for the crash tests: runs protocols through the workflow until it is killed.

Everything goes through the same core calls the web app makes (finalize, send_code, decide,
seal), against the database and blob store named by the SIGNERING_* environment.

It reports its progress on stdout, one line per step, ``<event> <n>`` (the n-th time this child
reaches it, counted from 1), flushed at once, so the test can kill it at a point it chose:

- ``ready``: services built, nothing done yet;
- ``finalize``: an upload begins (the PDF check and the first rows follow);
- ``finalized``: an upload is committed (one more protocol row);
- ``signing``: a signature is claimed (committed) and its PDF work begins;
- ``sealing``: a fully signed version's seal (PDF and timestamp) begins;
- ``seal_written``: the sealed file is in the blob store, its rows not yet written.

``CRASH_HOLD=<event>:<n>`` makes the child stop right after announcing that step (it sleeps
until killed), so the kill lands exactly there. The steps are announced by thin wrappers around
the real functions, which still do all the work.
"""

from __future__ import annotations

import collections
import io
import os
import random
import re
import sys
import time
import uuid

from sqlalchemy import select

from signering.models import OutboxMail, Protocol
from signering.runtime import services_from_env
from signering.textpdf import render_text_pdf
from signering.workflow import sealing, signing
from signering.workflow.finalize import SignerInput, finalize

_seen: collections.Counter = collections.Counter()
_HOLD = os.environ.get("CRASH_HOLD", "")


def report(event: str) -> None:
    _seen[event] += 1
    sys.stdout.write(f"{event} {_seen[event]}\n")
    sys.stdout.flush()
    if _HOLD == f"{event}:{_seen[event]}":
        while True:  # the test kills us here
            time.sleep(60)


def _announcing(event: str, real):
    def wrapper(*args, **kwargs):
        report(event)
        return real(*args, **kwargs)
    return wrapper


signing.sign_step = _announcing("signing", signing.sign_step)
sealing.seal = _announcing("sealing", sealing.seal)
sealing._apply_seal = _announcing("seal_written", sealing._apply_seal)

LINK = re.compile(r"/signera/([A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")
def signers() -> list[SignerInput]:
    # A tag per protocol makes "the newest mail to this address" belong to this protocol.
    tag = os.urandom(4).hex()
    return [SignerInput("Siv Sjödin", f"siv+{tag}@crash.example", "sekreterare"),
            SignerInput("Birgitta Häggkvist", f"birgitta+{tag}@crash.example", "ordforande"),
            SignerInput("John Åberg", f"john+{tag}@crash.example", "justerare")]


def latest(svc, email: str, pattern):
    with svc.db.read() as session:
        rows = session.execute(select(OutboxMail).where(OutboxMail.to == email).order_by(OutboxMail.id.desc())
                               ).scalars().all()
        for row in rows:
            match = pattern.search(svc.box.open(row.body) or "")
            if match and (pattern is not CODE or "/signera/" not in (svc.box.open(row.body) or "")):
                return match.group(1)
    return None


def advance(svc, protocol_id: int) -> bool:
    """Take one protocol one signature further. False when it needs nothing more."""
    with svc.db.read() as session:
        protocol = session.get(Protocol, protocol_id)
        if protocol.status != "signing":
            return False
        version = protocol.current
        active = [r for r in version.requests if r.status == "active"]
        if not active:
            return False
        email = active[0].email
    token = latest(svc, email, LINK)
    assert token, f"no link mailed to {email}"
    signing.send_code(svc, token) if not _code_pending(svc, token) else None
    code = latest(svc, email, CODE)
    assert code, f"no code mailed to {email}"
    answer = signing.decide(svc, token, code, "sign")
    assert answer == "signed", answer  # anything else is an unexpected answer: exit with an error
    return True


def _code_pending(svc, token: str) -> bool:
    view, _ = signing.view_for_token(svc, token)
    return view.code_sent


def main() -> None:
    svc = services_from_env()
    org_id = int(os.environ["CRASH_ORG_ID"])
    svc.settings.code_resend_seconds = 0
    repeat = random.randint(1, 30)
    report("ready")
    if len(sys.argv) > 1 and sys.argv[1] == "finish":
        with svc.db.read() as session:
            ids = session.execute(select(Protocol.id).where(Protocol.status == "signing")).scalars().all()
        for pid in ids:
            while advance(svc, pid):
                pass
        return
    while True:
        # A file of its own each time: the same bytes again would be the same protocol (refused).
        pdf = render_text_pdf(f"Kommunstyrelsen\n\n§ 1 Ärende {uuid.uuid4().hex}\n\nBeslut.\n" * repeat)
        report("finalize")
        pid = finalize(svc, org_id=org_id, board_name="Kommunstyrelsen", meeting_date=__import__("datetime").date(2026, 11, 16),
                       signers=signers(), upload=io.BytesIO(pdf), filename="p.pdf", actor="crash", confirm_late=True)
        report("finalized")
        while advance(svc, pid):
            pass


if __name__ == "__main__":
    main()
