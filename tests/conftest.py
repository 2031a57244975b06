"""Shared fixtures: real protocol PDFs from the project's sample protocols, the demo keys, a TSA over
HTTP, and the external seed corpus for the tests about it (skipped when it is not there)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from signering.pdf.chain import Route, run_chain
from signering.pdf.signature_page import PageSigner
from signering.pki.embedded_tsa import running_tsa
from signering.pki.orgkeys import demo_keys
from signering.samples import SAMPLES
from signering.textpdf import seed_dir

BASE_URL = "http://localhost:8000"
SAMPLE_NAMES = [s.name for s in SAMPLES]


# --- the external seed corpus (../shared/seeds or SIGNERING_SEEDS), which a clone may not have ------
# Nothing here touches the seed directory at import or collection time: a test that needs it asks
# for the ``seed_text`` fixture, which skips with the reason when the corpus is not there.

def _is_alias(directory: str, name: str) -> bool:
    """A seed kept under an old name holds just the new name (shared/seeds renamed one); skip it."""
    path = os.path.join(directory, name)
    if os.path.getsize(path) > 255:
        return False
    with open(path, encoding="utf-8") as fh:
        target = fh.read().strip()
    return target != name and os.path.exists(os.path.join(directory, target))


def seed_corpus() -> str:
    """The seed directory, or skip the calling test with where it was looked for."""
    directory = seed_dir()
    if not os.path.isdir(directory):
        pytest.skip(f"external seed corpus not found at {directory}; set SIGNERING_SEEDS")
    return directory


def seed_names() -> list[str]:
    directory = seed_corpus()
    return sorted(f for f in os.listdir(directory) if f.endswith(".txt") and not _is_alias(directory, f))


@pytest.fixture
def seed_text():
    """``seed_text(name)``: a seed protocol's text; skips the test without the seed corpus."""
    directory = seed_corpus()

    def read(name: str) -> str:
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            return fh.read()
    return read


# --- the project's own sample protocols (signering/samples) ----------------------------------------

@pytest.fixture(scope="session")
def sample_pdfs() -> dict[str, bytes]:
    return {s.name: s.pdf() for s in SAMPLES}


@pytest.fixture(scope="session")
def protocol_pdf(sample_pdfs) -> bytes:
    return sample_pdfs[SAMPLE_ROUTE_NAME]


@pytest.fixture(scope="session")
def keys():
    return demo_keys(BASE_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database_url(request):
    """The database of a server process the test starts: None (its own SQLite file in the
    instance directory) or a fresh PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    from pg import fresh_database

    with fresh_database("signering_srv") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The URL of a database the test opens itself: a SQLite file in ``tmp_path``, or a fresh
    PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/db.sqlite3"
        return
    from pg import fresh_database

    with fresh_database("signering_db") as url:
        yield url


@pytest.fixture(scope="session")
def tsa_url():
    """The demo organisation's TSA over HTTP on loopback, for services that take a TSA URL."""
    from signering.pki.tsa import serve_in_thread
    from signering.pki.embedded_tsa import authority_for

    url, stop = serve_in_thread(authority_for(demo_keys()).wsgi_app)
    yield url
    stop()


@pytest.fixture(scope="session")
def timestamper(keys):
    with running_tsa(keys) as ts:
        yield ts


# The protocol_pdf sample and the route its own signature block names.
SAMPLE_ROUTE_NAME = "ekasa-mbn-2025-04-08"
SAMPLE_ROUTE = Route(
    board="Miljö- och byggnadsnämnden",
    meeting_date=dt.date(2025, 4, 8),
    signers=(PageSigner("Lina Åström", "sekreterare"), PageSigner("Bengt Öhman", "ordforande"),
             PageSigner("Yvonne Sjödahl", "justerare")),
    organisation="Ekåsa kommun",
)


@pytest.fixture(scope="session")
def sealed_pdf(protocol_pdf, keys, timestamper) -> bytes:
    return run_chain(protocol_pdf, SAMPLE_ROUTE, keys, timestamper, BASE_URL)


@pytest.fixture(scope="session")
def sealed_path(sealed_pdf, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("sealed") / "sealed.pdf"
    path.write_bytes(sealed_pdf)
    return str(path)


def pytest_collection_modifyitems(items):
    # Tests that run on both databases take the backend as a parameter named after it; mark the
    # PostgreSQL ones so `-m postgres` (or `-m "not postgres"`) selects them.
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in params.values():
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module that asks for it."""
    from playwright.sync_api import sync_playwright

    from browser_support import launch

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()
