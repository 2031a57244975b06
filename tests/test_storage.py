"""The content-addressed blob store on a real temp directory."""

import hashlib
import io
import os
import time

import pytest

from signering.errors import BlobNotFound, InvalidBlobId, TooLarge
from signering.storage import BlobStore, check_sha


@pytest.fixture
def store(tmp_path):
    # A small chunk size makes the multi-chunk paths run on small test data.
    return BlobStore(tmp_path / "blobs", chunk_size=1024)


def temp_files(store):
    return os.listdir(store.tmp_dir)


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_put_bytes_stores_under_sha256_and_reads_back(store):
    data = "Protokoll från Kommunstyrelsen §§ 1–12, åäö".encode() * 500
    sha = store.put_bytes(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == os.path.join(store.root, sha[:2], sha[2:4], sha)
    assert store.exists(sha)
    assert store.read(sha) == data
    with store.open(sha) as fh:
        assert fh.read(10) == data[:10]
    assert store.verify(sha)
    assert list(store.iter_hashes()) == [sha]
    assert temp_files(store) == []


def test_put_stream_returns_size_and_dedupes(store):
    data = os.urandom(5000)
    sha, size = store.put_stream(io.BytesIO(data))
    assert (sha, size) == (hashlib.sha256(data).hexdigest(), 5000)
    first_inode = os.stat(store.path(sha)).st_ino
    assert store.put_stream(io.BytesIO(data)) == (sha, 5000)
    # The second write was dropped, not renamed over the first.
    assert os.stat(store.path(sha)).st_ino == first_inode
    assert list(store.iter_hashes()) == [sha]
    assert temp_files(store) == []


def test_empty_blob(store):
    sha = store.put_bytes(b"")
    assert sha == hashlib.sha256(b"").hexdigest()
    assert store.read(sha) == b""


def test_too_large_raises_and_leaves_no_temp_and_no_blob(store):
    with pytest.raises(TooLarge):
        store.put_stream(io.BytesIO(b"x" * 3001), max_bytes=3000)
    assert temp_files(store) == []
    assert list(store.iter_hashes()) == []
    # Exactly at the limit is allowed.
    sha, size = store.put_stream(io.BytesIO(b"x" * 3000), max_bytes=3000)
    assert size == 3000 and store.exists(sha)


def test_error_from_the_stream_removes_the_temp(store):
    class Broken(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def readable(self):
            return True

        def readinto(self, view):
            self.calls += 1
            if self.calls > 2:
                raise ConnectionResetError("client went away")
            view[:100] = b"a" * 100
            return 100

    with pytest.raises(ConnectionResetError):
        store.put_stream(Broken())
    assert temp_files(store) == []
    assert list(store.iter_hashes()) == []


@pytest.mark.parametrize("bad", [
    "../../etc/passwd",
    "A" * 64,
    "a" * 63,
    "a" * 65,
    "a" * 64 + "\n",
    "g" * 64,
    "/" + "a" * 63,
    "",
    None,
    b"a" * 64,
])
def test_invalid_sha_is_rejected_everywhere(store, bad):
    for call in (store.path, store.exists, store.open, store.read, store.delete, store.verify):
        with pytest.raises(InvalidBlobId) as info:
            call(bad)
        assert info.value.code == "invalid_blob_id"
    with pytest.raises(InvalidBlobId):
        store.sweep({bad})


def test_uppercase_in_keep_is_refused_rather_than_deleting_the_blob(store):
    sha = store.put_bytes(b"protokoll")
    with pytest.raises(InvalidBlobId):
        store.sweep({sha.upper()})
    assert store.exists(sha)


def test_missing_blob(store):
    sha = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(sha)
    assert not store.verify(sha)
    assert store.delete(sha) is False
    with pytest.raises(BlobNotFound) as info:
        store.read(sha)
    assert "lagringen" in info.value.message("sv")


def test_delete(store):
    sha = store.put_bytes(b"utkast")
    assert store.delete(sha) is True
    assert not store.exists(sha)
    assert list(store.iter_hashes()) == []


def test_verify_detects_changed_bytes(store):
    sha = store.put_bytes(b"original protocol bytes")
    with open(store.path(sha), "r+b") as fh:
        fh.write(b"O")
    assert not store.verify(sha)


def test_truncated_copy_is_replaced_by_a_fresh_put(store):
    data = b"sealed protocol " * 200
    sha = store.put_bytes(data)
    with open(store.path(sha), "r+b") as fh:
        fh.truncate(100)
    assert store.put_bytes(data) == sha
    assert store.verify(sha)


def test_sweep_removes_orphans_and_stale_temps_keeps_named(store):
    named = store.put_bytes(b"named by a row")
    orphan = store.put_bytes(b"row never committed")
    stray_tmp = os.path.join(store.tmp_dir, "leftover.part")
    with open(stray_tmp, "wb") as fh:
        fh.write(b"half an upload")
    # A file that is not a blob (wrong place for its name) is not ours to delete.
    misplaced = os.path.join(store.root, "00", "00", orphan)
    os.makedirs(os.path.dirname(misplaced))
    with open(misplaced, "wb") as fh:
        fh.write(b"?")

    removed = store.sweep({named})
    assert removed == [orphan]
    assert store.exists(named) and store.read(named) == b"named by a row"
    assert not store.exists(orphan)
    assert temp_files(store) == []
    assert os.path.exists(misplaced)
    assert list(store.iter_hashes()) == [named]


def test_sweep_with_age_leaves_recent_files(store):
    old_orphan = store.put_bytes(b"old orphan")
    new_orphan = store.put_bytes(b"new orphan, its row is being committed right now")
    age(store.path(old_orphan), 3600)
    old_tmp = os.path.join(store.tmp_dir, "old.part")
    new_tmp = os.path.join(store.tmp_dir, "new.part")
    for p in (old_tmp, new_tmp):
        with open(p, "wb") as fh:
            fh.write(b"x")
    age(old_tmp, 3600)

    assert store.sweep(set(), older_than_seconds=600) == [old_orphan]
    assert store.exists(new_orphan)
    assert sorted(temp_files(store)) == ["new.part"]


def test_putting_an_old_orphan_again_protects_it_from_an_aged_sweep(store):
    data = b"uploaded twice"
    sha = store.put_bytes(data)
    age(store.path(sha), 3600)
    store.put_bytes(data)
    assert store.sweep(set(), older_than_seconds=600) == []
    assert store.exists(sha)


def test_simulated_crash_before_rename_is_cleaned_by_sweep_in_a_new_process_view(store, tmp_path):
    # Do what put_stream does up to the crash: a temp file fully written, never renamed.
    data = b"crashed upload " * 100
    crashed = os.path.join(store.tmp_dir, "tmpcrash.part")
    with open(crashed, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    kept = store.put_bytes(b"committed earlier")

    # After the restart: a new store object on the same directory, as the app would build.
    restarted = BlobStore(tmp_path / "blobs")
    assert not restarted.exists(hashlib.sha256(data).hexdigest())
    assert restarted.sweep({kept}) == []
    assert temp_files(restarted) == []
    assert restarted.read(kept) == b"committed earlier"


def test_check_sha_returns_valid_ids():
    sha = hashlib.sha256(b"x").hexdigest()
    assert check_sha(sha) == sha
