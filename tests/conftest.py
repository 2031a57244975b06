"""Shared fixtures: real protocol PDFs from the seed texts, the demo keys, a TSA over HTTP."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from signering.pdf.chain import Route, run_chain
from signering.pdf.signature_page import PageSigner
from signering.pki.embedded_tsa import running_tsa
from signering.pki.orgkeys import demo_keys
from signering.textpdf import render_text_pdf, seed_dir

def _is_alias(name: str) -> bool:
    """A seed kept under an old name holds just the new name (shared/seeds renamed one); skip it."""
    path = os.path.join(seed_dir(), name)
    if os.path.getsize(path) > 255:
        return False
    with open(path, encoding="utf-8") as fh:
        target = fh.read().strip()
    return target != name and os.path.exists(os.path.join(seed_dir(), target))


SEEDS = sorted(f for f in os.listdir(seed_dir()) if f.endswith(".txt") and not _is_alias(f))
BASE_URL = "http://localhost:8000"


def seed_text(name: str) -> str:
    with open(os.path.join(seed_dir(), name), encoding="utf-8") as fh:
        return fh.read()


@pytest.fixture(scope="session")
def seed_pdfs() -> dict[str, bytes]:
    return {name: render_text_pdf(seed_text(name)) for name in SEEDS}


@pytest.fixture(scope="session")
def protocol_pdf(seed_pdfs) -> bytes:
    return seed_pdfs["solleftea-ks-au-2024-04-16.txt"]


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


SOLLEFTEA_ROUTE = Route(
    board="Kommunstyrelsens allmänna utskott",
    meeting_date=dt.date(2024, 4, 16),
    signers=(PageSigner("Siv Sjödin", "sekreterare"), PageSigner("Birgitta Häggkvist", "ordforande"),
             PageSigner("John Åberg", "justerare")),
    organisation="Sollefteå kommun",
)


@pytest.fixture(scope="session")
def sealed_pdf(protocol_pdf, keys, timestamper) -> bytes:
    return run_chain(protocol_pdf, SOLLEFTEA_ROUTE, keys, timestamper, BASE_URL)


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
