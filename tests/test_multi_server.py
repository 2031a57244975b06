"""Two app servers and two workers on one PostgreSQL database and one blob directory, at once.

The deployment README's "Flera servrar" describes: each host has its own instance directory;
the database, the blob directory (an NFS mount in production), the secret key and the log key
are shared, and every host has the same public address (the reverse proxy's). Several protocols
are signed at the same time, each request going to the other server than the one before, as a
round-robin proxy would send them; then every flow must have completed exactly once: one seal,
one notice, one log entry, each mail delivered once, no audit event twice, no mail left behind.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time

import pytest
import requests
from pg import fresh_database
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from sqlalchemy import func, select

from signering.accounts import create_api_token, create_board, create_organisation
from signering.models import Event, LogCheckpoint, LogEntry, Notice, OutboxMail, Protocol, SealedFile
from signering.pki.keys import DEMO_DIR
from signering.recovery import check
from signering.runtime import build_services
from signering.textpdf import render_text_pdf

pytestmark = pytest.mark.postgres

PROTOCOLS = 6
ROLES = ("sekreterare", "ordforande", "justerare")
LINK = re.compile(r"http://[^/\s]+/signera/([A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")


class Cluster:
    """Servers and workers as separate hosts would run them, sharing only what must be shared."""

    def __init__(self, tmp_path, database_url: str, smtp_port: int):
        from server_process import ServerProcess, free_port

        shared = tmp_path / "nfs"
        self.database_url, self.data_dir, self.log_key = database_url, str(shared / "blobs"), str(shared / "log_key.pem")
        self.secret = secrets.token_hex(32)
        # The proxy's address: every link in every mail names it, whichever host queued the mail.
        self.public_url = f"http://127.0.0.1:{free_port()}"
        self.servers = []
        for n in (1, 2):
            (tmp_path / f"host{n}").mkdir()
            self.servers.append(ServerProcess(tmp_path / f"host{n}", database_url, smtp_port))
        for server in self.servers:
            server.env.update(SIGNERING_DATA_DIR=self.data_dir, SIGNERING_LOG_KEY_FILE=self.log_key,
                              SIGNERING_SECRET_KEY=self.secret, SIGNERING_BASE_URL=self.public_url)
        self.workers: list[subprocess.Popen] = []
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()

    def start(self) -> None:
        # Both servers start at once on an empty database, as after an update: each migrates
        # at start-up, and they must take turns rather than create the same tables twice.
        starting = [threading.Thread(target=server.start, args=("--no-worker",)) for server in self.servers]
        for t in starting:
            t.start()
        for t in starting:
            t.join(120)
        assert all(s.proc is not None and s.proc.poll() is None for s in self.servers), \
            [s.log() for s in self.servers]
        self._organisation()
        for server in self.servers:
            log = open(f"{server.env['SIGNERING_INSTANCE_DIR']}-worker.log", "ab")
            self.workers.append(subprocess.Popen([sys.executable, "-m", "signering.cli", "worker"], env=server.env,
                                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            log.close()

    def _organisation(self) -> None:
        svc = self.services()
        with svc.db.write() as session:
            org = create_organisation(session, slug="multi", name="Flerkommun", key_dir=DEMO_DIR)
            create_board(session, org, name="Kommunstyrelsen", forvaringsplats="Kommunhuset")
            session.flush()
            self.token = create_api_token(session, org, "mötessystem")
        svc.db.dispose()

    def stop(self) -> None:
        # Everything is told to stop first and waited for after, so the shutdowns overlap.
        for proc in self.workers + [s.proc for s in self.servers if s.proc]:
            if proc.poll() is None:
                proc.terminate()
        for worker in self.workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        for server in self.servers:
            server.stop()

    def next_url(self) -> str:
        """The server the proxy hands the next request to: each in turn."""
        with self._turn_lock:
            return self.servers[next(self._turn) % 2].base_url

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.next_url() + path, timeout=60, **kwargs)

    def services(self):
        return build_services({"DATABASE_URL": self.database_url, "DATA_DIR": self.data_dir,
                               "BASE_URL": self.public_url, "SECRET_KEY": self.secret.encode(), "LANG": "sv",
                               "MAX_UPLOAD_MB": 10, "REMINDER_DAYS": 3, "TSA_URL": "", "LOG_KEY_FILE": self.log_key})


@pytest.fixture
def cluster(tmp_path, smtp_server):  # noqa: F811
    with fresh_database("signering_multi") as url:
        c = Cluster(tmp_path, url, smtp_server.port)
        try:
            c.start()
            yield c
        finally:
            c.stop()


def _kind(mail) -> str:
    if LINK.search(mail.text or ""):
        return "invitation"
    if (mail.message["Subject"] or "").startswith("Din kod"):
        return "code"
    return "sealed" if "justerat" in (mail.message["Subject"] or "") else "other: " + mail.message["Subject"]


def _wait_mail(smtp, address: str, kind: str, timeout: float = 40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp.messages if address in m.to and _kind(m) == kind]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} mail to {address} within {timeout} s")


def _signers(n: int) -> list[dict]:
    return [{"name": f"{role.capitalize()} Nummer{n}", "email": f"{role}{n}@multi.example", "role": role}
            for role in ROLES]


def _run_protocol(cluster: Cluster, smtp, n: int) -> int:
    """Upload protocol ``n`` and let its three signers sign it, one request per server in turn."""
    auth = {"Authorization": f"Bearer {cluster.token}"}
    pdf = render_text_pdf(f"Kommunstyrelsen\n\nSammanträde 2026-11-16\n\n§ {n} Ärende nummer {n}\n\nBeslut.\n")
    meta = {"board": "Kommunstyrelsen", "meeting_date": "2026-11-16", "signers": _signers(n), "confirm_late": True}
    r = cluster.request("POST", "/api/v1/protocols", headers=auth, data={"metadata": json.dumps(meta)},
                        files={"file": (f"protokoll{n}.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    for person in _signers(n):
        token = LINK.search(_wait_mail(smtp, person["email"], "invitation").text).group(1)
        page = cluster.request("GET", f"/signera/{token}")
        assert page.status_code == 200 and person["name"] in page.text
        assert cluster.request("POST", f"/api/v1/sign/{token}/code").status_code == 202
        code = CODE.search(_wait_mail(smtp, person["email"], "code").text).group(1)
        r = cluster.request("POST", f"/api/v1/sign/{token}", json={"code": code, "decision": "sign"})
        assert r.status_code == 200 and r.json()["status"] == "signed", r.text
    return r.status_code


def _settled(svc) -> bool:
    with svc.db.read() as session:
        posted = session.execute(select(func.count()).select_from(Notice)).scalar()
        unsent = session.execute(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_(None))).scalar()
    return posted >= PROTOCOLS and unsent == 0


def test_two_servers_two_workers_complete_every_flow_exactly_once(cluster, smtp_server):  # noqa: F811
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(PROTOCOLS) as flows:
        # list() re-raises the first flow's failure here.
        list(flows.map(lambda n: _run_protocol(cluster, smtp_server, n), range(1, PROTOCOLS + 1)))
    print(f"{PROTOCOLS} protocols signed in {time.monotonic() - started:.1f} s")

    svc = cluster.services()
    deadline = time.monotonic() + 30
    while not _settled(svc) and time.monotonic() < deadline:
        time.sleep(0.2)
    # A worker that sent a mail twice would do it within its next round: give it one.
    time.sleep(2.5)

    # Each mail reached the SMTP server exactly once: per signer one invitation, one code, one
    # "justerat"; nothing else, and every outbox row sent at the first attempt.
    per_recipient = collections.Counter((tuple(m.to), _kind(m)) for m in smtp_server.messages)
    expected = {((p["email"],), kind): 1 for n in range(1, PROTOCOLS + 1) for p in _signers(n)
                for kind in ("invitation", "code", "sealed")}
    assert dict(per_recipient) == expected
    with svc.db.read() as session:
        mails = session.execute(select(OutboxMail)).scalars().all()
        assert len(mails) == len(expected)
        assert all(m.sent_at is not None and m.attempts == 1 and m.body == "" for m in mails), \
            [(m.to, m.subject, m.sent_at, m.attempts) for m in mails if m.sent_at is None or m.attempts != 1]

        protocols = session.execute(select(Protocol)).scalars().all()
        assert len(protocols) == PROTOCOLS
        sealed_shas = set()
        for protocol in protocols:
            assert protocol.status == "posted", (protocol.id, protocol.status)
            [version] = protocol.versions
            assert version.sealed_sha256 and not version.seal_pending
            files = session.execute(select(SealedFile).filter_by(version_id=version.id)).scalars().all()
            assert [f.sha256 for f in files] == [version.sealed_sha256]
            sealed_shas.add(version.sealed_sha256)
            assert session.execute(select(func.count()).select_from(Notice).filter_by(protocol_id=protocol.id)
                                   ).scalar() == 1
            kinds = collections.Counter(session.execute(select(Event.kind).filter_by(protocol_id=protocol.id)
                                                        ).scalars())
            assert kinds == {"created": 1, "sent": 3, "opened": 3, "code_sent": 3, "signed": 3, "sealed": 1,
                             "posted": 1}, (protocol.id, kinds)
        assert len(sealed_shas) == PROTOCOLS

        # The transparency log: one leaf per seal, indices 0..n-1, one checkpoint for every size
        # (the empty tree's too).
        entries = session.execute(select(LogEntry).order_by(LogEntry.index)).scalars().all()
        assert [e.index for e in entries] == list(range(PROTOCOLS))
        assert {e.sealed_sha256 for e in entries} == sealed_shas
        sizes = session.execute(select(LogCheckpoint.tree_size).order_by(LogCheckpoint.tree_size)).scalars().all()
        assert sizes == list(range(PROTOCOLS + 1))

    # The shared blob directory holds exactly what the rows name, every blob intact.
    assert check(svc) == []
    svc.db.dispose()
    for server in cluster.servers:
        assert "Traceback" not in server.log(), server.log()
    for n in (1, 2):
        with open(os.path.join(str(cluster.servers[n - 1].env["SIGNERING_INSTANCE_DIR"]) + "-worker.log"),
                  encoding="utf-8", errors="replace") as fh:
            assert "Traceback" not in fh.read()
