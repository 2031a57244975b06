"""The test OpenID provider (tests/oidc_provider.py) as a real process on loopback, and the
steps a signer's browser takes through it, done with plain HTTP (no tests here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_ID = "signering-test"
CLIENT_SECRET = "test-client-secret-0123456789"
SECRET_ENV = "SIGNERING_TEST_OIDC_SECRET"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Provider:
    url: str
    port: int
    redirect_uri: str
    process: subprocess.Popen | None = None

    def start(self) -> "Provider":
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "oidc_provider.py"), str(self.port), CLIENT_ID, CLIENT_SECRET,
             self.redirect_uri], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def id_tokens(self, mode: str) -> None:
        requests.post(self.url + "/test/id-token", data={"mode": mode}, timeout=5).raise_for_status()


def start_login(http: requests.Session, base: str, link_path: str) -> str:
    """Follow the page's "Logga in med e-legitimation"; the IdP address the browser is sent to."""
    response = http.get(base + link_path + "/e-legitimation", allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def pick_account(http: requests.Session, authorize_url: str, account: str) -> str:
    """Log in at the IdP as ``account``; the callback address it sends the browser back to."""
    page = http.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    endpoint = authorize_url.split("?", 1)[0]
    params = dict(parse_qsl(urlsplit(authorize_url).query))
    response = http.post(endpoint, data={**params, "account": account}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def login(http: requests.Session, base: str, link_path: str, account: str) -> tuple[requests.Response, str]:
    callback = pick_account(http, start_login(http, base, link_path), account)
    assert callback.startswith(base + "/oidc/callback?")
    return http.get(callback, allow_redirects=False, timeout=30), callback


def decide(http: requests.Session, base: str, link_path: str, decision: str = "sign", **extra) -> requests.Response:
    page = http.get(base + link_path, timeout=10)
    token = CSRF.search(page.text).group(1)
    return http.post(base + link_path, data={"csrf_token": token, "decision": decision, **extra}, timeout=60)
