"""Shared set-up for the API tests (no tests here): a real app over SQLite and a blob store.

Two organisations with the demo keys, one board each, one API token each.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from signering.accounts import create_api_token, create_board, create_organisation
from signering.db import Database
from signering.models import OutboxMail
from signering.pki.keys import DEMO_DIR
from signering.workflow.services import Services
from web.app import create_app

BOARD = "Kommunstyrelsens allmänna utskott"
SIGNERS = [
    {"name": "Siv Sjödin", "email": "siv.sjodin@example.se", "role": "sekreterare"},
    {"name": "Birgitta Häggkvist", "email": "birgitta@example.se", "role": "ordforande"},
    {"name": "John Åberg", "email": "john.aberg@example.se", "role": "justerare"},
]


@dataclass
class ApiEnv:
    app: Flask
    svc: Services
    data_dir: str
    token: str
    other_token: str

    @property
    def client(self):
        return self.app.test_client()

    def auth(self, token: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token or self.token}"}

    def blob_files(self) -> set[str]:
        found = set()
        for root, _dirs, files in os.walk(self.data_dir):
            found.update(os.path.join(root, f) for f in files)
        return found


_TEMPLATE: dict = {}


def _template_db() -> tuple[str, str, str]:
    """A migrated database with the two organisations, built once and copied for each test.

    Running the migrations takes most of a second; copying the file takes nothing.
    """
    if not _TEMPLATE:
        directory = tempfile.mkdtemp(prefix="signering-api-template-")
        atexit.register(shutil.rmtree, directory, True)
        db = Database(f"sqlite:///{directory}/db.sqlite3")
        db.upgrade()
        with db.write() as session:
            org = create_organisation(session, slug="solleftea", name="Sollefteå kommun", key_dir=DEMO_DIR)
            create_board(session, org, name=BOARD, forvaringsplats="Kommunkansliet, Storgatan 1")
            token = create_api_token(session, org, "Mötessystemet")
            other = create_organisation(session, slug="kramfors", name="Kramfors kommun", key_dir=DEMO_DIR)
            create_board(session, other, name=BOARD)
            other_token = create_api_token(session, other, "Kramfors mötessystem")
        db.dispose()  # the last connection closing folds the WAL into the file
        _TEMPLATE.update(path=f"{directory}/db.sqlite3", token=token, other_token=other_token)
    return _TEMPLATE["path"], _TEMPLATE["token"], _TEMPLATE["other_token"]


def make_env(tmp_path) -> ApiEnv:
    template, token, other_token = _template_db()
    shutil.copyfile(template, tmp_path / "db.sqlite3")
    data_dir = str(tmp_path / "blobs")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DATA_DIR": data_dir,
                      "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": b"x" * 32,
                      "BASE_URL": "http://localhost"})
    app.config["TESTING"] = True
    svc = app.extensions["signering"]
    svc.db.upgrade()  # a no-op on the copied, current schema; kept so the test follows the real start-up
    return ApiEnv(app=app, svc=svc, data_dir=data_dir, token=token, other_token=other_token)


def metadata(**changes) -> dict:
    # The seed protocol's meeting is long past: the upload confirms the passed justering deadline.
    data = {"board": BOARD, "meeting_date": "2025-04-08", "signers": [dict(s) for s in SIGNERS], "confirm_late": True}
    data.update(changes)
    return data


@pytest.fixture
def env(tmp_path):
    """The shared ``env`` fixture of the API tests (a module imports it by name to use it)."""
    environment = make_env(tmp_path)
    yield environment
    environment.svc.db.dispose()


def upload(env: ApiEnv, pdf: bytes, meta=None, *, token: str | None = None, filename: str = "protokoll.pdf"):
    """POST /api/v1/protocols; ``meta`` may be a dict (sent as JSON) or a raw string."""
    meta = metadata() if meta is None else meta
    form = {"metadata": meta if isinstance(meta, str) else json.dumps(meta)}
    if pdf is not None:
        form["file"] = (io.BytesIO(pdf), filename, "application/pdf")
    return env.client.post("/api/v1/protocols", data=form, headers=env.auth(token),
                           content_type="multipart/form-data")


def mails_to(env: ApiEnv, address: str) -> list[str]:
    """Bodies of the mails queued for ``address``, oldest first (decrypted)."""
    with env.svc.db.read() as session:
        rows = session.execute(select(OutboxMail).filter_by(to=address).order_by(OutboxMail.id)).scalars().all()
        return [env.svc.box.open(r.body) or "" for r in rows]


def link_token(env: ApiEnv, address: str) -> str:
    """The token from the latest invitation to ``address``."""
    for body in reversed(mails_to(env, address)):
        found = re.search(r"/signera/([A-Za-z0-9_-]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no invitation to {address}")


def latest_code(env: ApiEnv, address: str) -> str:
    for body in reversed(mails_to(env, address)):
        found = re.search(r"\b(\d{6})\b", body)
        if found and "/signera/" not in body:
            return found.group(1)
    raise AssertionError(f"no code mail to {address}")


def assert_matches(schema_name: str, body) -> None:
    """``body`` is valid against the OpenAPI document's schema ``schema_name`` (formats checked too)."""
    from jsonschema import Draft202012Validator

    from web.api.openapi import SPEC

    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """A JSON error with a message that says something, never a stack trace or an HTML page."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert_matches("Error", body)
    assert len(body["message"]) > 10 and "Traceback" not in body["message"]
    if code is not None:
        assert body["error"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body
