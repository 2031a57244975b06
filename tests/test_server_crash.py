"""SIGKILL the whole server (gunicorn, its workers and the background worker) while signers
upload, sign and seal over HTTP; restart it; the data is consistent after every restart and
in the end every protocol completes.

`make test` runs a few rounds; `make soak` runs SIGNERING_SERVER_CRASH_ROUNDS=50.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time

import requests
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from sqlalchemy import select

from signering.models import Protocol, SignatureRequest
from signering.recovery import check
from signering.runtime import services_from_env
from signering.textpdf import render_text_pdf
from signering.workflow import manage

ROUNDS = int(os.environ.get("SIGNERING_SERVER_CRASH_ROUNDS", "3"))
LINK = re.compile(r"/signera/([A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")


class Driver(threading.Thread):
    """Runs signing flows over HTTP until told to stop or the server goes away."""

    def __init__(self, base_url, token, smtp):
        super().__init__(daemon=True)
        self.base_url, self.token, self.smtp = base_url, token, smtp
        self.stopping = threading.Event()
        #: set just before the server is killed: from then on a dropped connection or a mail
        #: that never comes is the point of the test, not a failure
        self.killed = threading.Event()
        self.answers = 0
        self.failure: BaseException | None = None

    def run(self):
        try:
            while not self.stopping.is_set():
                self.flow()
        except (requests.RequestException, TimeoutError) as exc:
            if not self.killed.is_set():
                self.failure = exc
        except AssertionError as exc:
            # An answer the server gave is wrong whenever it came: a 5xx or 404 is never the kill.
            self.failure = exc

    def _answer(self, response, expected: int):
        assert response.status_code == expected, (response.request.method, response.request.url.split("/api/")[-1],
                                                   response.status_code, response.text[:300])
        self.answers += 1

    def mail(self, address, pattern, exclude_links=False, after=0):
        """The newest matching mail to ``address`` among those received after the first ``after``."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.stopping.is_set():
            for m in reversed(list(self.smtp.messages)[after:]):
                text = m.text or ""
                if address in m.to and pattern.search(text) and not (exclude_links and "/signera/" in text):
                    return pattern.search(text).group(1)
            time.sleep(0.05)
        raise TimeoutError(address)

    def flow(self):
        tag = os.urandom(4).hex()
        signers = [{"name": "Siv Sjödin", "email": f"siv+{tag}@crash.example", "role": "sekreterare"},
                   {"name": "Birgitta Häggkvist", "email": f"b+{tag}@crash.example", "role": "ordforande"},
                   {"name": "John Åberg", "email": f"john+{tag}@crash.example", "role": "justerare"}]
        pdf = render_text_pdf(f"Kommunstyrelsen\n\n§ 1 Ärende {tag}\n")
        meta = {"board": "Kommunstyrelsen", "meeting_date": "2026-11-16", "signers": signers, "confirm_late": True}
        self._answer(requests.post(self.base_url + "/api/v1/protocols",
                                   headers={"Authorization": f"Bearer {self.token}"},
                                   files={"file": ("p.pdf", pdf, "application/pdf")},
                                   data={"metadata": json.dumps(meta)}, timeout=30), 201)
        for person in signers:
            token = self.mail(person["email"], LINK)
            seen = len(self.smtp.messages)
            self._answer(requests.post(f"{self.base_url}/api/v1/sign/{token}/code", timeout=30), 202)
            code = self.mail(person["email"], CODE, exclude_links=True, after=seen)
            self._answer(requests.post(f"{self.base_url}/api/v1/sign/{token}", json={"code": code, "decision": "sign"},
                                       timeout=60), 200)


def _services(server):
    keep = dict(os.environ)
    os.environ.update({k: v for k, v in server.env.items() if k.startswith("SIGNERING_")})
    try:
        return services_from_env()
    finally:
        os.environ.clear()
        os.environ.update(keep)


def test_sigkill_the_server_mid_traffic(tmp_path, smtp_server):  # noqa: F811
    from server_process import ServerProcess

    server = ServerProcess(tmp_path, None, smtp_server.port)
    server.env["SIGNERING_ORPHAN_AGE_SECONDS"] = "0"
    server.cli("init")
    server.cli("org", "create", "krasch", "--name", "Kraschkommun", "--demo-keys")
    server.cli("board", "create", "--org", "krasch", "--name", "Kommunstyrelsen")
    token = server.cli("api-token", "create", "--org", "krasch", "--name", "test").stdout.strip().splitlines()[-1]
    svc = _services(server)
    rng = random.Random(int(os.environ.get("SIGNERING_CRASH_SEED", "2611")))
    try:
        for round_no in range(ROUNDS):
            server.start()  # start-up recovery runs before gunicorn answers
            problems = check(svc)
            assert problems == [], f"after restart {round_no}: {problems}"
            driver = Driver(server.base_url, token, smtp_server)
            driver.start()
            time.sleep(rng.uniform(1.0, 5.0))
            # Kill only once work is under way, so no round kills an idle server.
            deadline = time.monotonic() + 30
            while driver.answers == 0 and driver.failure is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert driver.answers > 0 or driver.failure, f"round {round_no}: nothing happened before the kill"
            driver.killed.set()
            server.kill()
            driver.stopping.set()
            driver.join(timeout=60)
            assert not driver.is_alive(), f"round {round_no}: the driver did not stop"
            assert driver.failure is None, f"round {round_no}: {driver.failure!r}"
        server.start()
        assert check(svc) == []
        _finish_everything(svc, server, smtp_server)
        with svc.db.read() as session:
            states = session.execute(select(Protocol.status)).scalars().all()
        assert states and all(s == "posted" for s in states), states
        assert check(svc) == []
    finally:
        server.stop()


def _wait_for_seals(svc, timeout: float = 60) -> None:
    """The seal after the last signature runs once its answer is sent (or in the worker's sweep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with svc.db.read() as session:
            if not session.execute(select(Protocol.id).where(Protocol.status == "signing")).first():
                return
        time.sleep(0.2)


def _finish_everything(svc, server, smtp):
    """The secretary reminds whoever is stuck (a fresh link), and they sign."""
    driver = Driver(server.base_url, None, smtp)
    for _ in range(10):
        with svc.db.read() as session:
            stuck = session.execute(
                select(Protocol.id, Protocol.organisation_id, SignatureRequest.id, SignatureRequest.email)
                .join(Protocol.versions).join(SignatureRequest)
                .where(Protocol.status == "signing", SignatureRequest.status == "active")).all()
        if not stuck:
            _wait_for_seals(svc)
            return
        for protocol_id, org_id, request_id, email in stuck:
            seen = len(smtp.messages)
            manage.remind(svc, org_id=org_id, protocol_id=protocol_id, actor="test", request_id=request_id)
            link = driver.mail(email, LINK, after=seen)
            seen = len(smtp.messages)
            assert requests.post(f"{server.base_url}/api/v1/sign/{link}/code", timeout=30).status_code == 202
            code = driver.mail(email, CODE, exclude_links=True, after=seen)
            r = requests.post(f"{server.base_url}/api/v1/sign/{link}", json={"code": code, "decision": "sign"},
                              timeout=60)
            assert r.status_code == 200, r.text
