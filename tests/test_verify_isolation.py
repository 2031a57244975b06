"""Anonymous verification cannot take the web workers' memory (issue 9).

A real server (``signering serve``: gunicorn workers) gets a PDF whose cross-reference table has
three million entries: 60 MB to send, over 700 MB for a parser to hold. The answer must
be a clear "cannot verify", and the gunicorn workers' resident memory (from /proc) must be what
it was before. With every parsing slot taken, a verification answers 503 with Retry-After.
"""

from __future__ import annotations

import fcntl
import os
import time

import pytest
import requests
from smtp_fixture import smtp_server  # noqa: F401 (fixture)

import hostile_pdfs as H
from rss import MiB, children, cmdline, rss

#: 60 MB of file; pyHanko keeps ~240 bytes per entry, beyond the parsing child's 512 MB ceiling.
ENTRIES = 3_000_000
#: What a worker may grow by serving hostile requests: arenas, caches, thread stacks.
ALLOWED_GROWTH = 64 * MiB


def gunicorn_workers(server) -> list[int]:
    masters = [p for p in children(server.proc.pid) if "gunicorn" in cmdline(p)]
    assert len(masters) == 1, masters
    workers = children(masters[0])
    assert workers
    return workers


@pytest.fixture
def server(tmp_path, smtp_server):  # noqa: F811
    from server_process import ServerProcess

    srv = ServerProcess(tmp_path, None, smtp_server.port)
    srv.env.update({"SIGNERING_WORKERS": "2", "SIGNERING_VERIFY_CONCURRENCY": "1", "SIGNERING_VERIFY_WAIT_S": "1"})
    srv.start()
    yield srv
    srv.stop()


def _post_api(server, pdf: bytes, *, raw: bool = False):
    # A fresh connection each time, so that both workers get their share.
    if raw:
        return requests.post(server.base_url + "/api/v1/verify", data=pdf,
                             headers={"Content-Type": "application/pdf", "Connection": "close"}, timeout=90)
    return requests.post(server.base_url + "/api/v1/verify", files={"file": ("p.pdf", pdf, "application/pdf")},
                         headers={"Connection": "close"}, timeout=90)


def _post_page(server, pdf: bytes):
    return requests.post(server.base_url + "/verifiera", files={"file": ("p.pdf", pdf, "application/pdf")},
                         headers={"Connection": "close"}, timeout=90)


def _assert_clear_refusal_json(response):
    assert response.status_code in (200, 422), response.text[:500]
    body = response.json()
    assert body["status"] == "invalid"
    if response.status_code == 422:
        assert body["error"] == "damaged_pdf" and "kunde inte verifieras" in body["message"]
    else:
        assert body["problems"] and not body["signatures"]


def test_hostile_pdf_leaves_the_web_workers_as_they_were(server):
    hostile = H.huge_xref_table(ENTRIES)
    assert len(hostile) < 64 * MiB
    plain = H.protocol_pdf()
    # Warm up every worker and thread: the first verification imports pyHanko and fills caches.
    for _ in range(8):
        assert _post_api(server, plain).status_code == 200
        assert _post_page(server, plain).status_code == 200
    workers = gunicorn_workers(server)
    before = {pid: rss(pid) for pid in workers}

    started = time.monotonic()
    answers = [_post_api(server, hostile), _post_api(server, hostile, raw=True), _post_page(server, hostile),
               _post_page(server, hostile)]
    seconds = time.monotonic() - started
    for answer in answers[:2]:
        _assert_clear_refusal_json(answer)
    for answer in answers[2:]:
        assert answer.status_code in (200, 422), answer.text[:500]
        assert 'data-answer="no"' in answer.text and "Traceback" not in answer.text

    after = {pid: rss(pid) for pid in workers}
    print(f"\nworker RSS (MiB) before -> after {len(answers)} hostile verifications in {seconds:.1f} s: "
          + ", ".join(f"{pid}: {before[pid] / MiB:.0f} -> {after[pid] / MiB:.0f}" for pid in workers))
    assert gunicorn_workers(server) == workers  # no worker was lost (or replaced) on the way
    for pid in workers:
        assert after[pid] - before[pid] < ALLOWED_GROWTH, (pid, before[pid] / MiB, after[pid] / MiB)
    # and the server still verifies
    assert _post_api(server, plain).json()["status"] == "invalid"  # an unsigned protocol, but read


def test_full_queue_answers_503_with_retry_after_and_the_hash_lookup_still_answers(server):
    plain = H.protocol_pdf()
    slot_dir = os.path.join(server.env["SIGNERING_INSTANCE_DIR"], "run")
    os.makedirs(slot_dir, exist_ok=True)
    # The server's one slot (SIGNERING_VERIFY_CONCURRENCY=1), taken the way a running parse takes it.
    with open(os.path.join(slot_dir, "parse-slot-0.lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            api = _post_api(server, plain)
            page = _post_page(server, plain)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
    body = api.json()
    assert body["error"] == "busy" and body["status"] == "invalid" and "Försök igen" in body["message"]
    assert body["registry"]["status"] == "unknown"  # asked by the file's hash, before any parse
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "Försök igen om en stund" in page.text
    # a free slot again: verified as before
    assert _post_api(server, plain).status_code == 200
