"""Archive-timestamp renewal (issue 11, items 3 and 6): `signering renew` and the worker.

A file sealed under a TSA certificate that then expires is no longer valid long-term; renewed
before the expiry with a second TSA certificate, it is, by `signering verify` and by the ETSI
EN 319 102-1 long-term algorithm (pyHanko's, on the embedded data only), both judged in a
process whose clock is moved past the expiry (libfaketime).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

import pytest
from faketime import faked_env
from renewal_pki import key_dir, rotate_tsa, tsa_not_after
from sqlalchemy import select
from test_signing_over_days import _etsi

from conftest import BASE_URL, SAMPLE_ROUTE
from signering.accounts import create_board, create_organisation
from signering.clock import aware
from signering.db import Database
from signering.models import Organisation, Protocol, ProtocolVersion, SealedFile
from signering.pdf.chain import run_chain
from signering.pdf.renew import newest_timestamp
from signering.pki.embedded_tsa import running_tsa
from signering.pki.orgkeys import load_key_dir
from signering.recovery import recover
from signering.registry import lookup
from signering.storage import BlobStore
from signering.textpdf import render_text_pdf
from signering.workflow import renewal
from signering.workflow.services import Services, Settings

DAY = 86400
NOW = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731


def _seal(directory: str, text: str) -> bytes:
    keys = load_key_dir(directory, organisation="Testkommun", base_url=BASE_URL, slug="test")
    with running_tsa(keys) as timestamper:
        return run_chain(render_text_pdf(text), SAMPLE_ROUTE, keys, timestamper, BASE_URL)


def _cli(env: dict, *args: str, seconds_ahead: float = 0) -> subprocess.CompletedProcess:
    run_env = faked_env(env, seconds_ahead) if seconds_ahead else env
    return subprocess.run([sys.executable, "-m", "signering.cli", *args], env=run_env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture
def instance(tmp_path):
    """A service instance on SQLite with organisation "test", whose TSA certificate lives two days."""
    keys = key_dir(str(tmp_path / "keys"), tsa_valid_for=dt.timedelta(days=2))
    env = {**os.environ, "SIGNERING_INSTANCE_DIR": str(tmp_path / "inst"), "SIGNERING_LOG_LEVEL": "ERROR",
           "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    env.pop("SIGNERING_DATABASE_URL", None)
    env.pop("SIGNERING_TSA_URL", None)
    assert _cli(env, "init").returncode == 0
    created = _cli(env, "org", "create", "test", "--name", "Testkommun", "--key-dir", keys)
    assert created.returncode == 0, created.stderr
    return env, keys


def test_renewal_keeps_a_file_valid_after_its_tsa_certificate_expires(instance, tmp_path):
    env, keys = instance
    sealed = _seal(keys, "Kommunstyrelsen\n\n§ 1 Budget\n\nBeslut: fastställd.\n")
    sealed_path, renewed_path = tmp_path / "sealed.pdf", tmp_path / "renewed.pdf"
    sealed_path.write_bytes(sealed)
    first_expiry = newest_timestamp(sealed).tsa_not_after
    assert first_expiry == tsa_not_after(keys)

    # Before the expiry the operator rotates the TSA key (ten years) and publishes a current root
    # CRL that ends before the old TSA certificate does; then renews.
    now = NOW()
    rotate_tsa(keys, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=3650), label="2",
               crl_valid_for=dt.timedelta(days=1))
    done = _cli(env, "renew", str(sealed_path), str(renewed_path), "--org", "test")
    assert done.returncode == 0, done.stderr
    renewed = renewed_path.read_bytes()
    assert renewed.startswith(sealed) and len(renewed) > len(sealed)
    assert hashlib.sha256(renewed).hexdigest() in done.stdout
    assert newest_timestamp(renewed).tsa_not_after == tsa_not_after(keys) > first_expiry

    # Ten days on, the first TSA certificate has expired (after two days).
    ahead = 10 * DAY
    assert NOW() + dt.timedelta(seconds=ahead) > first_expiry
    fields = ("signer-1", "signer-2", "signer-3", "seal")
    old = _etsi(sealed_path, ahead)
    # The people's signatures lose their proof of existence (the seal's own certificate is still
    # valid today, so the seal alone may pass).
    assert [f for f, *_ in old] == list(fields), old
    assert all(ind != "TOTAL_PASSED" for f, ind, _s in old if f.startswith("signer-")), old
    assert _etsi(renewed_path, ahead) == [(f, "TOTAL_PASSED", None) for f in fields]
    unrenewed = _cli(env, "verify", str(sealed_path), "--json", seconds_ahead=ahead)
    assert unrenewed.returncode == 1 and json.loads(unrenewed.stdout)["status"] == "invalid"
    kept = _cli(env, "verify", str(renewed_path), "--json", seconds_ahead=ahead)
    assert kept.returncode == 0, json.loads(kept.stdout)["problems"]
    # Both are valid today, before the expiry.
    assert _cli(env, "verify", str(sealed_path)).returncode == 0
    assert _etsi(renewed_path, 0) == [(f, "TOTAL_PASSED", None) for f in fields]


def test_renew_refuses_what_it_cannot_renew_with_a_message(instance, tmp_path):
    env, keys = instance
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"this is no pdf")
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(render_text_pdf("Ett protokoll utan underskrifter\n"))
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(_seal(keys, "Kommunstyrelsen\n\n§ 2 Taxor\n"))
    out = tmp_path / "out.pdf"

    def refused(*args: str) -> str:
        proc = _cli(env, "renew", *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert not out.exists()
        return proc.stderr

    assert "ingen PDF" in refused(str(junk), str(out), "--org", "test")
    assert "inget förseglat protokoll" in refused(str(plain), str(out), "--org", "test")
    assert "inte i registret" in refused(str(sealed), str(out))
    assert "finns inte" in refused(str(sealed), str(out), "--org", "okand")
    assert "kunde inte öppnas" in refused(str(tmp_path / "missing.pdf"), str(out), "--org", "test")
    # The same TSA certificate again would extend nothing: rotate the key first.
    assert "Byt tidsstämpelnyckel" in refused(str(sealed), str(out), "--org", "test")
    # A new TSA, but the root's CRL outlives the old TSA certificate: a validator could not use it.
    now = NOW()
    rotate_tsa(keys, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=3650), label="2",
               crl_valid_for=dt.timedelta(days=30))
    assert "spärrlista" in refused(str(sealed), str(out), "--org", "test")


# -- the worker ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/db.sqlite3"
        return
    from pg import fresh_database

    with fresh_database("signering_renew") as url:
        yield url


def _add_sealed(svc, org_id: int, board_id: int, sealed: bytes, meeting: dt.date) -> int:
    """A sealed protocol as the migration leaves one sealed before renewal existed (expiry unread)."""
    sha = svc.blobs.put_bytes(sealed)
    with svc.db.write() as session:
        protocol = Protocol(organisation_id=org_id, board_id=board_id, meeting_date=meeting, status="sealed")
        session.add(protocol)
        session.flush()
        version = ProtocolVersion(protocol_id=protocol.id, number=1, original_sha256=hashlib.sha256(meeting.isoformat()
                                  .encode()).hexdigest(), original_size=1, working_sha256=sha, sealed_sha256=sha,
                                  sealed_at=svc.clock())
        session.add(version)
        session.flush()
        session.add(SealedFile(version_id=version.id, number=0, sha256=sha, created_at=svc.clock()))
        return version.id


def test_worker_renews_exactly_the_protocols_in_the_window(tmp_path, database_url):
    keys = key_dir(str(tmp_path / "keys"), tsa_valid_for=dt.timedelta(days=1000))
    svc = Services(db=Database(database_url), blobs=BlobStore(str(tmp_path / "blobs")),
                   settings=Settings(base_url=BASE_URL, secret_key=b"x" * 32))
    svc.db.upgrade()
    with svc.db.write() as session:
        org = create_organisation(session, slug="test", name="Testkommun", key_dir=keys)
        board = create_board(session, org, name="Kommunstyrelsen")
        org_id, board_id = org.id, board.id
    files = {}
    files["1000 days"] = _seal(keys, "C\n")  # outside the 365-day window: left alone
    now = NOW()
    rotate_tsa(keys, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=200), label="200")
    files["200 days"] = _seal(keys, "B\n")  # within the window: due
    rotate_tsa(keys, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=2), label="2")
    files["two days"] = _seal(keys, "A\n")  # due
    versions = {label: _add_sealed(svc, org_id, board_id, data, dt.date(2026, 11, n + 1))
                for n, (label, data) in enumerate(files.items())}

    # The current TSA certificate (two days) expires no later than any file's: renewing would extend nothing.
    svc._keys.clear()
    assert renewal.renew_due(svc, days=365) == 0
    rotate_tsa(keys, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=3650), label="new",
               crl_valid_for=dt.timedelta(days=1))
    svc._keys.clear()
    svc.local_tsas.stop_all()
    try:
        assert renewal.renew_due(svc, days=365) == 2
        assert renewal.renew_due(svc, days=365) == 0  # renewed files are good for ten years
    finally:
        svc.local_tsas.stop_all()

    with svc.db.read() as session:
        rows = {v: session.execute(select(SealedFile).filter_by(version_id=v).order_by(SealedFile.number)
                                   ).scalars().all() for v in versions.values()}
        assert [len(rows[versions[label]]) for label in files] == [1, 2, 2]
        for label in ("two days", "200 days"):
            old, new = rows[versions[label]]
            renewed = svc.blobs.read(new.sha256)
            assert renewed.startswith(files[label]) and new.number == 1
            assert aware(new.tsa_expires_at) > NOW() + dt.timedelta(days=3000)
            # The registry answers for both sealed files, and either verifies.
            for sha in (old.sha256, new.sha256):
                answer = lookup(session, sha)
                assert answer["status"] == "sealed" and answer["matched"] == "sealed"
                assert answer["sealed_files"] == [old.sha256, new.sha256]
                assert answer["sealed_sha256"] == old.sha256  # the published file stays the published one
        org_name = session.get(Organisation, org_id).name
    assert org_name == "Testkommun"
    from signering.pdf.verify import verify_pdf
    from signering.pki.certs import to_asn1

    root = [to_asn1(load_key_dir(keys, organisation="x", base_url=BASE_URL).root)]
    new_sha = rows[versions["two days"]][1].sha256
    assert verify_pdf(svc.blobs.read(new_sha), root).valid

    # A crash between the new blob and its row leaves an orphan that start-up removes; the
    # renewed files stay (their rows name them).
    orphan = svc.blobs.put_bytes(files["1000 days"] + b"\n% half a renewal\n")
    recover(svc, orphan_age_seconds=0)
    assert not svc.blobs.exists(orphan)
    assert all(svc.blobs.exists(r.sha256) for rs in rows.values() for r in rs)
    # A renewal that lost the race (the version moved on meanwhile) leaves nothing behind.
    assert not renewal.record_sealed_file(svc, versions["two days"], b"%PDF-1.7\n% late\n", after=0,
                                          expires=NOW(), org_id=org_id, renewed_from="x")
    assert not svc.blobs.exists(hashlib.sha256(b"%PDF-1.7\n% late\n").hexdigest())
    svc.db.dispose()
