"""``signering api-token create`` prints a working token on its last line."""

from __future__ import annotations

import argparse

import pytest

from signering.accounts import create_organisation, organisation_for_token
from signering.commands import api_token
from signering.db import Database
from signering.pki.keys import DEMO_DIR
from signering.workflow.errors import NotFound


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="signering")
    sub = parser.add_subparsers(dest="command", required=True)
    api_token.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture()
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    for name, value in {"SIGNERING_DATABASE_URL": url, "SIGNERING_INSTANCE_DIR": str(tmp_path / "instance"),
                        "SIGNERING_DATA_DIR": str(tmp_path / "blobs"), "SIGNERING_SECRET_KEY": "s" * 32}.items():
        monkeypatch.setenv(name, value)
    db = Database(url)
    db.upgrade()
    with db.write() as session:
        create_organisation(session, slug="solleftea", name="Sollefteå kommun", key_dir=DEMO_DIR)
    yield db
    db.dispose()


def test_create_prints_the_token_last_and_it_authenticates(database, capsys):
    assert _run(["api-token", "create", "--org", "solleftea", "--name", "Mötessystemet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    token = lines[-1]
    assert token.startswith("sgn_") and len(lines) >= 2
    assert "Sollefteå kommun" in lines[0]
    with database.read() as session:
        assert organisation_for_token(session, token).slug == "solleftea"
    # Each run makes a new token; the first keeps working.
    assert _run(["api-token", "create", "--org", "solleftea", "--name", "Andra systemet"]) == 0
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert second != token
    with database.read() as session:
        assert organisation_for_token(session, token) is not None


def test_unknown_organisation_is_a_typed_error(database):
    with pytest.raises(NotFound):
        _run(["api-token", "create", "--org", "finns-inte", "--name", "x"])


def test_name_and_org_are_required(database):
    with pytest.raises(SystemExit):
        _run(["api-token", "create", "--org", "solleftea"])
