"""Issue 14, part 3: signatures from a remote signing service speaking the CSC API (v1.0.4).

The service is the real ``certomancer-csc`` server (PyPI's certomancer-csc-dummy) over the test PKI
in tests/csc/certomancer.yml, with Certomancer's Animator as its OCSP responder, both in their own
processes on loopback (tests/csc_support.py). The organisation is configured with the real
``signering org configure`` command; each signer signs through the API with the e-mailed code, and
the service makes the signature with that signer's own credential. The sealed file is checked by
``signering verify --json`` and by poppler's ``pdfsig``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from csc_support import ARCH, CREDENTIAL_TEMPLATE, CscService
from oidc_support import CSRF
from signering.models import Event, Organisation, ProtocolVersion, SignatureRequest
from signering.pki.keys import DEMO_DIR
from test_api_support import SIGNERS, assert_error, latest_code, link_token, make_env, upload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_ENV, SECRET = "SIGNERING_TEST_CSC_SECRET", "csc-klienthemlighet"
DEMO_ROOT = os.path.join(DEMO_DIR, "root.pem")


@pytest.fixture(scope="module")
def csc(tmp_path_factory):
    service = CscService(tmp_path_factory.mktemp("csc")).start()
    yield service
    service.stop()


@pytest.fixture()
def env(tmp_path, tsa_url, csc):
    env = make_env(tmp_path)
    env.svc.settings.tsa_url = tsa_url
    env.svc.passphrase = {SECRET_ENV: SECRET}.get
    env.cli_env = {**os.environ, "SIGNERING_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
                   "SIGNERING_INSTANCE_DIR": str(tmp_path / "cli-instance"), SECRET_ENV: SECRET, "PYTHONPATH": ROOT}
    done = _configure(env, "--signature-service", "csc", "--csc-url", csc.url, "--csc-client-id", "signering",
                      "--csc-client-secret-env", SECRET_ENV, "--csc-credential", CREDENTIAL_TEMPLATE)
    assert done.returncode == 0, done.stderr
    assert f"signeringstjänsten {csc.url} (CSC 1.0.4" in done.stdout
    yield env
    env.svc.db.dispose()


def _configure(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "signering.cli", "org", "configure", "solleftea", *args],
                          env=env.cli_env, capture_output=True, text=True)


def _sign(env, person: dict, *, new_code: bool = True):
    token = link_token(env, person["email"])
    if new_code:
        assert env.client.post(f"/api/v1/sign/{token}/code").status_code == 202
    return env.client.post(f"/api/v1/sign/{token}", json={"code": latest_code(env, person["email"]),
                                                           "decision": "sign"})


def _sealed(env, protocol_id: int) -> bytes:
    with env.svc.db.read() as s:
        version = s.execute(select(ProtocolVersion).filter_by(protocol_id=protocol_id)).scalar_one()
        assert version.sealed_sha256, "not sealed"
        return env.svc.blobs.read(version.sealed_sha256)


def _pdfsig(path: str, tmp_path, roots: list[str]) -> list[str]:
    db = tmp_path / "nss"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    for n, root in enumerate(roots):
        subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", f"root-{n}", "-t", "CT,C,C", "-i", root],
                       check=True)
    proc = subprocess.run(["pdfsig", "-nssdir", f"sql:{db}", path], capture_output=True, text=True)
    return re.split(r"\nSignature #\d+:", proc.stdout)[1:]


def test_configure_refuses_a_service_that_does_not_answer(env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    done = _configure(env, "--signature-service", "csc", "--csc-url", dead, "--csc-credential", "x")
    assert done.returncode == 2, done.stderr
    assert f"{dead}/csc/v1/info" in done.stderr
    with env.svc.db.read() as s:
        org = s.execute(select(Organisation).filter_by(slug="solleftea")).scalar_one()
        assert org.signature_service == "csc" and org.csc_url != dead  # the earlier setting stands


def test_full_route_signed_by_the_service_then_sealed_and_verified(env, csc, protocol_pdf, tmp_path):
    created = upload(env, protocol_pdf)
    assert created.status_code == 201, created.get_json()
    protocol_id = created.get_json()["id"]
    for person in SIGNERS:  # sekreterare, ordförande, justerare, in that order
        signed = _sign(env, person)
        assert signed.status_code == 200, signed.get_json()
        assert signed.get_json() == {"status": "signed"}
    sealed = _sealed(env, protocol_id)
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)

    verified = subprocess.run([sys.executable, "-m", "signering.cli", "verify", "--json", str(path),
                               "--trust", DEMO_ROOT, "--trust", csc.root_pem],
                              env=env.cli_env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["status"] == "valid" and report["findings"] == []
    signers = [s for s in report["signatures"] if s["kind"] == "signer"]
    # Each signature is the person's own, with the certificate the service keeps for them.
    assert [s["signer"] for s in signers] == [p["name"] for p in SIGNERS]
    assert [s["identified_by"] for s in signers] == ["csc"] * 3
    assert all(s["indication"] == "TOTAL_PASSED" and s["status_evidence"] for s in signers)
    assert [s["kind"] for s in report["signatures"]][-2:] == ["seal", "document_timestamp"]
    # Without the provider's root, the same file is not trusted: the service's chain is what signs.
    untrusted = subprocess.run([sys.executable, "-m", "signering.cli", "verify", "--json", str(path),
                                "--trust", DEMO_ROOT], env=env.cli_env, capture_output=True, text=True)
    assert untrusted.returncode == 1

    blocks = _pdfsig(str(path), tmp_path, [DEMO_ROOT, csc.root_pem])
    assert len(blocks) == 5, blocks  # three signers, the seal, the document timestamp
    for block, person in zip(blocks[:3], SIGNERS):
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
        assert f"Signer Certificate Common Name: {person['name']}" in block, block
    assert "Signature Validation: Signature is Valid." in blocks[3], blocks[3]  # the seal
    # The box on the signature page says how the signature was made.
    page = subprocess.run(["pdftotext", "-", "-"], input=sealed, capture_output=True, check=True).stdout.decode()
    assert " ".join(page.split()).count("Signerad via signeringstjänst") == 3


def test_service_down_gives_a_clear_message_and_the_link_works_later(env, csc, protocol_pdf):
    created = upload(env, protocol_pdf)
    protocol_id = created.get_json()["id"]
    token = link_token(env, SIGNERS[0]["email"])
    with env.svc.db.read() as s:
        before = s.execute(select(ProtocolVersion).filter_by(protocol_id=protocol_id)).scalar_one().working_sha256
    blobs_before = env.blob_files()
    csc.stop_csc()
    try:
        refused = _sign(env, SIGNERS[0])
        assert_error(refused, 503, "csc_unavailable")
        assert "Signeringstjänsten svarar inte just nu" in refused.get_json()["message"]
        # The signer's own page says the same, in words, not a bare server error.
        browser = env.client
        form = browser.get(f"/signera/{token}").get_data(as_text=True)
        page = browser.post(f"/signera/{token}", data={"csrf_token": CSRF.search(form).group(1), "decision": "sign",
                                                       "code": latest_code(env, SIGNERS[0]["email"])})
        assert page.status_code == 503, page.get_data(as_text=True)[:500]
        assert "Signeringstjänsten svarar inte just nu" in page.get_data(as_text=True)
    finally:
        csc.start()
    # Nothing half-written: the request is active again, the version's file unchanged, no new blob.
    with env.svc.db.read() as s:
        request = s.execute(select(SignatureRequest).filter_by(position=0)).scalar_one()
        version = s.execute(select(ProtocolVersion).filter_by(protocol_id=protocol_id)).scalar_one()
        assert request.status == "active" and request.signed_at is None
        assert version.working_sha256 == before
        assert not s.execute(select(Event).filter_by(protocol_id=protocol_id, kind="signed")).scalars().all()
    assert env.blob_files() == blobs_before
    # The same link, and the same code, sign once the service is back.
    signed = _sign(env, SIGNERS[0], new_code=False)
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json() == {"status": "signed"}


def test_an_unknown_credential_is_refused_and_nothing_is_signed(env, csc, protocol_pdf):
    done = _configure(env, "--signature-service", "csc", "--csc-url", csc.url,
                      "--csc-credential", f"{ARCH}/nobody@example.se")
    assert done.returncode == 0, done.stderr
    upload(env, protocol_pdf)
    refused = _sign(env, SIGNERS[0])
    assert_error(refused, 502, "csc_refused")
    with env.svc.db.read() as s:
        assert s.execute(select(SignatureRequest).filter_by(position=0)).scalar_one().status == "active"


def test_admin_page_shows_the_signature_service(env, csc):
    from signering.accounts import create_user

    with env.svc.db.write() as s:
        create_user(s, s.execute(select(Organisation).filter_by(slug="solleftea")).scalar_one(),
                    email="admin@solleftea.se", password="rätt häst batteri häftklammer", role="admin")
    admin = env.client
    page = admin.get("/sekreterare/logga-in").get_data(as_text=True)
    admin.post("/sekreterare/logga-in", data={"csrf_token": CSRF.search(page).group(1), "email": "admin@solleftea.se",
                                              "password": "rätt häst batteri häftklammer"})
    shown = admin.get("/sekreterare/admin/legitimering")
    assert shown.status_code == 200
    text = " ".join(shown.get_data(as_text=True).split())
    assert f"Signeringstjänsten {csc.url} (CSC-API 1.0.4), credential {CREDENTIAL_TEMPLATE}." in text
