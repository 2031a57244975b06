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


def _token_id(database, name: str) -> int:
    from sqlalchemy import select

    from signering.models import ApiToken

    with database.read() as session:
        return session.execute(select(ApiToken.id).filter_by(name=name)).scalar_one()


def test_list_shows_the_tokens_but_never_the_secret(database, capsys):
    _run(["api-token", "create", "--org", "solleftea", "--name", "Mötessystemet"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    _run(["api-token", "create", "--org", "solleftea", "--name", "Provsystemet", "--valid-days", "30"])
    capsys.readouterr()
    with database.write() as session:
        other = create_organisation(session, slug="kramfors", name="Kramfors kommun", key_dir=DEMO_DIR)
        from signering.accounts import create_api_token

        create_api_token(session, other, "Kramfors system")
    assert _run(["api-token", "list", "--org", "solleftea"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].split()[:2] == ["NR", "LÄGE"]
    assert len(lines) == 3 and "Mötessystemet" in out and "Provsystemet" in out and "Kramfors" not in out
    assert token not in out and token[4:20] not in out
    provsystemet = next(line for line in lines if "Provsystemet" in line)
    assert "gäller" in provsystemet and provsystemet.count("Z") == 2  # created and expires; never used: "-"


def test_revoke_ends_the_token_and_stays_in_the_org(database, capsys):
    _run(["api-token", "create", "--org", "solleftea", "--name", "Mötessystemet"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    token_id = _token_id(database, "Mötessystemet")
    with database.write() as session:
        create_organisation(session, slug="kramfors", name="Kramfors kommun", key_dir=DEMO_DIR)
    # Another organisation cannot revoke it: its ids are not found there.
    with pytest.raises(NotFound):
        _run(["api-token", "revoke", "--org", "kramfors", str(token_id)])
    with database.read() as session:
        assert organisation_for_token(session, token) is not None
    assert _run(["api-token", "revoke", "--org", "solleftea", str(token_id)]) == 0
    assert "återkallad" in capsys.readouterr().out
    with database.read() as session:
        assert organisation_for_token(session, token) is None
    _run(["api-token", "list", "--org", "solleftea"])
    assert "återkallad" in capsys.readouterr().out.splitlines()[1]
    with pytest.raises(NotFound):
        _run(["api-token", "revoke", "--org", "solleftea", "999"])


def test_revoke_through_the_real_command_line(database):
    """The installed ``signering`` entry point: a typed error exits 2 with a message, no traceback."""
    import os
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "signering.cli", "api-token", "revoke", "--org", "solleftea", "42"],
                         capture_output=True, text=True, env=os.environ.copy())
    assert run.returncode == 2 and "finns inte" in run.stderr and "Traceback" not in run.stderr
