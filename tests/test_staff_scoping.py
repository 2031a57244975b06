"""Every staff route is scoped to the user's organisation: another organisation's ids answer 404
and change nothing, and lists never show another organisation's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signering import accounts
from signering.models import Board, Event, OutboxMail, Protocol, User, Webhook, WebhookDelivery
from test_staff_support import (ADMIN, BOARD, OTHER_BOARD, OTHER_SECRETARY, PASSWORD, SECRETARY, csrf_token, env,
                                finalize_form, protocol_pdf, text, upload_ok)  # noqa: F401  (env: the shared fixture)


@pytest.fixture
def two(env):
    """A protocol in Ånge, and a Kramfors admin who will try to reach it."""
    protocol_id = upload_ok(env, env.client(SECRETARY))
    with env.svc.db.write() as s:
        from signering.models import Organisation

        accounts.create_user(s, s.get(Organisation, env.other_org_id), email="admin@kramfors.se", password=PASSWORD,
                             role="admin")
    return protocol_id


def _snapshot(env):
    with env.svc.db.read() as s:
        return (
            [(p.id, p.status, p.updated_at) for p in s.execute(select(Protocol)).scalars()],
            s.execute(select(Event.id)).scalars().all(),
            s.execute(select(OutboxMail.id)).scalars().all(),
            [(b.id, b.forvaringsplats) for b in s.execute(select(Board)).scalars()],
            [(u.id, u.active) for u in s.execute(select(User)).scalars()],
            [(w.id, w.active) for w in s.execute(select(Webhook)).scalars()],
            sorted(env.blob_files()),
        )


def _protocol_routes(pid: int):
    base = f"/sekreterare/protokoll/{pid}"
    return [
        ("GET", base, None),
        ("GET", f"{base}/pdf", None),
        ("GET", f"{base}/pdf?original=1", None),
        ("GET", f"{base}/pdf?version=1", None),
        ("GET", f"{base}/ny-version", None),
        ("POST", f"{base}/ny-version", "upload"),
        ("POST", f"{base}/paminn", {}),
        ("POST", f"{base}/byt-undertecknare", {"position": "0", "name": "Inkräktare", "email": "x@kramfors.se"}),
        ("POST", f"{base}/dra-tillbaka", {"reason": "Från fel kommun"}),
    ]


def _call(client, method, path, data, token):
    if method == "GET":
        return client.get(path)
    if data == "upload":
        return client.post(path, data={"csrf_token": token, **finalize_form(protocol_pdf(), board=OTHER_BOARD)},
                           content_type="multipart/form-data")
    return client.post(path, data={"csrf_token": token, **data})


@pytest.mark.parametrize("who", [OTHER_SECRETARY, "admin@kramfors.se"])
def test_other_organisation_gets_404_everywhere(env, two, who):
    client = env.client(who)
    token = csrf_token(client.get("/sekreterare/").get_data(as_text=True))
    before = _snapshot(env)
    for method, path, data in _protocol_routes(two):
        response = _call(client, method, path, data, token)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "Sidan finns inte" in text(response)
    assert _snapshot(env) == before


def test_unknown_ids_get_the_same_404(env, two):
    client = env.client(SECRETARY)
    token = csrf_token(client.get("/sekreterare/").get_data(as_text=True))
    before = _snapshot(env)
    for method, path, data in _protocol_routes(two + 1000):
        assert _call(client, method, path, data, token).status_code == 404, path
    assert client.get(f"/sekreterare/protokoll/{two}/pdf?version=7").status_code == 404
    assert _snapshot(env) == before
    # The owner reaches all of it.
    assert client.get(f"/sekreterare/protokoll/{two}").status_code == 200
    assert client.get(f"/sekreterare/protokoll/{two}/pdf").status_code == 200


def test_admin_routes_of_another_organisation(env, two):
    with env.svc.db.write() as s:
        board_id = s.execute(select(Board.id).filter_by(name=BOARD)).scalar_one()
        user_id = s.execute(select(User.id).filter_by(email=SECRETARY)).scalar_one()
        hook = Webhook(organisation_id=env.org_id, url="https://ange.example/hook", secret="whsec_x", active=True)
        s.add(hook)
        s.flush()
        s.add(WebhookDelivery(webhook_id=hook.id, event="protocol.finalized", payload={"protocol_id": two}))
        hook_id = hook.id
    client = env.client("admin@kramfors.se")
    page = client.get("/sekreterare/admin/namnder")
    token = csrf_token(page.get_data(as_text=True))
    before = _snapshot(env)
    for path, data in ((f"/sekreterare/admin/namnder/{board_id}", {"forvaringsplats": "Kramfors"}),
                       (f"/sekreterare/admin/anvandare/{user_id}/stang-av", {}),
                       (f"/sekreterare/admin/webhooks/{hook_id}/stang-av", {})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert _snapshot(env) == before
    # Lists show only the admin's own organisation.
    boards = text(page)
    assert OTHER_BOARD in boards and BOARD not in boards
    users = text(client.get("/sekreterare/admin/anvandare"))
    assert "admin@kramfors.se" in users and SECRETARY not in users and ADMIN not in users
    hooks = text(client.get("/sekreterare/admin/webhooks"))
    assert "ange.example" not in hooks and "protocol.finalized" not in hooks and "Inga leveranser ännu" in hooks


def test_lists_and_forms_show_only_own_organisation(env, two):
    client = env.client(OTHER_SECRETARY)
    listing = text(client.get("/sekreterare/"))
    assert "Inga protokoll ännu" in listing and BOARD not in listing
    form = client.get("/sekreterare/nytt").get_data(as_text=True)
    assert f'<option value="{OTHER_BOARD}"' in form and f'<option value="{BOARD}"' not in form
    mine = text(env.client(SECRETARY).get("/sekreterare/"))
    assert f"{BOARD} 2025-09-23 Under justering" in mine
