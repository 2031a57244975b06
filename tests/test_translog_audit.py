"""An outside auditor's checks against a live log: forks, replayed heads, and a monitor.

The log is served over loopback HTTP (werkzeug in a thread) from the real app and database; the
verifier and the monitor pin the installation's key by its fingerprint, as README tells users.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import delete, select

from signering import cli
from signering.models import LogCheckpoint, LogEntry, LogNode
from signering.pki.tsa import serve_in_thread
from signering.translog.client import LogPin, check_inclusion
from signering.translog.leaf import SealedProtocolEntry, encode_leaf, leaf_hash
from signering.translog.seen_heads import SeenHeads

from test_public_support import add_protocol, env, fake_pdf  # noqa: F401  (env: the shared fixture)


@pytest.fixture
def live(env):
    url, stop = serve_in_thread(env.app)
    yield env, url.rstrip("/")
    stop()


def publish(env, count: int, start: int = 0) -> list[dict]:
    return [add_protocol(env, original=fake_pdf(f"p{i}"), sealed=fake_pdf(f"p{i}") + f"sealed {i}\n%%EOF\n".encode(),
                         meeting=dt.date(2025, 9, 1) + dt.timedelta(days=i % 20), justerat=dt.date(2025, 9, 9))
            for i in range(start, start + count)]


def bulk_entries(env, start: int, count: int) -> None:
    """Leaves written straight into the table (no protocols): a big log, quickly."""
    with env.svc.db.write() as session:
        for i in range(start, start + count):
            entry = SealedProtocolEntry(original_sha256=hashlib.sha256(b"o%d" % i).hexdigest(),
                                        sealed_sha256=hashlib.sha256(b"s%d" % i).hexdigest(),
                                        organisation_id="solleftea", board="Kommunstyrelsen",
                                        meeting_date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
                                        sealed_at=dt.datetime(2025, 9, 10, 8, 0, tzinfo=dt.timezone.utc))
            session.add(LogEntry(index=i, leaf=encode_leaf(entry), leaf_hash=leaf_hash(entry).hex(),
                                 original_sha256=entry.original_sha256, sealed_sha256=entry.sealed_sha256))


def fork(env, index: int) -> None:
    """The operator's own key signs a second history: leaf ``index`` replaced, checkpoints from it on
    re-signed (same sizes, other roots)."""
    forged = SealedProtocolEntry(original_sha256="ab" * 32, sealed_sha256="cd" * 32, organisation_id="solleftea",
                                 board="Kommunstyrelsen", meeting_date=dt.date(2025, 9, 1),
                                 sealed_at=dt.datetime(2025, 9, 10, 8, 0, tzinfo=dt.timezone.utc))
    with env.svc.db.write() as session:
        row = session.get(LogEntry, index)
        row.leaf, row.leaf_hash = encode_leaf(forged), leaf_hash(forged).hex()
        row.original_sha256, row.sealed_sha256 = forged.original_sha256, forged.sealed_sha256
        session.execute(delete(LogCheckpoint).where(LogCheckpoint.tree_size > index))
        # and the stored subtrees above the leaf, which a forger rewrites too
        for level in range(1, 64):
            session.execute(delete(LogNode).where(LogNode.level == level, LogNode.position == index >> level))


def roll_back(env, size: int) -> None:
    """The log shows an older tree again: entries and checkpoints past ``size`` hidden."""
    with env.svc.db.write() as session:
        session.execute(delete(LogEntry).where(LogEntry.index >= size))
        for level in range(1, 64):
            session.execute(delete(LogNode).where(LogNode.level == level, LogNode.position >= size >> level))
        session.execute(delete(LogCheckpoint).where(LogCheckpoint.tree_size > size))


def test_a_forked_log_is_reported_as_a_split_view_against_a_stored_head(live, tmp_path):
    env, url = live
    published = publish(env, 3)
    pin = LogPin(fingerprint=env.svc.log_signer.fingerprint)
    heads = SeenHeads(str(tmp_path / "heads.json"))
    sealed = env.svc.blobs.read(published[2]["sealed_sha256"])
    first = check_inclusion(url, sealed, pin=pin, heads=heads)
    assert first.included and not first.split_view and first.tree_size == 3

    fork(env, 1)  # same size 3, one leaf replaced, signed with the log's real key
    forked = check_inclusion(url, sealed, pin=pin, heads=SeenHeads(heads.path))
    assert forked.split_view and not forked.included
    assert [f.code for f in forked.findings] == ["log_split_view"]
    assert "Delad vy" in forked.problems[0] and heads.path in forked.problems[0]
    # Without the stored head the fork is invisible: the point of keeping heads.
    assert check_inclusion(url, sealed, pin=pin, heads=SeenHeads(str(tmp_path / "fresh.json"))).included


def test_a_grown_fork_fails_the_consistency_check(live, tmp_path):
    env, url = live
    published = publish(env, 3)
    pin = LogPin(fingerprint=env.svc.log_signer.fingerprint)
    heads = str(tmp_path / "heads.json")
    sealed = env.svc.blobs.read(published[0]["sealed_sha256"])
    assert check_inclusion(url, sealed, pin=pin, heads=SeenHeads(heads)).included
    fork(env, 1)
    publish(env, 2, start=3)  # the forked history grows on: size 5 does not extend the real size 3
    result = check_inclusion(url, sealed, pin=pin, heads=SeenHeads(heads))
    assert result.split_view and result.tree_size == 5 and not result.included


def test_an_honest_log_growing_stays_consistent_with_stored_heads(live, tmp_path):
    env, url = live
    published = publish(env, 2)
    pin = LogPin(fingerprint=env.svc.log_signer.fingerprint)
    heads = str(tmp_path / "heads.json")
    for n in range(2, 6):
        result = check_inclusion(url, env.svc.blobs.read(published[0]["sealed_sha256"]), pin=pin,
                                 heads=SeenHeads(heads))
        assert result.included and result.tree_size == n, result.problems
        publish(env, 1, start=n)
    stored = json.load(open(heads))["logs"]
    assert [sorted(int(s) for s in sizes) for sizes in stored.values()] == [[2, 3, 4, 5]]


def test_a_replayed_old_head_is_reported(live, tmp_path, capsys):
    env, url = live
    published = publish(env, 5)
    path = tmp_path / "justerat.pdf"
    path.write_bytes(env.svc.blobs.read(published[1]["sealed_sha256"]))
    args = ["verify", str(path), "--json", "--log", url, "--log-fingerprint", env.svc.log_signer.fingerprint,
            "--log-heads", str(tmp_path / "heads.json")]
    cli.main(args)
    assert json.loads(capsys.readouterr().out)["log"]["included"] is True
    roll_back(env, 3)  # the log answers with its old size-3 checkpoint again
    assert cli.main(args) == 1
    log = json.loads(capsys.readouterr().out)["log"]
    assert log["split_view"] is True and log["included"] is False and log["tree_size"] == 3
    assert any("äldre version" in p for p in log["problems"])


def run_monitor(url, env, state, *extra):
    return cli.main(["log", "monitor", url, "--json", "--state", str(state),
                     "--log-fingerprint", env.svc.log_signer.fingerprint, *extra])


def test_monitor_over_a_thousand_entries(live, tmp_path, capsys):
    env, url = live
    state = tmp_path / "monitor.json"
    bulk_entries(env, 0, 1000)
    assert run_monitor(url, env, state) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["tree_size"], report["new_entries"], report["problems"]) == (1000, 1000, [])
    bulk_entries(env, 1000, 1500 - 1000)  # more than one page (1000 per answer) in the next run
    assert run_monitor(url, env, state) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["previous_size"], report["tree_size"], report["new_entries"]) == (1000, 1500, 500)
    assert run_monitor(url, env, state) == 0
    assert json.loads(capsys.readouterr().out)["new_entries"] == 0

    # A leaf changed under the monitor's eyes (a fork of history it already holds), then the log grows.
    fork(env, 10)
    bulk_entries(env, 1500, 1)
    assert run_monitor(url, env, state) == 1
    codes = [p["code"] for p in json.loads(capsys.readouterr().out)["problems"]]
    assert codes == ["root_mismatch"]


def test_monitor_reports_a_size_going_backwards_and_duplicates(live, tmp_path, capsys):
    env, url = live
    state = tmp_path / "monitor.json"
    bulk_entries(env, 0, 20)
    assert run_monitor(url, env, state) == 0
    capsys.readouterr()
    roll_back(env, 12)
    assert run_monitor(url, env, state) == 1
    assert [p["code"] for p in json.loads(capsys.readouterr().out)["problems"]] == ["size_backwards"]

    other = tmp_path / "other.json"
    bulk_entries(env, 12, 8)
    bulk_entries_dup = SealedProtocolEntry(original_sha256=hashlib.sha256(b"o3").hexdigest(),
                                           sealed_sha256=hashlib.sha256(b"s3").hexdigest(),
                                           organisation_id="solleftea", board="Kommunstyrelsen",
                                           meeting_date=dt.date(2025, 1, 4),
                                           sealed_at=dt.datetime(2025, 9, 11, 8, 0, tzinfo=dt.timezone.utc))
    with env.svc.db.write() as session:
        session.add(LogEntry(index=20, leaf=encode_leaf(bulk_entries_dup), leaf_hash=leaf_hash(bulk_entries_dup).hex(),
                             original_sha256=bulk_entries_dup.original_sha256,
                             sealed_sha256=bulk_entries_dup.sealed_sha256))
    assert run_monitor(url, env, other) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["code"], p["index"]) for p in problems] == [("duplicate", 20), ("duplicate", 20)]


def test_monitor_checks_that_each_sealed_file_starts_with_its_original(live, tmp_path, capsys):
    env, url = live
    publish(env, 3)
    assert run_monitor(url, env, tmp_path / "m.json", "--fetch-files") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files_checked"] == 3 and report["problems"] == []

    # An entry naming an original its sealed file does not start with.
    add_protocol(env, original=fake_pdf("p9"), sealed=fake_pdf("something else") + b"sealed\n%%EOF\n",
                 meeting=dt.date(2025, 9, 20), justerat=dt.date(2025, 9, 21))
    with env.svc.db.read() as session:
        assert session.execute(select(LogEntry.index).order_by(LogEntry.index.desc())).scalars().first() == 3
    assert run_monitor(url, env, tmp_path / "m.json", "--fetch-files") == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["code"], p["index"]) for p in problems] == [("original_not_prefix", 3)]
