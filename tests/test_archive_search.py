"""The anslagstavla's archive search, matched and paged in the database (issue 15): Swedish
letters in either case, % and _ as themselves, pages with the total, corrections kept in the
stored search text, and the migration that fills it for notices written before it."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from clock import FixedClock
from sqlalchemy import event, insert, select

from signering.accounts import create_board, create_organisation
from signering.db import Database, alembic_config
from signering.models import Notice
from signering.notices import archived, correct, post_notice, sweep
from signering.pki.keys import DEMO_DIR
from signering.storage import BlobStore
from signering.workflow.services import Services, Settings

TODAY = dt.date(2025, 9, 10)
BOARD = "Älvdalsnämnden"
OTHER = "Kommunstyrelsen"
TITLES = ["Öppet sammanträde om ån", "Taxa 50 % rabatt", "Taxa 50 kronor", "Budget_2025", "Budget 2025"]
MEETINGS = 12


@pytest.fixture
def env(database_url, tmp_path):
    svc = Services(db=Database(database_url), blobs=BlobStore(str(tmp_path / "blobs")),
                   settings=Settings(base_url="http://localhost", secret_key=b"x" * 32), clock=FixedClock(TODAY))
    svc.db.upgrade()
    with svc.db.write() as session:
        org = create_organisation(session, slug="solleftea", name="Sollefteå kommun", key_dir=DEMO_DIR)
        create_board(session, org, name=BOARD)
        create_board(session, org, name=OTHER)
        org_id = org.id
    ids = {}
    for title in TITLES:
        ids[title] = post_notice(svc, org_id, "kungorelse", title, "", TODAY, TODAY + dt.timedelta(days=1),
                                 board_name=OTHER)
    # one a day, so newest first is a known order
    ids["meetings"] = [post_notice(svc, org_id, "kallelse", f"Kallelse till möte {n}", "", TODAY + dt.timedelta(days=n),
                                   TODAY + dt.timedelta(days=n + 1), board_name=BOARD) for n in range(MEETINGS)]
    svc.clock.set(TODAY + dt.timedelta(days=MEETINGS + 1))
    sweep(svc)
    yield svc, org_id, ids
    svc.db.dispose()


def titles(svc, org_id, query, **kw) -> tuple[list[str], int]:
    with svc.db.read() as session:
        found, total = archived(session, org_id, query, **kw)
        return [n.title for n in found], total


def test_swedish_letters_match_in_either_case(env):
    svc, org_id, _ids = env
    assert titles(svc, org_id, "öPPET SAMMANTRÄDE OM ÅN")[0] == ["Öppet sammanträde om ån"]
    assert titles(svc, org_id, "Ån")[0] == ["Öppet sammanträde om ån"]
    # the board's name is searched too, "ÄLVDALS" finding "Älvdalsnämnden"'s notices
    found, total = titles(svc, org_id, "ÄLVDALSNÄMND")
    assert total == MEETINGS and found[0] == f"Kallelse till möte {MEETINGS - 1}"
    assert titles(svc, org_id, "  kallelse   TILL\tmöte 3 ")[0] == ["Kallelse till möte 3"]
    assert titles(svc, org_id, "finns inte") == ([], 0)


def test_percent_and_underscore_are_matched_as_themselves(env):
    svc, org_id, _ids = env
    assert titles(svc, org_id, "50 %") == (["Taxa 50 % rabatt"], 1)
    assert titles(svc, org_id, "%") == (["Taxa 50 % rabatt"], 1)
    assert titles(svc, org_id, "t_2") == (["Budget_2025"], 1)
    assert titles(svc, org_id, "/") == ([], 0)  # SQLAlchemy's escape character, also as itself


def test_pages_come_newest_first_with_the_total(env):
    svc, org_id, _ids = env
    every, total = titles(svc, org_id, "", limit=100)
    assert total == len(every) == MEETINGS + len(TITLES)
    assert every[:2] == [f"Kallelse till möte {MEETINGS - 1}", f"Kallelse till möte {MEETINGS - 2}"]
    pages = [titles(svc, org_id, "kallelse", offset=offset, limit=5) for offset in (0, 5, 10, 15)]
    assert [len(p) for p, _t in pages] == [5, 5, 2, 0]
    assert {t for _p, t in pages} == {MEETINGS}
    assert [title for p, _t in pages for title in p] == [f"Kallelse till möte {n}" for n in reversed(range(MEETINGS))]


def test_the_search_reads_only_its_page(env):
    # Before, every archived notice's title and board of the organisation was read and matched in
    # Python: the search grew with the archive. Each query now pages or counts in the database.
    svc, org_id, _ids = env
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(svc.db.engine, "before_cursor_execute", seen)
    try:
        assert len(titles(svc, org_id, "kallelse", offset=5, limit=5)[0]) == 5
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", seen)
    on_notices = [s for s in statements if "FROM notice" in s]
    assert on_notices and all("LIMIT" in s or "count(" in s.lower() for s in on_notices), on_notices


def test_a_corrected_title_is_found_by_its_new_words(env):
    svc, org_id, _ids = env
    up = post_notice(svc, org_id, "kungorelse", "Granskning av detaljplan", "", svc.today(),
                     svc.today() + dt.timedelta(days=3))
    correct(svc, org_id, up, "Fel namn på planen", title="Granskning av ÄNGSBACKENS detaljplan")
    svc.clock.set(svc.today() + dt.timedelta(days=3))
    sweep(svc)
    assert titles(svc, org_id, "ängsbacken")[0] == ["Granskning av ÄNGSBACKENS detaljplan"]
    assert titles(svc, org_id, "granskning av detaljplan") == ([], 0)


def test_the_migration_fills_the_search_text_of_existing_notices(database_url):
    command.upgrade(alembic_config(database_url), "0013")
    db = Database(database_url)
    try:
        with db.write() as session:
            org_id = create_organisation(session, slug="gammal", name="O", key_dir=DEMO_DIR).id
        with db.engine.begin() as conn:
            conn.execute(insert(_old_notice_table()), [
                dict(id=n, organisation_id=org_id, kind="kungorelse", title=f"Öppet möte {n}", body="",
                     board_name="Älvdalsnämnden", posted_date=TODAY, takedown_date=TODAY, forvaringsplats="",
                     signers=[], status="archived", created_at=dt.datetime(2025, 1, 1), correction_note="",
                     takedown_reason="") for n in (1, 2)])
        db.upgrade()
        with db.read() as session:
            assert session.execute(select(Notice.search_text).order_by(Notice.id)).scalars().all() == [
                "öppet möte 1\nälvdalsnämnden", "öppet möte 2\nälvdalsnämnden"]
    finally:
        db.dispose()


def _old_notice_table():
    """The notice table as migration 0013 leaves it: every column but the search text."""
    from sqlalchemy import MetaData, Table

    old = Table("notice", MetaData())
    for column in Notice.__table__.columns:
        if column.name != "search_text":
            old.append_column(column._copy())
    return old
