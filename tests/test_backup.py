"""``signering backup`` / ``signering restore``: SQLite → PostgreSQL → SQLite with real data.

The data is made the way the service makes it: an organisation with the demo keys, a board, a
secretary, one protocol signed by everyone and sealed (with its log entry, notice, events and
mails) and one still out for signing. Every row and every blob must survive both trips.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pytest
from pg import fresh_database

from signering import accounts, cli, staff_sessions
from signering.accounts import create_api_token, create_board, create_user
from signering.backup import read_all
from signering.db import Database
from signering.models import Organisation
from signering.storage import BlobStore

from browser_support import SECRETARY, start_server
from test_verify_log import seal_protocol



@pytest.fixture(autouse=True)
def backup_key(tmp_path_factory, monkeypatch):
    """One backup key for the session, kept outside every backup directory (as it must be)."""
    path = tmp_path_factory.getbasetemp() / "backup_key"
    monkeypatch.setenv("SIGNERING_BACKUP_KEY_FILE", str(path))
    return path


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


# -- authenticity, file modes, encryption (issue 9) -------------------------------------

def _rewrite_manifest(backup_dir, change) -> None:
    """What an attacker with write access does: change the data and recompute every hash."""
    path = backup_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True))


def _rewrite_table(backup_dir, table: str, change) -> None:
    """Change a table file's rows, then its hash, size and row count in the manifest."""
    import hashlib

    path = backup_dir / "db" / f"{table}.jsonl"
    rows = change([json.loads(line) for line in path.read_text().splitlines()])
    data = "".join(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
                   for r in rows).encode()
    os.unlink(path)  # blobs may be hard links; table files are not, but be as careful
    path.write_bytes(data)

    def recompute(manifest):
        manifest["files"][f"db/{table}.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        manifest["tables"][table] = len(rows)
    _rewrite_manifest(backup_dir, recompute)


def _backdoor_admin(rows):
    return rows + [{**rows[0], "id": 999, "email": "bakdorr@example.se", "role": "admin"}]


def _other_key_dir(rows):
    return [{**r, "key_dir": "/tmp/attackers-keys"} for r in rows]


@pytest.mark.parametrize("table, change", [("user_account", _backdoor_admin), ("organisation", _other_key_dir)])
def test_a_changed_table_with_the_manifest_recomputed_is_refused(source, table, change, tmp_path, monkeypatch,
                                                                  capsys):
    db, blobs = source
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
    _rewrite_table(backup_dir, table, change)
    capsys.readouterr()
    db_path = tmp_path / "restored.sqlite3"
    assert run(monkeypatch, f"sqlite:///{db_path}", str(tmp_path / "restored-blobs"), "restore",
               str(backup_dir)) == 2
    assert "manifest är ändrat" in capsys.readouterr().err
    assert not db_path.exists() or db_path.stat().st_size == 0
    assert list(BlobStore(tmp_path / "restored-blobs").iter_hashes()) == []


def test_a_manifest_without_its_mac_is_refused(source, tmp_path, monkeypatch, capsys):
    db, blobs = source
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
    # As a backup of the old format has it, or an attacker who simply drops the MAC.
    _rewrite_manifest(backup_dir, lambda m: m.pop("authentication"))
    capsys.readouterr()
    assert run(monkeypatch, f"sqlite:///{tmp_path}/r.sqlite3", str(tmp_path / "rb"), "restore", str(backup_dir)) == 2
    assert "går inte att styrka" in capsys.readouterr().err


def test_restore_needs_the_key_that_made_the_backup(source, tmp_path, monkeypatch, capsys):
    db, blobs = source
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
    assert not any("backup_key" in name for _root, _dirs, files in os.walk(backup_dir) for name in files)
    capsys.readouterr()
    monkeypatch.setenv("SIGNERING_BACKUP_KEY_FILE", str(tmp_path / "missing_key"))
    assert run(monkeypatch, f"sqlite:///{tmp_path}/r.sqlite3", str(tmp_path / "rb"), "restore", str(backup_dir)) == 2
    assert "SIGNERING_BACKUP_KEY_FILE" in capsys.readouterr().err
    assert not (tmp_path / "missing_key").exists()  # restore never makes a key
    (tmp_path / "other_key").write_text("ab" * 32 + "\n")
    monkeypatch.setenv("SIGNERING_BACKUP_KEY_FILE", str(tmp_path / "other_key"))
    assert run(monkeypatch, f"sqlite:///{tmp_path}/r.sqlite3", str(tmp_path / "rb"), "restore", str(backup_dir)) == 2
    assert "annan nyckel" in capsys.readouterr().err


def _modes(root) -> dict[str, int]:
    found = {str(root): stat.S_IMODE(os.stat(root).st_mode)}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            found[os.path.join(base, name)] = stat.S_IMODE(os.stat(os.path.join(base, name)).st_mode)
    return found


def test_backup_files_and_the_database_are_for_the_services_user_only(source, tmp_path, monkeypatch, backup_key):
    db, blobs = source
    monkeypatch.setattr(os, "umask", os.umask)  # restored by monkeypatch
    old = os.umask(0o022)
    try:
        backup_dir = tmp_path / "backup"
        backup_dir.mkdir(mode=0o755)  # an empty directory the operator made is fine, and narrowed
        assert run(monkeypatch, db.url, blobs.root, "backup", str(backup_dir)) == 0
        db_path = tmp_path / "new.sqlite3"
        assert run(monkeypatch, f"sqlite:///{db_path}", str(tmp_path / "nb"), "restore", str(backup_dir)) == 0
    finally:
        os.umask(old)
    modes = _modes(backup_dir)
    assert len(modes) > 10
    for path, mode in modes.items():
        assert mode == (0o700 if os.path.isdir(path) else 0o600), (path, oct(mode))
    assert stat.S_IMODE(backup_key.stat().st_mode) == 0o600
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{db_path}{suffix}"):
            assert stat.S_IMODE(os.stat(f"{db_path}{suffix}").st_mode) == 0o600, suffix
    # An existing database left readable by an older version is narrowed when it is opened.
    os.chmod(db_path, 0o644)
    Database(f"sqlite:///{db_path}").dispose()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_encrypted_backup_round_trip_and_tampering(source, tmp_path, monkeypatch, capsys):
    db, blobs = source
    original_rows, original_blobs = read_all(db), blob_contents(blobs)
    backup_dir = tmp_path / "backup"
    assert run(monkeypatch, db.url, blobs.root, "backup", "--encrypt", str(backup_dir)) == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["encryption"] == {"algorithm": "aes-256-gcm"}
    # Nothing of the data can be read from the files: no e-mail address, no PDF.
    users = (backup_dir / "db" / "user_account.jsonl").read_bytes()
    assert SECRETARY.encode() not in users and b"password_hash" not in users and b"email" not in users
    assert not any((backup_dir / "blobs" / sha).read_bytes().startswith(b"%PDF") for sha in original_blobs)

    restored = tmp_path / "restored.sqlite3"
    assert run(monkeypatch, f"sqlite:///{restored}", str(tmp_path / "rb"), "restore", str(backup_dir)) == 0
    back = Database(f"sqlite:///{restored}")
    try:
        assert read_all(back) == original_rows
    finally:
        back.dispose()
    assert blob_contents(BlobStore(tmp_path / "rb")) == original_blobs

    _flip_byte(backup_dir / "db" / "user_account.jsonl")
    capsys.readouterr()
    assert run(monkeypatch, f"sqlite:///{tmp_path}/again.sqlite3", str(tmp_path / "ab"), "restore",
               str(backup_dir)) == 2
    assert "user_account.jsonl" in capsys.readouterr().err
