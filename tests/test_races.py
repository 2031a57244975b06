"""Races between real threads, on SQLite and on PostgreSQL.

A reminder and a signature on the same request at the same moment: exactly one wins, and no
mail is queued with a link that is already dead. Two workers draining the outbox: every mail
reaches the SMTP server exactly once. Two seals at once each get their own log index, and a
version another process is sealing is left to it. (Two clicks on one link are in
test_e2e_server.py; two whole servers and two workers in test_multi_server.py.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import threading
import time
import uuid

import pytest
from pg import fresh_database
from smtp_fixture import smtp_server  # noqa: F401 (fixture)
from sqlalchemy import func, select, text

from signering.accounts import create_board, create_organisation
from signering.errors import SigneringError
from signering.mail import OutgoingMail, SmtpMailer
from signering.models import LogCheckpoint, LogEntry, OutboxMail, Protocol, ProtocolVersion, SignatureRequest
from signering.pki.embedded_tsa import authority_for
from signering.pki.keys import DEMO_DIR
from signering.pki.tsa import serve_in_thread
from signering.runtime import build_services
from signering.textpdf import render_text_pdf
from signering.workflow import manage, outbox, sealing, signing
from signering.workflow.audit import queue_mail
from signering.workflow.errors import LinkInvalid, NotAllowed
from signering.workflow.finalize import SignerInput, finalize

LINK = re.compile(r"/signera/([A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")
BOARD = "Kommunstyrelsen"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/db.sqlite3"
        return
    with fresh_database("signering_race") as url:
        yield url


@pytest.fixture
def env(database_url, tmp_path):
    svc = build_services({"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "blobs"),
                          "BASE_URL": "http://localhost", "SECRET_KEY": b"r" * 32, "LANG": "sv",
                          "MAX_UPLOAD_MB": 10, "REMINDER_DAYS": 3, "TSA_URL": ""})
    svc.db.upgrade()
    with svc.db.write() as session:
        org = create_organisation(session, slug="racekommun", name="Racekommun", key_dir=DEMO_DIR)
        create_board(session, org, name=BOARD, forvaringsplats="Kommunhuset")
        session.flush()
        org_id = org.id
    with svc.db.read() as session:
        from signering.models import Organisation

        keys = svc.keys_for(session.get(Organisation, org_id))
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    svc.settings.tsa_url = url
    try:
        yield svc, org_id
    finally:
        stop()
        svc.db.dispose()


def _mails(svc, address: str, after_id: int = 0) -> list[tuple[int, dt.datetime, str]]:
    with svc.db.read() as session:
        rows = session.execute(select(OutboxMail).where(OutboxMail.to == address, OutboxMail.id > after_id)
                               .order_by(OutboxMail.id)).scalars().all()
        return [(r.id, r.created_at, svc.box.open(r.body) or "") for r in rows]


def _tokens(mails) -> list[tuple[int, dt.datetime, str]]:
    return [(mid, at, m.group(1)) for mid, at, body in mails for m in [LINK.search(body)] if m]


def _max_mail_id(svc) -> int:
    with svc.db.read() as session:
        return session.execute(select(func.max(OutboxMail.id))).scalar() or 0


def _link_works(svc, token: str) -> bool:
    try:
        signing.view_for_token(svc, token)
        return True
    except SigneringError:
        return False


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _run_together(**calls) -> dict:
    """Run the calls in threads released by one barrier; each result is ("ok", value) or ("err", exc)."""
    barrier = threading.Barrier(len(calls))
    results: dict = {}

    def run(name, fn):
        barrier.wait()
        try:
            results[name] = ("ok", fn())
        except BaseException as exc:  # noqa: BLE001 (anything else is reported by the assertions)
            results[name] = ("err", exc)

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a racing call did not finish (deadlock?)"
    return results


def _route(svc, org_id):
    """A fresh protocol whose secretary has a code: (protocol id, secretary's and chair's address,
    the secretary's link token, request id and code). Each gets a PDF of its own: the same bytes
    again would be the same protocol, and are refused."""
    tag = uuid.uuid4().hex[:8]
    pdf = render_text_pdf(f"Kommunstyrelsen\n\n§ 1 Ärende {tag}\n\nBeslut.\n")
    sek, ordf = f"siv+{tag}@race.example", f"birgitta+{tag}@race.example"
    pid = finalize(svc, org_id=org_id, board_name=BOARD, meeting_date=dt.date(2026, 11, 16),
                   signers=[SignerInput("Siv Sjödin", sek, "sekreterare"),
                            SignerInput("Birgitta Häggkvist", ordf, "ordforande"),
                            SignerInput("John Åberg", f"john+{tag}@race.example", "justerare")],
                   upload=io.BytesIO(pdf), filename="p.pdf", actor="test", confirm_late=True)
    [(_, _, token)] = _tokens(_mails(svc, sek))
    with svc.db.read() as session:
        sek_id = session.execute(select(SignatureRequest.id).filter_by(email=sek)).scalar_one()
    signing.send_code(svc, token)
    code = CODE.search(_mails(svc, sek)[-1][2]).group(1)
    return pid, sek, ordf, token, sek_id, code


def _capture(fn):
    try:
        return ("ok", fn())
    except BaseException as exc:  # noqa: BLE001 (the assertions say what was expected)
        return ("err", exc)


def _check_outcome(svc, pid, sek, ordf, token, mark, results, label) -> str:
    """Assert the state one of the two outcomes leaves; return which one it was."""
    with svc.db.read() as session:
        protocol = session.get(Protocol, pid)
        [request] = [r for r in protocol.current.requests if r.email == sek]
        status, signed_at = request.status, request.signed_at
    new_to_sek = _tokens(_mails(svc, sek, mark))
    new_to_ordf = _tokens(_mails(svc, ordf, mark))
    if results["sign"] == ("ok", "signed"):
        outcome = "signature"
        kind, exc = results["remind"]
        assert kind == "err" and isinstance(exc, NotAllowed), (label, results)
        assert status == "signed"
        assert new_to_sek == [], (label, "a reminder went to someone who had signed")
        assert len(new_to_ordf) == 1, (label, new_to_ordf)
        assert _link_works(svc, new_to_ordf[0][2])
    else:
        outcome = "reminder"
        kind, exc = results["sign"]
        assert kind == "err" and isinstance(exc, LinkInvalid), (label, results)
        assert results["remind"] == ("ok", "Siv Sjödin"), (label, results)
        assert status == "active"
        assert not _link_works(svc, token)
        assert len(new_to_sek) == 1 and new_to_sek[0][2] != token, (label, new_to_sek)
        assert _link_works(svc, new_to_sek[0][2])
        assert new_to_ordf == []
    # Whatever won, no mail was queued with a link that was already dead: while the request
    # is active its newest mail holds the live link (older ones were superseded by it); once
    # signed, every link mail was queued before the signature.
    links = _tokens(_mails(svc, sek))
    if status == "active":
        assert _link_works(svc, links[-1][2]), label
        assert not any(_link_works(svc, link) for _, _, link in links[:-1]), label
    else:
        assert status == "signed"
        assert all(_aware(at) <= _aware(signed_at) and mid <= mark for mid, at, _ in links), (label, links)
        assert not any(_link_works(svc, link) for _, _, link in links), label
    return outcome


@pytest.mark.parametrize("first", ["signature", "reminder"])
def test_reminder_and_signature_in_each_order(env, first):
    """Each outcome of the race, forced on each database: the racing test below sees only the one
    its backend's timing favours (SQLite the reminder, PostgreSQL the signature)."""
    svc, org_id = env
    pid, sek, ordf, token, sek_id, code = _route(svc, org_id)
    mark = _max_mail_id(svc)
    sign = lambda: _capture(lambda: signing.decide(svc, token, code, "sign"))  # noqa: E731
    remind = lambda: _capture(lambda: manage.remind(svc, org_id=org_id, protocol_id=pid,  # noqa: E731
                                                     actor="sekreterare@race.example", request_id=sek_id))
    if first == "signature":
        results = {"sign": sign()}
        results["remind"] = remind()
    else:
        results = {"remind": remind()}
        results["sign"] = sign()
    assert _check_outcome(svc, pid, sek, ordf, token, mark, results, first) == first


def test_reminder_racing_a_signature_never_queues_a_dead_link(env):
    svc, org_id = env
    for round_no in range(10):
        pid, sek, ordf, token, sek_id, code = _route(svc, org_id)
        mark = _max_mail_id(svc)
        results = _run_together(
            sign=lambda: signing.decide(svc, token, code, "sign"),
            remind=lambda: manage.remind(svc, org_id=org_id, protocol_id=pid, actor="sekreterare@race.example",
                                          request_id=sek_id))
        _check_outcome(svc, pid, sek, ordf, token, mark, results, round_no)


def test_two_workers_draining_the_outbox_send_each_mail_once(env, smtp_server):  # noqa: F811
    svc, org_id = env
    run = uuid.uuid4().hex[:6]
    with svc.db.write() as session:
        for n in range(200):
            queue_mail(session, svc, OutgoingMail(to=f"person{n % 7}@race.example", subject=f"Utskick {run}-{n}",
                                                  body_text=f"Hej nummer {n}"), org_id=org_id)
    errors: list[BaseException] = []
    sent_by = [0, 0]
    start = threading.Barrier(2)

    def worker(index: int) -> None:
        mailer = SmtpMailer(smtp_server.host, smtp_server.port, "signering@race.example")
        start.wait(30)  # both drain from the same moment, or one may empty the outbox alone
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                sent_by[index] += outbox.drain(svc, mailer)
                with svc.db.read() as session:
                    left = session.execute(select(func.count()).select_from(OutboxMail)
                                           .where(OutboxMail.sent_at.is_(None))).scalar()
                if left == 0:
                    return
            raise AssertionError("outbox not drained within 60 s")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not any(t.is_alive() for t in threads), "a worker did not finish"
    assert not errors, errors
    assert sum(sent_by) == 200 and all(sent_by), sent_by  # both workers took part

    # SMTP sends are synchronous (the 250 comes before send returns), so all is in by now.
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    expected = {f"Utskick {run}-{n}" for n in range(200)}
    assert len(subjects) == 200 and set(subjects) == expected, \
        sorted(s for s in set(subjects) if subjects.count(s) > 1)
    with svc.db.read() as session:
        rows = session.execute(select(OutboxMail)).scalars().all()
        assert len(rows) == 200
        assert all(r.sent_at is not None and r.body == "" for r in rows)


def _both_wait_behind(svc, lock, calls) -> list:
    """Run ``calls`` in threads while the test holds ``lock`` (a statement taking a lock); let go
    once every call waits for it, so they meet at that point. Their outcomes, as _capture's."""
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        results[index] = _capture(calls[index])

    with svc.db.engine.begin() as holder, svc.db.engine.connect() as watcher:
        holder.execute(lock)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 90
        while watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar() < len(calls):
            assert time.monotonic() < deadline, f"the calls never all reached the lock: {results}"
            watcher.rollback()
            time.sleep(0.05)
    for t in threads:
        t.join(60)
    return results


def _last_turn(svc, org_id) -> tuple[int, int, str, str]:
    """A protocol whose secretary and chair have signed: (protocol id, version id, and the
    justerare's link token and code)."""
    pid, sek, ordf, token, _sek_id, code = _route(svc, org_id)
    assert signing.decide(svc, token, code, "sign") == "signed"
    for address in (ordf, sek.replace("siv+", "john+")):
        [(_, _, token)] = _tokens(_mails(svc, address))
        signing.send_code(svc, token)
        code = CODE.search(_mails(svc, address)[-1][2]).group(1)
        if address == ordf:
            assert signing.decide(svc, token, code, "sign") == "signed"
    with svc.db.read() as session:
        version_id = session.execute(select(ProtocolVersion.id).filter_by(protocol_id=pid)).scalar_one()
    return pid, version_id, token, code


def _pending_seal(svc, org_id) -> tuple[int, int]:
    """A fully signed protocol whose seal is still to be made, as when the server that took the
    last signature is sealing it (or died doing so): (protocol id, version id)."""
    pid, version_id, token, code = _last_turn(svc, org_id)
    with svc.db.lease(sealing.SEAL_LEASE, version_id) as held:
        assert held
        assert signing.decide(svc, token, code, "sign") == "signed"
    return pid, version_id


def _sealed(svc, version_id) -> bool:
    with svc.db.read() as session:
        version = session.get(ProtocolVersion, version_id)
        return bool(version.sealed_sha256) and not version.seal_pending


def test_the_last_signature_seals_its_own_protocol_only(env, database_url):
    """The last signer waits for their own protocol's seal, not for every other pending one
    (which, with several servers, each of them sealed too), and a version another process holds
    the seal lease of is left to that process."""
    if database_url.startswith("sqlite"):
        pytest.skip("the seal lease is PostgreSQL's: on SQLite every process may seal, the write decides")
    svc, org_id = env
    _, other = _pending_seal(svc, org_id)
    assert not _sealed(svc, other)
    _, mine, token, code = _last_turn(svc, org_id)
    assert signing.decide(svc, token, code, "sign") == "signed"
    assert _sealed(svc, mine) and not _sealed(svc, other)
    with svc.db.lease(sealing.SEAL_LEASE, other):
        assert sealing.seal_pending(svc) == 0  # another process is sealing it
    assert not _sealed(svc, other)
    assert sealing.seal_pending(svc) == 1 and _sealed(svc, other)


def test_two_seals_at_once_each_get_their_own_log_index(env, database_url):
    """Two servers applying seals of two protocols at the same moment: before the log append
    took its lock on PostgreSQL, both counted the same leaves, and the second seal failed on
    the index (IntegrityError) instead of taking the next one."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's write transaction holds the whole database; the race is PostgreSQL's")
    svc, org_id = env
    versions = [_pending_seal(svc, org_id)[1] for _ in range(2)]
    # The test holds the checkpoints while both seals make their PDFs, so both reach the log
    # append before either can finish it.
    outcomes = _both_wait_behind(svc, text("LOCK TABLE log_checkpoint IN ACCESS EXCLUSIVE MODE"),
                                 [lambda v=v: sealing.seal_one(svc, v) for v in versions])
    results = dict(zip(versions, outcomes))
    assert results == {v: ("ok", 1) for v in versions}, results
    with svc.db.read() as session:
        entries = session.execute(select(LogEntry.index, LogEntry.sealed_sha256).order_by(LogEntry.index)).all()
        sizes = session.execute(select(LogCheckpoint.tree_size).order_by(LogCheckpoint.tree_size)).scalars().all()
        sealed = {session.get(ProtocolVersion, v).sealed_sha256 for v in versions}
    assert [i for i, _ in entries] == [0, 1] and {sha for _, sha in entries} == sealed
    assert sizes == [0, 1, 2]


def test_two_workers_remind_a_late_signer_once(env, database_url):
    """Both workers find the same signer due for a reminder and queue for the row; the second,
    once the first has reminded, must see that and not send a second reminder (whose new link
    would also have killed the first one's)."""
    if database_url.startswith("sqlite"):
        pytest.skip("the two workers are made to wait on PostgreSQL's row lock")
    svc, org_id = env
    pid, sek, _ordf, _token, sek_id, _code = _route(svc, org_id)
    mark = _max_mail_id(svc)
    later = dataclasses.replace(svc, clock=lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=4))
    results = _both_wait_behind(svc, select(SignatureRequest.id).filter_by(id=sek_id).with_for_update(),
                                [lambda: manage.auto_remind(later)] * 2)
    assert sorted(results) == [("ok", 0), ("ok", 1)], results
    reminders = _tokens(_mails(svc, sek, mark))
    assert len(reminders) == 1, reminders
    assert _link_works(svc, reminders[0][2])
