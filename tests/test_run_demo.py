"""``signering run-demo``: its demo data, and two demos side by side each with its own mail."""

from __future__ import annotations

import datetime as dt
import glob
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from server_process import free_port
from signering.commands.demo_data import demo_meeting_date, demo_protocol
from signering.extract import read_protocol_pdf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("today", [dt.date(2026, 12, 1), dt.date(2026, 12, 3), dt.date(2027, 1, 4),
                                   dt.date(2026, 11, 29)])
def test_demo_meeting_is_a_recent_weekday_and_the_text_says_the_same(today):
    text, info = demo_protocol(today)
    assert info.meeting_date == demo_meeting_date(today, dt.date(2025, 3, 11))
    assert 2 <= (today - info.meeting_date).days <= 8  # inside the 14 days of justering
    assert info.meeting_date.weekday() < 5
    assert info.board == "Kommunstyrelsen"
    assert [s.role for s in info.signers] == ["sekreterare", "ordforande", "justerare"]
    # The weekday written beside the date is still the date's own.
    weekday = ("måndag", "tisdag", "onsdag", "torsdag", "fredag")[info.meeting_date.weekday()]
    months = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
              "oktober", "november", "december")
    assert f"{weekday} {info.meeting_date.day} {months[info.meeting_date.month - 1]} {info.meeting_date.year}" in text
    assert info.justering.date > info.meeting_date


def _demo_env(tmp_path, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNERING_")}
    env.update(SIGNERING_INSTANCE_DIR=str(tmp_path / name), PYTHONPATH=ROOT)
    return env


def _ensure_demo(env) -> None:
    subprocess.run([sys.executable, "-c", "from signering.commands.demo_data import ensure_demo; ensure_demo()"],
                   env=env, check=True, timeout=120, cwd=ROOT)


def test_demo_data_is_made_once_with_the_registered_date_in_the_pdf(tmp_path):
    from sqlalchemy import select

    from signering.models import Protocol
    from signering.runtime import services_from_env

    env = _demo_env(tmp_path, "instance")
    _ensure_demo(env)
    _ensure_demo(env)
    instance = tmp_path / "instance"
    svc = services_from_env({"INSTANCE_DIR": str(instance), "DATA_DIR": str(instance / "blobs"),
                             "DATABASE_URL": f"sqlite:///{instance}/signering.sqlite3"})
    try:
        with svc.db.read() as s:
            protocols = s.execute(select(Protocol)).scalars().all()
            assert len(protocols) == 1  # the second run added nothing
            info = read_protocol_pdf(svc.blobs.read(protocols[0].current.original_sha256))
            assert protocols[0].meeting_date == info.meeting_date
            assert 2 <= (svc.today() - info.meeting_date).days <= 8
            assert [r.name for r in protocols[0].current.requests] == [s.name for s in info.signers]
    finally:
        svc.db.dispose()


def _wait_for(predicate, what: str, proc_logs, timeout: float = 90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}:\n" + "\n---\n".join(read() for read in proc_logs))


def test_two_demos_at_once_each_get_their_own_mail(tmp_path):
    demos = []
    try:
        for name in ("first", "second"):
            port = free_port()
            log = tmp_path / f"{name}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen([sys.executable, "-m", "signering.cli", "run-demo", "--port", str(port)],
                                        env=_demo_env(tmp_path, name), cwd=ROOT, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            demos.append((name, port, proc, log))
            # One after the other, as a person starts a second demo beside a running one.
            _wait_for(lambda: _healthy(port), f"the {name} demo", [log.read_text])
        logs = [d[3].read_text for d in demos]
        for name, port, _, _ in demos:
            maildir = tmp_path / name / "demo-mail"
            _wait_for(lambda: glob.glob(str(maildir / "*.eml")), f"mail of the {name} demo", logs)
        for name, port, _, log in demos:
            mails = [open(p, encoding="utf-8", errors="replace").read()
                     for p in glob.glob(str(tmp_path / name / "demo-mail" / "*.eml"))]
            other = next(p for n, p, _, _ in demos if n != name)
            assert all(f"localhost:{port}/" in m and f"localhost:{other}/" not in m for m in mails), name
            assert "Traceback" not in log.read_text(), log.read_text()
        second_log = demos[1][3].read_text()
        first_smtp = _smtp_port(demos[0][3].read_text())
        assert _smtp_port(second_log) != first_smtp
        if first_smtp == 8025:
            assert "SMTP-porten 8025 används redan" in second_log
    finally:
        for _, _, proc, _ in demos:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, _, proc, _ in demos:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _smtp_port(log: str) -> int | None:
    import re

    found = re.search(r"SMTP 127\.0\.0\.1:(\d+)", log)
    return int(found[1]) if found else None


def test_smtp_port_flag_is_used_when_free(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "signering.demo_mail", str(tmp_path / "mail"), str(port)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_demo_env(tmp_path, "x"))
    try:
        assert proc.stdout.readline().split() == ["PORT", str(port)]
        # Taken now: a second catcher asked for the same port answers with another one.
        other = subprocess.Popen([sys.executable, "-m", "signering.demo_mail", str(tmp_path / "mail2"), str(port)],
                                 stdout=subprocess.PIPE, text=True, cwd=ROOT, env=_demo_env(tmp_path, "y"))
        try:
            word, got = other.stdout.readline().split()
            assert word == "PORT" and int(got) != port
        finally:
            other.terminate()
            other.wait(timeout=10)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
