"""A route signed over two weeks, as real signers sign, seals VALID and stays valid (issue 18).

The server is restarted with its clock moved between the signers (1 hour, 1 day, 13 days), as
in the report that found the defect. The sealed file is then judged at the sealing time, a day
later and ten years later, by `signering verify` (under a moved clock) and by the ETSI
EN 319 102-1 long-term algorithm (pyHanko's, on the data embedded in the file only).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
import requests
from faketime import faked_env
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from test_e2e_server import _code_for, _link_for

from signering.textpdf import render_text_pdf

HOUR, DAY = 3600, 86400
SIGNERS = [
    {"name": "Siv Sjödin", "email": "siv@test.example", "role": "sekreterare"},
    {"name": "Birgitta Häggkvist", "email": "birgitta@test.example", "role": "ordforande"},
    {"name": "John Åberg", "email": "john@test.example", "role": "justerare"},
    {"name": "Karin Lind", "email": "karin@test.example", "role": "justerare"},
]
#: When each signer signs, in seconds after the secretary: an hour, a day, then 13 days between.
OFFSETS = [0, HOUR, HOUR + DAY, HOUR + DAY + 13 * DAY]


@pytest.fixture
def server(tmp_path, smtp_server):  # noqa: F811
    from server_process import ServerProcess

    srv = ServerProcess(tmp_path, None, smtp_server.port)
    # No automatic reminder (with a fresh link) while the clock jumps.
    srv.env["SIGNERING_REMINDER_DAYS"] = "60"
    srv.cli("init")
    srv.cli("org", "create", "dagar", "--name", "Testkommun", "--demo-keys")
    srv.cli("board", "create", "--org", "dagar", "--name", "Kommunstyrelsen", "--forvaringsplats", "Kommunhuset")
    srv.token = srv.cli("api-token", "create", "--org", "dagar", "--name", "mötessystem").stdout.strip().splitlines()[-1]
    yield srv
    srv.stop()


def _sign(server, smtp, person) -> None:
    token = _link_for(smtp, person["email"]).rsplit("/", 1)[1]
    assert requests.post(f"{server.base_url}/api/v1/sign/{token}/code", timeout=30).status_code == 202
    code = _code_for(smtp, person["email"], 1)
    r = requests.post(f"{server.base_url}/api/v1/sign/{token}", json={"code": code, "decision": "sign"}, timeout=120)
    assert r.status_code == 200, r.text


def _verify_cli(path, seconds_ahead: float) -> dict:
    proc = subprocess.run([sys.executable, "-m", "signering.cli", "verify", str(path), "--json"],
                          env=faked_env(dict(os.environ), seconds_ahead), capture_output=True, text=True,
                          timeout=120)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, (seconds_ahead, report["problems"])
    return report


_ETSI = """
import json, os, sys
from signering.pdf.etsi import ades_verdicts
from signering.pki.certs import to_asn1
from signering.pki.keys import DEMO_DIR, load_certificates
roots = [to_asn1(load_certificates(os.path.join(DEMO_DIR, "root.pem"))[0])]
data = open(sys.argv[1], "rb").read()
print(json.dumps([[v.field, v.indication, v.subindication] for v in ades_verdicts(data, roots)]))
"""


def _etsi(path, seconds_ahead: float) -> list:
    """The ETSI verdicts as of ``seconds_ahead``: pyHanko's AdES code reads the wall clock in places
    (proofs of existence for embedded data are dated "now"), so the whole process moves."""
    proc = subprocess.run([sys.executable, "-c", _ETSI, str(path)], env=faked_env(dict(os.environ), seconds_ahead),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [tuple(v) for v in json.loads(proc.stdout)]


def test_route_signed_over_two_weeks_seals_valid_and_stays_valid(server, smtp_server, tmp_path):  # noqa: F811
    start = time.time()
    auth = {"Authorization": f"Bearer {server.token}"}
    meta = {"board": "Kommunstyrelsen", "meeting_date": "2026-11-16", "signers": SIGNERS, "confirm_late": True}
    created = None
    for person, offset in zip(SIGNERS, OFFSETS):
        server.stop()
        # Move the server's clock to this signer's moment (minus the real time already spent).
        server.move_clock(offset)
        server.start()
        if created is None:
            pdf = render_text_pdf("Kommunstyrelsen\n\nSammanträde 2026-11-16\n\n§ 1 Budget\n\nBeslut: fastställd.\n")
            r = requests.post(server.base_url + "/api/v1/protocols", headers=auth, timeout=60,
                              files={"file": ("protokoll.pdf", pdf, "application/pdf")},
                              data={"metadata": json.dumps(meta)})
            assert r.status_code == 201, r.text
            created = r.json()
        _sign(server, smtp_server, person)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = requests.get(f"{server.base_url}/api/v1/protocols/{created['id']}", headers=auth, timeout=30).json()
        if state["status"] in ("sealed", "posted"):
            break
        time.sleep(0.2)
    assert state["status"] in ("sealed", "posted"), state
    sealed = requests.get(f"{server.base_url}/api/v1/protocols/{created['id']}/sealed.pdf", headers=auth, timeout=30)
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed.content)

    sealed_at = OFFSETS[-1] + (time.time() - start)
    for label, ahead in (("at sealing", sealed_at), ("a day later", sealed_at + DAY),
                         ("ten years later", sealed_at + 3653 * DAY)):
        report = _verify_cli(path, ahead)
        assert report["status"] == "valid", (label, report["problems"])
        assert [s["signer"] for s in report["signatures"][:4]] == [p["name"] for p in SIGNERS]
        verdicts = _etsi(path, ahead)
        assert verdicts == [(f, "TOTAL_PASSED", None) for f in ("signer-1", "signer-2", "signer-3", "signer-4", "seal")
                            ], (label, verdicts)

    # The signatures really were made days apart, as their timestamps prove.
    times = [dt.datetime.fromisoformat(s["signed_at"]) for s in report["signatures"][:4]]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert gaps[0] >= HOUR and gaps[1] >= DAY and gaps[2] >= 13 * DAY, gaps
