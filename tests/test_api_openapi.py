"""The OpenAPI document is valid OpenAPI 3.1 and describes exactly the routes the app serves."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from test_api_support import env  # noqa: F401  (env: the shared fixture)
from web.api.openapi import SPEC, document

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_document_is_valid_openapi_3_1():
    validate(document("https://signering.example.se"))
    assert SPEC["openapi"].startswith("3.1")


def test_served_document_names_this_server(env):
    response = env.client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    validate(body)
    assert body["servers"] == [{"url": "http://localhost"}]
    assert body["paths"] == SPEC["paths"]


def _documented_form(rule: str) -> str:
    # Flask's <int(max=...):protocol_id>, <token>, <sha256> become OpenAPI's {id}, {token}, {sha256}.
    rule = re.sub(r"<int\([^)]*\):protocol_id>", "{id}", rule)
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z0-9_]+)>", r"{\1}", rule)


def test_every_api_route_is_documented_and_every_documented_route_exists(env):
    served = {}
    for rule in env.app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            served.setdefault(_documented_form(rule.rule), set()).update(rule.methods & _METHODS)
    documented = {path: {m.upper() for m in ops} for path, ops in SPEC["paths"].items()}
    assert served == documented


def test_every_operation_documents_its_errors_with_the_error_schema():
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            assert operation["operationId"] and operation["responses"]
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == error_ref, (path, method, status)
            protected = operation.get("security", SPEC["security"]) != []
            assert protected == path.startswith("/api/v1/protocols"), (path, method)
            if protected:
                assert "401" in operation["responses"], (path, method)
