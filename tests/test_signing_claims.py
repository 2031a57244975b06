"""A signature cut off mid-way answers "in progress", and the link comes back as soon as it is
certain that nobody is signing (issue 18, "Also seen in the same crash loop").

Before the fix every retry got 404 "not found" for five minutes after a crash. The claim a
dead process left is made here as the workflow makes it (status "signing", holder named), by
a real process that then exits.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from signering.models import SignatureRequest
from signering.recovery import release_stale_claims
from signering.workflow.claims import holder_gone, this_process
from test_api_support import SIGNERS, assert_error, latest_code, link_token, make_env, upload


@pytest.fixture()
def env(tmp_path, tsa_url, protocol_pdf):
    env = make_env(tmp_path)
    env.svc.settings.tsa_url = tsa_url
    assert upload(env, protocol_pdf).status_code == 201
    return env


def _claim(env, holder: str) -> str:
    """Leave the secretary's request claimed by ``holder``, as a crash mid-signature does."""
    token = link_token(env, SIGNERS[0]["email"])
    assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    with env.svc.db.write() as session:
        request = session.execute(select(SignatureRequest).filter_by(position=0)).scalar_one()
        request.status, request.claimed_by, request.verified_at = "signing", holder, env.svc.clock()
    return token


def _dead_holder() -> str:
    """The claim name of a process that ran and is gone."""
    child = subprocess.run([sys.executable, "-c", "from signering.workflow.claims import this_process as t; "
                                                  "print(t())"], capture_output=True, text=True, check=True)
    holder = child.stdout.strip()
    assert holder.startswith(socket.gethostname() + ":")
    return holder


def _sign(env, token):
    return env.client.post(f"/api/v1/sign/{token}", json={"code": latest_code(env, SIGNERS[0]["email"]),
                                                          "decision": "sign"})


def test_a_signature_under_way_answers_in_progress_not_found(env):
    token = _claim(env, this_process())  # this very process: alive, so the signature may still land
    for response in (env.client.get(f"/api/v1/sign/{token}"), _sign(env, token),
                     env.client.post(f"/api/v1/sign/{token}/code")):
        assert_error(response, 409, "signature_in_progress")
        assert response.headers["Retry-After"] == "5"
    page = env.client.get(f"/signera/{token}")
    assert page.status_code == 409 and page.headers["Retry-After"] == "5"
    assert "Din underskrift behandlas" in page.get_data(as_text=True)


def test_a_claim_left_by_a_dead_process_is_released_at_once(env):
    holder = _dead_holder()
    assert holder_gone(holder) and not holder_gone(this_process())
    token = _claim(env, holder)
    # No five-minute wait: the retry itself finds the holder gone and signs.
    signed = _sign(env, token)
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json() == {"status": "signed"}
    with env.svc.db.read() as session:
        request = session.execute(select(SignatureRequest).filter_by(position=0)).scalar_one()
        assert request.status == "signed" and request.claimed_by is None


def test_start_up_recovery_releases_claims_of_dead_processes_but_not_live_or_remote_ones(env):
    _claim(env, _dead_holder())
    assert release_stale_claims(env.svc) == 1
    with env.svc.db.read() as session:
        assert session.execute(select(SignatureRequest).filter_by(position=0)).scalar_one().status == "active"
    for holder in (this_process(), "another-host:4242:123456"):
        with env.svc.db.write() as session:
            request = session.execute(select(SignatureRequest).filter_by(position=0)).scalar_one()
            request.status, request.claimed_by, request.verified_at = "signing", holder, env.svc.clock()
        assert release_stale_claims(env.svc) == 0


def test_a_claim_on_another_host_waits_for_the_stale_limit(env):
    token = _claim(env, "another-host:4242:123456")
    assert_error(_sign(env, token), 409, "signature_in_progress")
    real = env.svc.clock
    env.svc.clock = lambda: real() + dt.timedelta(minutes=5, seconds=1)
    try:
        signed = _sign(env, token)
    finally:
        env.svc.clock = real
    assert signed.status_code == 200, signed.get_json()
