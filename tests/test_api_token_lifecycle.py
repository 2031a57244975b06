"""API tokens expire, can be revoked (also on the admin pages, only within the admin's own
organisation), and record when they were last used, writing at most once a minute (issue 9)."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from signering import accounts
from signering.models import ApiToken, Organisation
from test_staff_support import ADMIN, SECRETARY, env, post_form, text  # noqa: F401  (env: the shared fixture)

PAGE = "/sekreterare/admin/api-nycklar"
API = "/api/v1/protocols"


def _api(env, token: str):
    return env.app.test_client().get(API, headers={"Authorization": f"Bearer {token}"})


def _make_token(env, org_id: int, name: str, **kw) -> tuple[int, str]:
    with env.svc.db.write() as s:
        token = accounts.create_api_token(s, s.get(Organisation, org_id), name, now=env.svc.clock(), **kw)
        return s.execute(select(ApiToken.id).filter_by(name=name)).scalar_one(), token


def _row(env, token_id: int) -> ApiToken:
    with env.svc.db.read() as s:
        return s.get(ApiToken, token_id)


def test_token_expires(env):
    _id, token = _make_token(env, env.org_id, "Kortlivat", valid_days=2)
    assert _api(env, token).status_code == 200
    env.svc.clock.advance(days=2, seconds=-1)
    assert _api(env, token).status_code == 200
    env.svc.clock.advance(seconds=1)
    response = _api(env, token)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert "gått ut" in response.get_json()["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_recorded_at_most_once_a_minute(env):
    token_id, token = _make_token(env, env.org_id, "Mötessystemet")
    assert _row(env, token_id).last_used_at is None
    updates = []

    @event.listens_for(env.svc.db.engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            updates.append(statement)

    first = env.svc.clock()
    assert _api(env, token).status_code == 200
    assert _row(env, token_id).last_used_at.replace(tzinfo=first.tzinfo) == first
    for _ in range(5):
        env.svc.clock.advance(seconds=10)
        assert _api(env, token).status_code == 200
    assert len(updates) == 1
    assert _row(env, token_id).last_used_at.replace(tzinfo=first.tzinfo) == first
    env.svc.clock.advance(seconds=10)  # a minute after the first use
    assert _api(env, token).status_code == 200
    assert len(updates) == 2
    assert _row(env, token_id).last_used_at.replace(tzinfo=first.tzinfo) == env.svc.clock()


def test_admin_creates_lists_and_revokes_on_the_pages(env):
    admin = env.client(ADMIN)
    response = post_form(admin, PAGE, PAGE, {"name": "Ärendesystemet", "valid_days": "90"})
    assert response.status_code == 201
    token = re.search(r'id="api-token">(sgn_[A-Za-z0-9_-]+)<', response.get_data(as_text=True)).group(1)
    assert _api(env, token).status_code == 200
    page = client_text = text(admin.get(PAGE))
    assert "Ärendesystemet" in client_text and token not in admin.get(PAGE).get_data(as_text=True)
    assert "Aldrig" not in page  # just used above
    with env.svc.db.read() as s:
        row = s.execute(select(ApiToken).filter_by(name="Ärendesystemet")).scalar_one()
    assert row.expires_at is not None and row.organisation_id == env.org_id
    response = post_form(admin, PAGE, f"{PAGE}/{row.id}/aterkalla", {})
    assert response.status_code == 303
    assert "API-nyckeln Ärendesystemet är återkallad" in text(admin.get(PAGE))
    assert "Återkallad" in text(admin.get(PAGE))
    assert _api(env, token).status_code == 401
    assert _row(env, row.id).revoked_at is not None


def test_bad_input_on_the_page_is_a_message_not_a_crash(env):
    admin = env.client(ADMIN)
    for data, message in [({"name": " ", "valid_days": ""}, "Ge nyckeln ett namn"),
                          ({"name": "X", "valid_days": "-3"}, "antal dagar"),
                          ({"name": "X", "valid_days": "0"}, "mellan 1 och 3660")]:
        response = post_form(admin, PAGE, PAGE, data)
        assert response.status_code == 422 and message in text(response), data
    assert env.count(ApiToken) == 0


def test_admin_cannot_see_or_revoke_another_organisations_tokens(env):
    other_id, other_token = _make_token(env, env.other_org_id, "Kramfors mötessystem")
    admin = env.client(ADMIN)
    assert "Kramfors mötessystem" not in text(admin.get(PAGE))
    response = post_form(admin, PAGE, f"{PAGE}/{other_id}/aterkalla", {})
    assert response.status_code == 404
    assert _api(env, other_token).status_code == 200 and not _row(env, other_id).revoked


def test_secretaries_and_strangers_may_not_manage_tokens(env):
    token_id, token = _make_token(env, env.org_id, "Mötessystemet")
    secretary = env.client(SECRETARY)
    assert secretary.get(PAGE).status_code == 403
    stranger = env.app.test_client()
    assert stranger.get(PAGE).status_code == 302
    # No CSRF token: refused before anything happens.
    assert env.client(ADMIN).post(f"{PAGE}/{token_id}/aterkalla").status_code == 400
    assert _api(env, token).status_code == 200
