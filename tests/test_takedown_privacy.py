"""Issue 9, finding 7: after a notice comes down, public answers keep the verdict, the
organisation, the board and the dates, and drop the signers' names; the sealed PDF (which
names them) is no longer served. Also from the cached answers the QR rush leaves behind.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_public_support import BOARD, SIGNERS, add_protocol, fake_pdf, make_env

from signering.notices import sweep

NAMES = [name for name, _email, _role in SIGNERS]
TAKEDOWN = dt.date(2025, 10, 1)  # justerat 9 September: appeal until 30 September


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path)
    env.p = add_protocol(env, original=fake_pdf("protokoll"), sealed=fake_pdf("protokoll, förseglat"),
                         meeting=dt.date(2025, 9, 2), justerat=dt.date(2025, 9, 9))
    return env


def _public_answers(env) -> list[tuple[str, dict | None, str]]:
    """(label, JSON or None, text) of every public answer about the protocol."""
    out = []
    for sha in (env.p["original_sha256"], env.p["sealed_sha256"]):
        api = env.client.get(f"/api/v1/verify/{sha}")
        assert api.status_code == 200
        out.append((f"api {sha[:8]}", api.get_json(), api.get_data(as_text=True)))
        page = env.client.get(f"/verifiera/{sha}")
        assert page.status_code == 200
        out.append((f"page {sha[:8]}", None, page.get_data(as_text=True)))
    return out


def _assert_down(env):
    for label, data, text in _public_answers(env):
        for name in NAMES:
            assert name not in text, label
        if data is not None:
            assert data["status"] == "sealed" and data["signers"] == [], label
            assert data["organisation"] == "Sollefteå kommun" and data["board"] == BOARD
            assert data["meeting_date"] == "2025-09-02" and data["posted_at"] == "2025-09-09"
            assert data["sealed_at"] and data["sealed_sha256"] == env.p["sealed_sha256"]
            assert data["notice_status"] == "archived"
        else:
            assert "Protokollet är justerat och förseglat." in text and BOARD in text
            assert "allmän handling" in text
            assert f"/protokoll/{env.p['sealed_sha256']}.pdf" not in text
    assert env.client.get(f"/protokoll/{env.p['sealed_sha256']}.pdf").status_code == 404


def test_names_and_pdf_go_when_the_notice_comes_down_even_from_the_cache(env):
    # While up: the names are public, and asking fills the per-process answer caches.
    for label, data, text in _public_answers(env):
        assert all(name in text for name in NAMES), label
    pdf = env.client.get(f"/protokoll/{env.p['sealed_sha256']}.pdf")
    assert pdf.status_code == 200
    pdf.close()

    # The take-down day, seconds later for the caches: names gone before the sweep has run...
    env.clock.set(TAKEDOWN)
    _assert_down(env)
    # ... and after it.
    assert sweep(env.svc) == 1
    _assert_down(env)


def test_caches_keep_the_pdf_no_longer_than_the_notice_is_up(env):
    env.clock.set(TAKEDOWN - dt.timedelta(days=1))  # 10:00 UTC; the board's day ends 22:00 UTC
    pdf = env.client.get(f"/protokoll/{env.p['sealed_sha256']}.pdf")
    assert pdf.status_code == 200
    assert "max-age=43200" in pdf.headers["Cache-Control"]
    pdf.close()
