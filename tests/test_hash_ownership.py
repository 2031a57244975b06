"""Issue 9, finding 1: a hash belongs to the organisation that registered it first.

Over HTTP against a real server in test_e2e_hash_ownership.py; here the rule inside one
organisation, the registry's answer for rows written before the rule existed, and the lock
that makes two simultaneous registrations of the same bytes on PostgreSQL end with one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
import time

import psycopg
import pytest
from pg import fresh_database
from test_api_support import assert_error, make_env as make_api_env, metadata, upload
from test_public_support import add_protocol, fake_pdf, make_env as make_public_env

from signering.accounts import create_board, create_organisation
from sqlalchemy import select

from signering.models import Organisation, Protocol, ProtocolVersion
from signering.pki.keys import DEMO_DIR
from signering.runtime import build_services
from signering.workflow import manage
from signering.workflow.finalize import SignerInput, finalize


def test_other_organisation_is_refused_and_nothing_of_its_upload_stays(tmp_path, protocol_pdf):
    env = make_api_env(tmp_path)
    first = upload(env, protocol_pdf)
    assert first.status_code == 201
    before = env.blob_files()
    body = assert_error(upload(env, protocol_pdf, token=env.other_token), 409, "registered_by_another_organisation")
    assert "annan organisation" in body["message"]
    # The shared blob is A's and stays; B's prepared working copy is gone.
    assert env.blob_files() == before
    answer = env.client.get(f"/api/v1/verify/{hashlib.sha256(protocol_pdf).hexdigest()}").get_json()
    assert answer["organisation_slug"] == "solleftea" and answer["status"] == "in_progress"


def test_inside_one_organisation_the_same_bytes_are_the_same_protocol(tmp_path, protocol_pdf):
    env = make_api_env(tmp_path)
    first = upload(env, protocol_pdf).get_json()
    # A second, separate protocol with the same file: refused, naming the one that holds it.
    body = assert_error(upload(env, protocol_pdf), 409, "already_uploaded")
    assert body["field"] == "file" and f"protokoll {first['id']}" in body["message"]
    # A new version of that very protocol (e.g. with another route) is the way to go.
    again = upload(env, protocol_pdf, metadata(protocol_id=first["id"]))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["id"] == first["id"] and again.get_json()["version"] == 2
    # Withdrawn, the file still names that protocol (its QR code leads to its hash): it cannot
    # start a second protocol (issue 17 §2), and the public answer stays that protocol's.
    with env.svc.db.read() as session:
        org_id = session.execute(select(Organisation.id).filter_by(slug="solleftea")).scalar_one()
    manage.withdraw(env.svc, org_id=org_id, protocol_id=first["id"], actor="test", reason="fel justerare")
    body = assert_error(upload(env, protocol_pdf), 409, "already_uploaded")
    assert f"protokoll {first['id']}" in body["message"] and "Spara PDF:en på nytt" in body["message"]
    answer = env.client.get(f"/api/v1/verify/{first['sha256']}").get_json()
    assert answer["status"] == "withdrawn" and answer["organisation_slug"] == "solleftea"


def test_lookup_answers_for_the_first_registrant_even_over_older_duplicate_rows(tmp_path):
    # Rows as the takeover left them before uploads were checked: A's protocol still being
    # signed, B's copy of the same bytes sealed and posted (sealed used to win).
    env = make_public_env(tmp_path, orgs=2)
    a = add_protocol(env, original=fake_pdf("shared"), sealed=None, meeting=dt.date(2025, 9, 8), status="signing")
    with env.svc.db.read() as session:
        b_org_id = session.execute(select(Organisation.id).filter_by(slug="kommun1")).scalar_one()
    add_protocol(env, original=fake_pdf("shared"), sealed=fake_pdf("shared, sealed by B"), meeting=dt.date(2025, 9, 8),
                 justerat=dt.date(2025, 9, 9), org_id=b_org_id)
    data = env.client.get(f"/api/v1/verify/{a['original_sha256']}").get_json()
    assert data["organisation"] == "Sollefteå kommun" and data["status"] == "in_progress"
    assert data["sealed_sha256"] is None
    # B's own sealed file is B's: nobody else registered it first.
    own = env.client.get(f"/api/v1/verify/{hashlib.sha256(fake_pdf('shared, sealed by B')).hexdigest()}").get_json()
    assert own["organisation"] == "Kommun 1"


@pytest.fixture
def pg_env(tmp_path):
    with fresh_database("signering_owner") as url:
        svc = build_services({"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "blobs"), "BASE_URL": "http://localhost",
                              "SECRET_KEY": b"o" * 32, "LANG": "sv", "MAX_UPLOAD_MB": 10, "REMINDER_DAYS": 3,
                              "TSA_URL": ""})
        svc.db.upgrade()
        with svc.db.write() as session:
            ids = []
            for slug in ("kommuna", "kommunb"):
                org = create_organisation(session, slug=slug, name=slug, key_dir=DEMO_DIR)
                board = create_board(session, org, name="Kommunstyrelsen")
                session.flush()
                ids.append((org.id, board.id))
        try:
            yield svc, url, ids
        finally:
            svc.db.dispose()


def _waiting_for_advisory_lock(url: str) -> bool:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                            ).fetchone()[0] > 0


def test_two_registrations_of_the_same_bytes_at_once_end_with_one_on_postgresql(pg_env, protocol_pdf):
    """A holds the registration open (not yet committed) while B's finalize reaches its check:
    B must wait for A's transaction and then be refused, not slip in beside it."""
    from signering import registry

    svc, url, ((a_id, a_board), (b_id, _b_board)) = pg_env
    sha = svc.blobs.put_bytes(protocol_pdf)
    signers = [SignerInput("Mallory", "m@b.example", "sekreterare"), SignerInput("Trudy", "t@b.example", "ordforande"),
               SignerInput("Eve", "e@b.example", "justerare")]
    outcome: dict = {}

    def b_uploads():
        try:
            outcome["id"] = finalize(svc, org_id=b_id, board_name="Kommunstyrelsen", meeting_date=dt.date(2026, 1, 5),
                                     signers=signers, upload=io.BytesIO(protocol_pdf), confirm_late=True)
        except Exception as exc:  # noqa: BLE001 (the test looks at what it was)
            outcome["error"] = exc

    b = threading.Thread(target=b_uploads)
    with svc.db.write() as session:
        registry.reserve(session, sha, org_id=a_id, protocol_id=None)
        protocol = Protocol(organisation_id=a_id, board_id=a_board, meeting_date=dt.date(2026, 1, 5), status="signing")
        session.add(protocol)
        session.flush()
        session.add(ProtocolVersion(protocol_id=protocol.id, number=1, original_sha256=sha,
                                    original_size=len(protocol_pdf), working_sha256=sha))
        session.flush()
        b.start()
        deadline = time.monotonic() + 120
        while b.is_alive() and not _waiting_for_advisory_lock(url):
            assert time.monotonic() < deadline, "B neither finished nor waited"
            time.sleep(0.1)
        assert b.is_alive(), f"B registered beside A's open registration: {outcome}"
    b.join(60)
    assert isinstance(outcome.get("error"), registry.RegisteredElsewhere), outcome
    with svc.db.read() as session:
        owners = set(session.execute(select(Protocol.organisation_id).join(ProtocolVersion)
                                     .where(ProtocolVersion.original_sha256 == sha)).scalars())
    assert owners == {a_id}
