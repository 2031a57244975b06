"""Taking an upload in: streaming hash, size limit, atomic storage, and refusal of hostile PDFs."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from pypdf import PdfReader

from signering.errors import (
    ActiveContent, AlreadySigned, CertifiedPdf, DamagedPdf, EmptyFile, EncryptedPdf, NoPages, NotAPdf,
    PdfRejected, TooLarge,
)
from signering.hashing import DEFAULT_MAX_BYTES, sha256_file, stream_to_file
from signering.ingest import IngestedPdf, check_pdf, check_pdf_isolated, ingest
from signering.ingest.isolated import run_isolated
from signering.storage import BlobStore
from signering.textpdf import render_text_pdf

sys.path.insert(0, os.path.dirname(__file__))
import hostile_pdfs as H  # noqa: E402
from conftest import SAMPLE_NAMES  # noqa: E402

MiB = 1024 * 1024

#: name -> (error class, details["reason"] when the reason proves the cause)
EXPECTED = {
    "empty": (EmptyFile, None),
    "png_renamed": (NotAPdf, None),
    "text_renamed": (NotAPdf, None),
    "truncated": (DamagedPdf, "no_end_marker"),
    "truncated_before_end_marker": (DamagedPdf, "no_end_marker"),
    "garbage_before_header": (DamagedPdf, "header_not_at_start"),
    "garbage_after_end": (DamagedPdf, "data_after_end"),
    "garbage_inserted_after_header": (DamagedPdf, None),
    "xref_offsets_wrong": (DamagedPdf, None),
    "one_object_misplaced": (DamagedPdf, "xref_offset_mismatch"),
    "xref_keyword_gone": (DamagedPdf, None),
    "startxref_beyond_end": (DamagedPdf, None),
    "xref_prev_loop": (DamagedPdf, None),
    "zero_pages": (NoPages, None),
    "page_tree_cycle": (DamagedPdf, "page_tree_cycle"),
    "page_tree_self_parent": (DamagedPdf, "page_tree_parent"),
    "page_count_lies": (DamagedPdf, "page_count_mismatch"),
    "reference_loop": (DamagedPdf, None),
    "nested_arrays": (DamagedPdf, "nesting_too_deep"),
    "nested_dicts": (DamagedPdf, "nesting_too_deep"),
    "nested_in_trailer": (DamagedPdf, "nesting_too_deep"),
    "content_stream_bomb": (DamagedPdf, "content_stream_too_large"),
    "object_stream_bomb": (DamagedPdf, "stream_too_large"),
    "open_action_javascript": (ActiveContent, "action_javascript"),
    "open_action_goto_then_javascript": (ActiveContent, "action_javascript"),
    "open_action_uri": (ActiveContent, "action_uri"),
    "document_javascript": (ActiveContent, "document_javascript"),
    "document_additional_actions": (ActiveContent, "document_additional_actions"),
    "page_additional_actions": (ActiveContent, "page_additional_actions"),
    "launch_link": (ActiveContent, "action_launch"),
    "javascript_uri_link": (ActiveContent, "uri_scheme"),
    "launch_bookmark": (ActiveContent, "action_launch"),
    "submit_form_button": (ActiveContent, "action_submitform"),
    "rich_media_annotation": (ActiveContent, "multimedia_annotation"),
    "encrypted": (EncryptedPdf, None),
    "encrypted_without_user_password": (EncryptedPdf, None),
    "certified": (CertifiedPdf, None),
    "approval_signed": (AlreadySigned, None),
    "certified_without_perms": (CertifiedPdf, None),
}
#: The cases that attack memory or time; they also run in a limited child process.
HEAVY = ["nested_arrays", "nested_dicts", "nested_in_trailer", "reference_loop",
         "content_stream_bomb", "object_stream_bomb"]


def _store(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def _files(store: BlobStore) -> list[str]:
    """Every file in the store, blobs and temporary files alike, relative to its root."""
    return sorted(os.path.relpath(os.path.join(root, name), store.root)
                  for root, _dirs, names in os.walk(store.root) for name in names)


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_every_hostile_file_has_an_expectation():
    assert set(EXPECTED) == set(H.HOSTILE)


@pytest.mark.parametrize("name", sorted(H.HOSTILE))
def test_hostile_file_is_refused_with_its_typed_error(tmp_path, name):
    error, reason = EXPECTED[name]
    path = _write(tmp_path, name + ".pdf", H.HOSTILE[name]())
    with pytest.raises(PdfRejected) as caught:
        check_pdf(path)
    assert type(caught.value) is error, caught.value.details
    if reason is not None:
        assert caught.value.details.get("reason") == reason


@pytest.mark.parametrize("name", sorted(H.HOSTILE))
def test_ingest_of_hostile_file_leaves_nothing_behind(tmp_path, name):
    store = _store(tmp_path)
    # In-process checker for speed; the default (child process) is exercised below.
    with pytest.raises(EXPECTED[name][0]):
        ingest(io.BytesIO(H.HOSTILE[name]()), store, checker=check_pdf)
    assert _files(store) == []


@pytest.mark.parametrize("name", ["truncated", "nested_dicts", "launch_link", "certified", "zero_pages"])
def test_ingest_checks_in_a_child_process_by_default(tmp_path, name):
    store = _store(tmp_path)
    with pytest.raises(EXPECTED[name][0]):
        ingest(io.BytesIO(H.HOSTILE[name]()), store)
    assert _files(store) == []


def test_ingest_checks_the_temporary_file_before_it_gets_its_real_name(tmp_path):
    store, data = _store(tmp_path), H.protocol_pdf()
    seen = []

    def checker(path: str) -> int:
        # What the check sees: a complete temporary file in tmp/, and no blob yet.
        seen.append((os.path.dirname(path), open(path, "rb").read() == data, list(store.iter_hashes())))
        return check_pdf(path)

    result = ingest(io.BytesIO(data), store, checker=checker)
    assert seen == [(store.tmp_dir, True, [])]
    assert list(store.iter_hashes()) == [result.sha256] and os.listdir(store.tmp_dir) == []


def test_memory_ceiling_turns_a_huge_xref_table_into_a_typed_error(tmp_path):
    # pyHanko keeps ~240 bytes per xref entry: 400,000 entries (8 MB of file) need ~95 MB.
    limit = 128 * MiB
    assert check_pdf_isolated(_write(tmp_path, "ok.pdf", H.protocol_pdf()), memory_limit=limit) == H.PROTOCOL_PAGES
    path = _write(tmp_path, "huge.pdf", H.huge_xref_table(400_000))
    with pytest.raises(DamagedPdf) as caught:
        check_pdf_isolated(path, memory_limit=limit, timeout=20)
    assert caught.value.details == {"reason": "too_much_memory"}


@pytest.mark.parametrize("name", HEAVY)
def test_heavy_hostile_file_stays_within_memory_and_time(tmp_path, name):
    error, reason = EXPECTED[name]
    path = _write(tmp_path, name + ".pdf", H.HOSTILE[name]())
    result = run_isolated(path, memory_limit=512 * MiB, timeout=20)
    assert result.error_code == error.code
    if reason is not None:
        assert result.error_details.get("reason") == reason
    assert result.peak_rss_growth < 256 * MiB
    assert result.seconds < 10


def test_bomb_would_really_inflate_to_hundreds_of_megabytes():
    # The bomb test means something only if the stream is as large as claimed.
    pdf = H.content_stream_bomb()
    start = pdf.index(b"stream\n", pdf.index(b"4 0 obj")) + len(b"stream\n")
    end = pdf.index(b"\nendstream", start)
    inflater = __import__("zlib").decompressobj()
    total, data = 0, pdf[start:end]
    while data:
        total += len(inflater.decompress(data, 16 * MiB))
        data = inflater.unconsumed_tail
    assert total >= 300 * MiB
    assert len(pdf) < MiB


def test_isolated_check_raises_the_same_typed_errors(tmp_path):
    assert check_pdf_isolated(_write(tmp_path, "ok.pdf", H.protocol_pdf())) == H.PROTOCOL_PAGES
    with pytest.raises(EncryptedPdf):
        check_pdf_isolated(_write(tmp_path, "enc.pdf", H.encrypted()))
    with pytest.raises(DamagedPdf) as caught:
        check_pdf_isolated(_write(tmp_path, "cycle.pdf", H.page_tree_cycle()))
    assert caught.value.details == {"reason": "page_tree_cycle"}


@pytest.mark.parametrize("name", sorted(H.HARMLESS))
def test_look_alikes_of_hostile_files_are_accepted(tmp_path, name):
    assert check_pdf(_write(tmp_path, name + ".pdf", H.HARMLESS[name]())) == 1


@pytest.mark.parametrize("depth", [10, 40])
def test_moderate_nesting_is_accepted(tmp_path, depth):
    for make in (H.nested_arrays, H.nested_dicts, H.nested_in_trailer):
        assert check_pdf(_write(tmp_path, "n.pdf", make(depth))) == 1


def _append_signature_page(original: bytes) -> bytes:
    """What the signature page step does: a new last page with an empty signature field."""
    writer = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
    pages_before = writer.root["/Pages"]["/Count"]
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject(map(generic.NumberObject, (0, 0, 595, 842))),
        generic.pdf_name("/Resources"): generic.DictionaryObject(),
    })
    writer.insert_page(page)
    append_signature_field(writer, SigFieldSpec("Sekreterare", on_page=pages_before, box=(50, 50, 250, 100)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("name", SAMPLE_NAMES)
@pytest.mark.parametrize("layout", ["plain", "table"])
def test_real_protocol_is_ingested_with_its_hash_and_page_count(tmp_path, name, layout):
    data = render_text_pdf(H.sample_text(name), layout=layout, header="Protokoll", min_pages=2)
    store = _store(tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    result = ingest(io.BytesIO(data), store)
    assert result == IngestedPdf(path=store.path(sha), sha256=sha, size=len(data),
                                 page_count=len(PdfReader(io.BytesIO(data)).pages))
    assert result.page_count >= 2
    assert store.read(sha) == data
    assert _files(store) == [os.path.join(sha[:2], sha[2:4], sha)]
    assert sha256_file(result.path) == result.sha256


@pytest.mark.parametrize("make", [H.protocol_pdf, *H.HARMLESS.values()], ids=lambda f: f.__name__)
def test_accepted_file_takes_a_signature_page_and_keeps_its_bytes_first(tmp_path, make):
    original = make()
    pages = check_pdf(_write(tmp_path, "in.pdf", original))
    updated = _append_signature_page(original)
    assert updated.startswith(original)
    assert len(PdfReader(io.BytesIO(updated)).pages) == pages + 1
    # A file with an empty signature field and an incremental update is still acceptable.
    assert check_pdf(_write(tmp_path, "out.pdf", updated)) == pages + 1
    reader = PdfFileReader(io.BytesIO(updated), strict=False)
    assert reader.xrefs.total_revisions == 2


@pytest.mark.parametrize("options", [["--object-streams=generate"], ["--linearize"],
                                     ["--linearize", "--object-streams=generate"], ["--qdf"]])
def test_other_writers_encodings_of_a_protocol_are_accepted(tmp_path, options):
    # qpdf rewrites the same protocol with object and xref streams, linearization, QDF layout.
    source = _write(tmp_path, "in.pdf", H.protocol_pdf())
    target = str(tmp_path / "out.pdf")
    subprocess.run(["qpdf", *options, source, target], check=True)
    assert check_pdf(target) == H.PROTOCOL_PAGES
    with open(target, "rb") as f:
        original = f.read()
    assert _append_signature_page(original).startswith(original)


def test_ingest_overwrites_nothing_when_rejected(tmp_path):
    store = _store(tmp_path)
    kept = ingest(io.BytesIO(H.protocol_pdf()), store)
    before = _files(store)
    with pytest.raises(ActiveContent):
        ingest(io.BytesIO(H.launch_link()), store)
    assert store.read(kept.sha256) == H.protocol_pdf()
    assert _files(store) == before


def test_ingest_can_check_in_process(tmp_path):
    store = _store(tmp_path)
    result = ingest(io.BytesIO(H.protocol_pdf()), store, checker=check_pdf)
    assert result.page_count == H.PROTOCOL_PAGES
    with pytest.raises(CertifiedPdf):
        ingest(io.BytesIO(H.certified()), store, checker=check_pdf)
    assert list(store.iter_hashes()) == [result.sha256] and os.listdir(store.tmp_dir) == []


def test_the_same_bytes_again_are_the_same_blob(tmp_path):
    store = _store(tmp_path)
    first = ingest(io.BytesIO(H.protocol_pdf()), store, checker=check_pdf)
    assert ingest(io.BytesIO(H.protocol_pdf()), store, checker=check_pdf) == first
    assert list(store.iter_hashes()) == [first.sha256] and os.listdir(store.tmp_dir) == []


def test_ingest_removes_partial_file_when_the_upload_breaks(tmp_path):
    class BrokenUpload(io.RawIOBase):
        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent >= 3 * MiB:
                raise ConnectionResetError("client went away")
            n = len(buffer)
            buffer[:n] = b"%" * n
            self.sent += n
            return n

    store = _store(tmp_path)
    with pytest.raises(ConnectionResetError):
        ingest(BrokenUpload(), store)
    assert _files(store) == []


# --- size limit ------------------------------------------------------------------------------

def test_upload_over_the_limit_is_refused_after_one_byte_too_many():
    upload = H.EndlessUpload()
    with pytest.raises(TooLarge) as caught:
        stream_to_file(upload, io.BytesIO(), max_bytes=5 * MiB + 3)
    assert upload.served == 5 * MiB + 4
    assert caught.value.details == {"limit_bytes": 5 * MiB + 3}
    assert "5 MB" in caught.value.message("sv") and "5 MB" in caught.value.message("en")


def test_default_limit_is_100_megabytes_and_applies_to_ingest(tmp_path):
    assert DEFAULT_MAX_BYTES == 100 * MiB
    upload, store = H.EndlessUpload(), _store(tmp_path)
    with pytest.raises(TooLarge):
        ingest(upload, store)
    assert upload.served == DEFAULT_MAX_BYTES + 1
    assert _files(store) == []


def test_upload_exactly_at_the_limit_is_accepted(tmp_path):
    data, store = H.protocol_pdf(), _store(tmp_path)
    result = ingest(io.BytesIO(data), store, max_bytes=len(data))
    assert result.size == len(data)
    store.delete(result.sha256)
    with pytest.raises(TooLarge):
        ingest(io.BytesIO(data), store, max_bytes=len(data) - 1)
    assert _files(store) == []


# --- hashing ---------------------------------------------------------------------------------

class ReadOnly:
    """A stream with ``read`` only (no ``readinto``), as some upload wrappers are."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def read(self, n=-1):
        return self._inner.read(n)


class TrickleWriter(io.RawIOBase):
    """A raw destination that accepts at most 1000 bytes per write, as raw files may."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        chunk = bytes(b[:1000])
        self.buf += chunk
        return len(chunk)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096 + 17])
def test_stream_to_file_copies_and_hashes_exactly(size):
    data = os.urandom(size)
    for source in (io.BytesIO(data), ReadOnly(data)):
        dest = TrickleWriter()
        assert stream_to_file(source, dest, chunk_size=4096) == (hashlib.sha256(data).hexdigest(), size)
        assert bytes(dest.buf) == data


def test_sha256_file_of_a_path_and_of_a_stream_from_its_position(tmp_path):
    data = os.urandom(2 * MiB + 123)
    path = _write(tmp_path, "blob", data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert sha256_file(path, chunk_size=777) == hashlib.sha256(data).hexdigest()
    stream = io.BytesIO(data)
    stream.seek(100)
    assert sha256_file(stream) == hashlib.sha256(data[100:]).hexdigest()


# --- no other exception, whatever the bytes --------------------------------------------------

@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=len(H.protocol_pdf())),
    flips=st.lists(st.tuples(st.integers(min_value=0, max_value=len(H.protocol_pdf()) - 1),
                             st.integers(min_value=0, max_value=255)), max_size=8),
)
def test_mangled_protocol_gives_a_page_count_or_a_typed_error(tmp_path, cut, flips):
    data = bytearray(H.protocol_pdf())
    for position, value in flips:
        data[position] = value
    mangled = bytes(data[:cut]) if cut < len(data) - 1 else bytes(data)
    path = _write(tmp_path, "m.pdf", mangled)
    try:
        pages = check_pdf(path)
    except PdfRejected:
        return
    assert pages == H.PROTOCOL_PAGES
