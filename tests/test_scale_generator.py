"""The growth bench's generator (bench/generate.py) makes a database the app serves as its own:
current notices on the board, generated hashes that verify, log proofs that check out against the
signed checkpoints, and the staff's protocol list read page by page."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys

import pytest
from sqlalchemy import func, select

from signering.models import LogCheckpoint, LogEntry, LogNode, Notice, Protocol
from signering.translog import merkle
from signering.translog.checkpoint import open_checkpoint
from signering.translog.leaf import decode_leaf
from signering.translog.log_key import load_log_key
from signering.translog.proofs import ConsistencyProof, InclusionProof

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import generate  # noqa: E402  (bench/generate.py)

END = dt.date(2026, 3, 18)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    directory = tmp_path_factory.mktemp("scale")
    url = f"sqlite:///{directory}/signering.sqlite3"
    # a tenth of the municipality's year: 20 boards, 5 meetings each
    info = generate.generate(url, str(directory), profile="municipality", scale=0.1, end=END, log=lambda _m: None)
    from web.app import create_app

    app = create_app({"DATABASE_URL": url, "DATA_DIR": str(directory / "blobs"), "INSTANCE_DIR": str(directory),
                      "SECRET_KEY": b"g" * 32, "BASE_URL": "http://localhost"})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    svc = app.extensions["signering"]
    svc.clock = lambda: dt.datetime.combine(END, dt.time(10), dt.timezone.utc)
    yield info, app, svc, str(directory)
    svc.db.dispose()


def test_the_same_seed_makes_the_same_rows(made, tmp_path):
    info = made[0]
    again = generate.generate(f"sqlite:///{tmp_path}/again.sqlite3", str(tmp_path), profile="municipality",
                              scale=0.1, end=END, log=lambda _m: None)
    assert again["rows"] == info["rows"] and info["rows"]["protocol"] == 100
    assert again["example_sealed_sha256"] == info["example_sealed_sha256"]


def test_the_board_shows_the_current_notices_and_the_archive_the_rest(made):
    info, app, svc, _dir = made
    with svc.db.read() as session:
        up = session.execute(select(func.count(Notice.id)).filter_by(status="posted")).scalar_one()
        down = session.execute(select(func.count(Notice.id)).filter_by(status="archived")).scalar_one()
    assert 0 < up < down  # most notices have come down after their appeal period
    client = app.test_client()
    board = client.get(f"/{info['org']}/anslagstavla").get_data(as_text=True)
    assert f"{up} anslag" in board
    archive = client.get(f"/{info['org']}/anslagstavla/arkiv?q=n%C3%A4mnden")
    assert archive.status_code == 200 and "Protokoll från" in archive.get_data(as_text=True)


def test_a_generated_hash_verifies_as_sealed(made):
    info, app, _svc, _dir = made
    for sha, matched in ((info["example_original_sha256"], "original"), (info["example_sealed_sha256"], "sealed")):
        body = app.test_client().get(f"/api/v1/verify/{sha}").get_json()
        assert (body["status"], body["matched"]) == ("sealed", matched), body
        assert body["sealed_sha256"] == info["example_sealed_sha256"] and body["notice_status"] == "archived"


def test_log_proofs_for_a_generated_entry_check_out_against_the_signed_checkpoints(made):
    info, app, svc, directory = made
    client = app.test_client()
    key = load_log_key(os.path.join(directory, "log_key.pem")).public_key()
    data = client.get(f"/api/v1/log/proof/{info['example_sealed_sha256']}").get_json()
    checkpoint, _note = open_checkpoint(data["checkpoint"], key)
    assert checkpoint.tree_size == info["log_size"]
    proof = InclusionProof.from_dict(data["inclusion_proof"])
    assert proof.leaf_hash == merkle.hash_leaf(data["leaf_json"].encode())
    assert decode_leaf(data["leaf_json"].encode()).sealed_sha256 == info["example_sealed_sha256"]
    proof.verify(checkpoint.root_hash)

    old = info["log_size"] // 3
    data = client.get(f"/api/v1/log/consistency?from={old}&to={info['log_size']}").get_json()
    first, _ = open_checkpoint(data["checkpoint_1"], key)
    second, _ = open_checkpoint(data["checkpoint_2"], key)
    ConsistencyProof.from_dict(data["consistency_proof"]).verify(first.root_hash, second.root_hash)
    with svc.db.read() as session:
        # one checkpoint per size, and the stored subtrees of every completed pair
        assert session.execute(select(func.count()).select_from(LogCheckpoint)).scalar_one() == info["log_size"] + 1
        leaves = [bytes.fromhex(h) for h in session.execute(select(LogEntry.leaf_hash).order_by(LogEntry.index))
                  .scalars()]
        assert session.get(LogCheckpoint, len(leaves)).root_hash == merkle.root(leaves).hex()
        assert session.execute(select(func.count()).select_from(LogNode)).scalar_one() == \
            len(leaves) - bin(len(leaves)).count("1")


def test_the_staff_list_comes_in_pages(made):
    info, app, svc, _dir = made
    client = app.test_client()
    login = client.post("/sekreterare/logga-in", data={"email": info["staff_email"],
                                                       "password": info["staff_password"]})
    assert login.status_code == 303
    page = client.get("/sekreterare/").get_data(as_text=True)
    assert len(re.findall(r'href="/sekreterare/protokoll/\d+"', page)) == 25
    assert "Sida 1 av 4" in page
    last = client.get("/sekreterare/?sida=4").get_data(as_text=True)
    with svc.db.read() as session:
        oldest = session.execute(select(Protocol.id).order_by(Protocol.meeting_date, Protocol.id.desc()).limit(1)
                                 ).scalar_one()
    assert f'href="/sekreterare/protokoll/{oldest}"' in last
