"""A real OpenID provider for the tests, built on Authlib's server side: discovery, JWKS, an
authorization endpoint with a small login page (pick a test account), and a token endpoint
issuing signed ID tokens (code flow, PKCE S256 required, nonce required).

Run it as its own process: ``python tests/oidc_provider.py PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI``.
It prints ``ready`` once it listens. ``POST /test/id-token`` with ``mode=expired`` or
``mode=wrong-key`` makes the next ID tokens expired or signed with a key that is not in the
JWKS (``mode=ok`` goes back); that is the only test hook, the rest is the ordinary protocol.
"""

from __future__ import annotations

import html
import sys
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey

PNR_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"

#: test accounts: (display label, claims)
ACCOUNTS = {
    "siv": {"name": "Siv Sjödin", PNR_CLAIM: "196803124681"},
    # no "name": the relying party must put given_name and family_name together
    "birgitta": {"given_name": "BIRGITTA", "family_name": "Häggkvist", PNR_CLAIM: "197505067137"},
    # the name written without the accent and with extra space
    "john": {"name": "John  Aberg", PNR_CLAIM: "198001023822"},
    "tolvan": {"name": "Tolvan Tolvansson", PNR_CLAIM: "191212121212"},
}


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_basic"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return "http://id.elegnamnden.se/loa/1.0/loa3"

    def get_amr(self):
        return None


def create_app(port: int, client: Client) -> Flask:
    issuer = f"http://127.0.0.1:{port}"
    app = Flask(__name__)
    key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
    impostor = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
    codes: dict[str, Code] = {}
    nonces: set[tuple[str, str]] = set()
    mode = {"id_token": "ok"}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

        def save_authorization_code(self, code, req):
            codes[code] = Code(code, req.client.client_id, req.payload.redirect_uri, req.scope, req.user,
                               req.payload.data.get("nonce"), req.payload.data.get("code_challenge"),
                               req.payload.data.get("code_challenge_method"))
            nonces.add((req.client.client_id, req.payload.data.get("nonce") or ""))

        def query_authorization_code(self, code, client_):
            item = codes.get(code)
            return item if item and item.client_id == client_.client_id else None

        def delete_authorization_code(self, authorization_code):
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce, req):
            return (req.payload.client_id, nonce) in nonces

        def resolve_client_private_key(self, _client):
            return impostor if mode["id_token"] == "wrong-key" else key

        def get_client_algorithm(self, _client):
            return "RS256"

        def get_encode_header(self, _client):
            return {"alg": "RS256", "kid": "test-1"}

        def get_client_claims(self, _client):
            now = int(time.time())
            if mode["id_token"] == "expired":
                return {"iss": issuer, "aud": [client.client_id], "iat": now - 7200, "exp": now - 3600}
            return {"iss": issuer, "aud": [client.client_id], "iat": now, "exp": now + 300}

        def generate_user_info(self, user, scope):
            return UserInfo(sub=f"sub-{user}", **ACCOUNTS[user])

    server = AuthorizationServer(app, query_client=lambda cid: client if cid == client.client_id else None,
                                 save_token=lambda token, req: None)
    server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify({
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "profile", "https://id.oidc.se/scope/naturalPersonNumber"],
            "claims_supported": ["sub", "name", "given_name", "family_name", PNR_CLAIM],
        })

    @app.get("/jwks")
    def jwks():
        return jsonify({"keys": [key.as_dict(private=False)]})

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        if request.method == "GET":
            server.get_consent_grant(end_user=None)  # validates client, redirect URI, PKCE and nonce
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in request.args.items())
            buttons = "".join(f'<button name="account" value="{a}">{html.escape(c.get("name") or a)}</button>'
                              for a, c in ACCOUNTS.items())
            return (f'<!doctype html><html lang="sv"><meta name="viewport" content="width=device-width">'
                    f'<title>Test-IdP</title><h1>Test-IdP: logga in</h1><form method="post" action="/authorize">{hidden}{buttons}</form>'
                    f'</html>')
        account = request.form.get("account")
        return server.create_authorization_response(grant_user=account if account in ACCOUNTS else None)

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.post("/test/id-token")
    def set_mode():
        mode["id_token"] = request.form["mode"]
        return {"mode": mode["id_token"]}

    return app


def main(argv: list[str]) -> None:
    from werkzeug.serving import make_server

    port, client_id, secret, redirect_uri = int(argv[0]), argv[1], argv[2], argv[3]
    app = create_app(port, Client(client_id, secret, redirect_uri))
    server = make_server("127.0.0.1", port, app, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
