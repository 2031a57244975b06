"""Fuzz the API from its own OpenAPI document (schemathesis, in process over WSGI).

Every operation gets generated requests with a valid bearer token; no answer may be a 5xx,
and every answer must match what /api/v1/openapi.json says (status, content type, body).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from test_api_support import make_env, upload
from signering.textpdf import render_text_pdf


def _env():
    # The schema is read when pytest collects this module, so the app exists from import on.
    directory = Path(tempfile.mkdtemp(prefix="signering-schemathesis-"))
    atexit.register(shutil.rmtree, directory, True)
    env = make_env(directory)
    # One real protocol, so that generated ids sometimes hit something that exists.
    pdf = render_text_pdf("Kommunstyrelsen\n\n§ 1 Ärende\n\nBeslut.\n")
    response = upload(env, pdf)
    assert response.status_code == 201, response.get_data(as_text=True)
    env.sample_pdf = pdf
    return env


ENV = _env()
# POST /api/v1/verify takes a raw PDF body; schemathesis needs to be told how to make one.
schemathesis.openapi.media_type("application/pdf", st.binary(max_size=4096) | st.just(ENV.sample_pdf))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", ENV.app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case):
    # All the standard checks but two. "Schema-valid data is accepted": what the schema cannot
    # say (the file is a real PDF, the token is a live link, the code was sent) is rightly a 4xx.
    # "Schema-violating data is rejected": unknown query parameters are ignored on purpose, and a
    # case made invalid by dropping the Authorization header gets it back from headers= here.
    case.call_and_validate(headers=ENV.auth(), excluded_checks=[positive_data_acceptance, negative_data_rejection])
