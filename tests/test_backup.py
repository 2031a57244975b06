"""``signering backup`` / ``signering restore``: SQLite → PostgreSQL → SQLite with real data.

The data is made the way the service makes it: an organisation with the demo keys, a board, a
secretary, one protocol signed by everyone and sealed (with its log entry, notice, events and
mails) and one still out for signing. Every row and every blob must survive both trips.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from pg import fresh_database

from signering import accounts, cli, staff_sessions
from signering.accounts import create_api_token, create_board, create_user
from signering.backup import read_all
from signering.db import Database
from signering.models import Organisation
from signering.storage import BlobStore

from browser_support import start_server
from test_verify_log import seal_protocol



@pytest.fixture
def pg_url():
    with fresh_database("signering_bk") as url:
        yield url


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("source")
    live = start_server(tmp)
    try:
        seal_protocol(live, dt.date(2025, 9, 23))
        live.new_protocol(dt.date(2025, 9, 30))  # out for signing: tokens, codes, waiting requests
    finally:
        live.stop()
    _sessions_and_api_tokens(live.svc.db)
    yield live.svc.db, live.svc.blobs
    live.svc.db.dispose()


def _sessions_and_api_tokens(db: Database) -> None:
    """A staff session and API tokens with every lifecycle column set (expiry, last use, revocation)."""
    now = dt.datetime(2025, 10, 1, 8, 0, tzinfo=dt.timezone.utc)
    with db.write() as session:
        org = session.get(Organisation, 1)
        user = create_user(session, org, email="backup.admin@example.se", password="ett långt lösenord", role="admin")
        staff_sessions.start(session, user.id, now)
        create_api_token(session, org, "Mötessystemet", valid_days=30, now=now)
        create_api_token(session, org, "Gammalt system", now=now)
        tokens = accounts.api_tokens(session, org.id)
        accounts.touch_api_token(session, tokens[0].id, now)
        accounts.revoke_api_token(session, org.id, tokens[1].id, now)


def run(monkeypatch, db_url: str, data_dir: str, *argv) -> int:
    monkeypatch.setenv("SIGNERING_DATABASE_URL", db_url)
    monkeypatch.setenv("SIGNERING_DATA_DIR", data_dir)
    monkeypatch.setenv("SIGNERING_SECRET_KEY", "x" * 32)
    # Registered in cli.COMMAND_MODULES by the lead; added here (once) so the test runs either way.
    monkeypatch.setattr(cli, "COMMAND_MODULES", list(dict.fromkeys([*cli.COMMAND_MODULES, "backup"])))
    return cli.main(list(argv))


def blob_contents(store: BlobStore) -> dict[str, bytes]:
    return {sha: store.read(sha) for sha in store.iter_hashes()}


@pytest.mark.postgres
def test_round_trip_sqlite_postgresql_sqlite(source, pg_url, tmp_path, monkeypatch):
    db, blobs = source
    original_rows, original_blobs = read_all(db), blob_contents(blobs)
    assert original_rows["log_entry"] and original_rows["notice"] and len(original_blobs) >= 4
    assert original_rows["staff_session"]
    assert {"expires_at", "last_used_at", "revoked_at"} <= {k for r in original_rows["api_token"] for k, v in r.items()
                                                            if v is not None}

    first = tmp_path / "backup-sqlite"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(first)) == 0
    assert run(monkeypatch, pg_url, str(tmp_path / "pg-blobs"), "restore", str(first)) == 0
    pg = Database(pg_url)
    try:
        assert read_all(pg) == original_rows
        assert blob_contents(BlobStore(tmp_path / "pg-blobs")) == original_blobs
        # Sequences moved past the restored ids: a new row gets a fresh id, not a clash.
        with pg.write() as session:
            board = create_board(session, session.get(Organisation, 1), name="Byggnadsnämnden")
            session.flush()
            assert board.id > max(r["id"] for r in original_rows["board"])
        with pg.write() as session:
            session.delete(board)

        second = tmp_path / "backup-pg"
        assert run(monkeypatch, pg_url, str(tmp_path / "pg-blobs"), "backup", str(second)) == 0
    finally:
        pg.dispose()
    back_url = f"sqlite:///{tmp_path}/back.sqlite3"
    assert run(monkeypatch, back_url, str(tmp_path / "back-blobs"), "restore", str(second)) == 0
    back = Database(back_url)
    try:
        assert read_all(back) == original_rows
    finally:
        back.dispose()
    assert blob_contents(BlobStore(tmp_path / "back-blobs")) == original_blobs


def _flip_byte(path) -> None:
    # Replaced, not edited in place: a backup's blobs may be hard links to the live store's files.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    os.unlink(path)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("target", ["blob", "jsonl"])
def test_tampered_backup_is_refused_and_nothing_is_written(source, target, tmp_path, monkeypatch, capsys):
    db, blobs = source
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
    if target == "blob":
        victim = sorted((backup_dir / "blobs").iterdir())[0]
    else:
        victim = backup_dir / "db" / "protocol_version.jsonl"
    _flip_byte(victim)
    capsys.readouterr()
    db_path = tmp_path / "restored.sqlite3"
    assert run(monkeypatch, f"sqlite:///{db_path}", str(tmp_path / "restored-blobs"), "restore",
               str(backup_dir)) == 2
    err = capsys.readouterr().err
    assert "skadad eller ändrad" in err and victim.name in err
    assert not db_path.exists() or db_path.stat().st_size == 0
    assert list(BlobStore(tmp_path / "restored-blobs").iter_hashes()) == []
    # The live store was not touched by the tampering.
    assert all(BlobStore(blobs.root).exists(sha) for sha in blob_contents(blobs))


def test_restore_refuses_a_database_with_rows_and_backup_a_used_directory(source, tmp_path, monkeypatch, capsys):
    db, blobs = source
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
    capsys.readouterr()
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 2
    assert "är inte tom" in capsys.readouterr().err
    before = read_all(db)
    assert run(monkeypatch, db.url, blobs.root, "restore", str(backup_dir)) == 2
    err = capsys.readouterr().err
    assert "Databasen är inte tom" in err and "organisation" in err
    assert read_all(db) == before
