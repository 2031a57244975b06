"""Verification: by hash (registry lookup, the QR code's target) and by file (full PAdES check)."""

from __future__ import annotations

import datetime as dt
import io
from xml.etree import ElementTree as ET

import pytest
from markupsafe import escape
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from conftest import SAMPLE_ROUTE
from hostile_pdfs import png_renamed
from test_api_support import assert_matches
from test_public_support import BOARD, EMAILS, SIGNERS, add_protocol, fake_pdf, make_env, sha256


@pytest.fixture
def env(tmp_path, protocol_pdf, sealed_pdf):
    env = make_env(tmp_path)
    env.real = add_protocol(env, original=protocol_pdf, sealed=sealed_pdf, meeting=dt.date(2024, 4, 16),
                            justerat=dt.date(2025, 9, 9))
    env.signing = add_protocol(env, original=fake_pdf("in progress"), sealed=None, meeting=dt.date(2025, 9, 8),
                               status="signing")
    env.withdrawn = add_protocol(env, original=fake_pdf("withdrawn"), sealed=None, meeting=dt.date(2025, 9, 1),
                                 status="withdrawn")
    return env


def assert_report(body: dict) -> None:
    # Only the report's part: the registry answer is checked elsewhere, and here its sealed_at has
    # no zone offset, which the schema's date-time format asks for.
    assert_matches("VerificationReport", {key: value for key, value in body.items() if key != "registry"})


def tampered(sealed: bytes) -> bytes:
    """The sealed PDF with a later update that swaps the first page's text."""
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 720 Td (Upphavt) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_hash_lookup_finds_original_and_sealed_hash(env, protocol_pdf, sealed_pdf):
    for sha, matched in ((sha256(protocol_pdf), "original"), (sha256(sealed_pdf), "sealed"),
                         (sha256(sealed_pdf).upper(), "sealed")):
        answer = env.client.get(f"/api/v1/verify/{sha}")
        assert answer.status_code == 200
        data = answer.get_json()
        assert data["status"] == "sealed" and data["matched"] == matched
        assert data["board"] == BOARD and data["meeting_date"] == "2024-04-16"
        assert data["organisation"] == "Sollefteå kommun"
        assert data["original_sha256"] == sha256(protocol_pdf) and data["sealed_sha256"] == sha256(sealed_pdf)
        assert data["posted_at"] == "2025-09-09" and data["sealed_at"]
        assert [(s["name"], s["role"]) for s in data["signers"]] == [(n, r) for n, _e, r in SIGNERS]
        assert all(s["signed_at"] for s in data["signers"])
        assert "@" not in answer.get_data(as_text=True)


def test_hash_lookup_other_states_and_unknown(env):
    data = env.client.get(f"/api/v1/verify/{env.signing['original_sha256']}").get_json()
    assert data["status"] == "in_progress" and data["sealed_sha256"] is None
    assert [s["name"] for s in data["signers"]] == ["Siv Sjödin"]  # only who has signed so far
    data = env.client.get(f"/api/v1/verify/{env.withdrawn['original_sha256']}").get_json()
    assert data["status"] == "withdrawn" and data["signers"] == []
    data = env.client.get(f"/api/v1/verify/{'ab' * 32}").get_json()
    assert data == {"status": "unknown", "sha256": "ab" * 32}


@pytest.mark.parametrize("garbage", ["abc", "g" * 64, "a" * 63, "a" * 65, "%20" + "a" * 61])
def test_bad_hash_is_a_clear_400_not_a_crash(env, garbage):
    api = env.client.get(f"/api/v1/verify/{garbage}")
    assert api.status_code == 400
    assert api.get_json()["error"] == "invalid_sha256" and "64 tecken" in api.get_json()["message"]
    page = env.client.get(f"/verifiera/{garbage}")
    assert page.status_code == 400 and "64 tecken" in page.get_data(as_text=True)
    assert env.client.get(f"/qr/{garbage}.svg").status_code == 404


def test_verify_page_for_a_hash_shows_the_answer(env, protocol_pdf):
    page = env.client.get(f"/verifiera/{sha256(protocol_pdf)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Protokollet är justerat och förseglat." in html
    assert "Birgitta Häggkvist (Ordförande)" in html and BOARD in html
    assert f"/protokoll/{env.real['sealed_sha256']}.pdf" in html
    for email in EMAILS:
        assert email not in html
    unknown = env.client.get(f"/verifiera/{'cd' * 32}").get_data(as_text=True)
    assert "känner inte till" in unknown
    # the page's hash form sends ?sha256=, which leads to the same page
    redirect = env.client.get(f"/verifiera?sha256={sha256(protocol_pdf)}")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith(f"/verifiera/{sha256(protocol_pdf)}")


def test_verify_form_page_works_without_and_with_script(env):
    html = env.client.get("/verifiera").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'action="/verifiera"' in html
    assert '<label for="verify-file">' in html and 'id="verify-file"' in html
    assert '/static/verify.js' in html
    script = env.client.get("/static/verify.js")
    assert b"crypto.subtle.digest" in script.data and b"/api/v1/verify/" in script.data
    script.close()


def test_qr_code_is_an_svg_for_the_verify_page(env):
    response = env.client.get(f"/qr/{env.real['original_sha256']}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    other = env.client.get(f"/qr/{'ef' * 32}.svg")
    assert other.data != response.data
    response.close()
    other.close()


def test_upload_of_the_real_sealed_pdf_is_valid(env, sealed_pdf):
    page = env.client.post("/verifiera", data={"file": (io.BytesIO(sealed_pdf), "protokoll.pdf")},
                           content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="answer" data-answer="yes" data-reason="published"' in html and "Ogiltig" not in html
    assert "Ja: filen är det publicerade protokollet, och alla underskrifter är giltiga." in html
    # The file's signatures are the sample route's people (the registry's row names its own).
    for signer in SAMPLE_ROUTE.signers:
        assert signer.name in html
    assert "Filen är exakt den som publicerades på anslagstavlan." in html

    api = env.client.post("/api/v1/verify", data={"file": (io.BytesIO(sealed_pdf), "p.pdf")},
                          content_type="multipart/form-data")
    data = api.get_json()
    assert api.status_code == 200 and data["status"] == "valid"
    signers = [s for s in data["signatures"] if s["kind"] == "signer"]
    assert [(s["signer"], s["role"]) for s in signers] == [(p.name, p.role) for p in SAMPLE_ROUTE.signers]
    assert not any(s["changed_after"] for s in data["signatures"])
    assert data["problems"] == [] and data["findings"] == []
    assert_report(data)
    assert data["registry"]["status"] == "sealed" and data["registry"]["is_published_file"] is True
    # the raw body works as well as a form
    raw = env.client.post("/api/v1/verify", data=sealed_pdf, content_type="application/pdf")
    assert raw.get_json()["status"] == "valid"


def test_upload_of_a_tampered_pdf_is_invalid(env, sealed_pdf):
    bad = tampered(sealed_pdf)
    api = env.client.post("/api/v1/verify", data={"file": (io.BytesIO(bad), "p.pdf")},
                          content_type="multipart/form-data")
    data = api.get_json()
    assert data["status"] == "invalid" and data["problems"]
    assert_report(data)
    assert "disallowed_changes" in [f["code"] for f in data["findings"]]
    assert data["problems"] == [f["message"] for f in data["findings"]]
    assert any(s["changed_after"] for s in data["signatures"])
    # it still names the registered protocol, but is not the published file
    assert data["registry"]["status"] == "sealed" and data["registry"]["is_published_file"] is False
    page = env.client.post("/verifiera", data={"file": (io.BytesIO(bad), "p.pdf")},
                           content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    # One answer first: no, and why; the registry's word is about the protocol, not this file.
    assert 'data-answer="no" data-reason="modified"' in html
    assert "Nej: filen har ändrats efter att den signerades." in html
    assert "Protokollet är justerat och förseglat." not in html and "bygger på samma" not in html
    assert "Registret om protokollet: justerat och förseglat." in html


def test_findings_come_in_the_pages_language(env, sealed_pdf):
    bad = tampered(sealed_pdf)
    sv = env.client.post("/api/v1/verify", data=bad, content_type="application/pdf").get_json()
    en = env.client.post("/api/v1/verify?lang=en", data=bad, content_type="application/pdf").get_json()
    assert [f["code"] for f in en["findings"]] == [f["code"] for f in sv["findings"]]
    # problems stay Swedish; the findings' messages follow the language
    assert en["problems"] == sv["problems"] == [f["message"] for f in sv["findings"]]
    english = [f["message"] for f in en["findings"]]
    assert english != sv["problems"] and any("was changed in a way that is not allowed" in m for m in english)
    assert_report(en)
    page = env.client.post("/verifiera?lang=en", data={"file": (io.BytesIO(bad), "p.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
    for message in english:
        assert str(escape(message)) in page
    assert 'data-code="disallowed_changes"' in page and sv["problems"][0] not in page


def test_upload_of_a_png_is_a_clear_error(env):
    api = env.client.post("/api/v1/verify", data={"file": (io.BytesIO(png_renamed()), "bild.pdf")},
                          content_type="multipart/form-data")
    assert api.status_code == 422
    data = api.get_json()
    assert data["status"] == "invalid" and data["error"] == "not_pdf" and "ingen PDF" in data["message"]
    page = env.client.post("/verifiera", data={"file": (io.BytesIO(png_renamed()), "bild.pdf")},
                           content_type="multipart/form-data")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'data-answer="no" data-reason="unverifiable"' in html and "ingen PDF" in html
    empty = env.client.post("/api/v1/verify", data={"file": (io.BytesIO(b""), "tom.pdf")},
                            content_type="multipart/form-data")
    assert empty.status_code == 422 and empty.get_json()["error"] == "empty_file"


def test_verification_needs_no_csrf_token_or_cookie(env, sealed_pdf):
    env.app.config["TESTING"] = False  # make sure CSRF protection is in force
    env.app.config["WTF_CSRF_ENABLED"] = True
    page = env.client.post("/verifiera", data={"file": (io.BytesIO(sealed_pdf), "p.pdf")},
                           content_type="multipart/form-data")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers


def test_the_registry_answers_even_when_no_parser_is_free(env, sealed_pdf, tmp_path):
    # Every parsing slot taken (issue 9): the hash of the bytes still finds the protocol, without parsing.
    import fcntl

    env.app.config["SIGNERING"].update(VERIFY_CONCURRENCY=1, VERIFY_WAIT_S=0)
    slots = tmp_path / "inst" / "run"
    slots.mkdir(parents=True, exist_ok=True)
    with open(slots / "parse-slot-0.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        api = env.client.post("/api/v1/verify", data=sealed_pdf, content_type="application/pdf")
        page = env.client.post("/verifiera", data={"file": (io.BytesIO(sealed_pdf), "p.pdf")},
                               content_type="multipart/form-data")
    assert api.status_code == 503 and api.headers["Retry-After"] == "10"
    data = api.get_json()
    assert data["error"] == "busy" and "GET /api/v1/verify/" in data["message"]
    assert data["registry"]["status"] == "sealed" and data["registry"]["matched"] == "sealed"
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    html = page.get_data(as_text=True)
    assert "Försök igen om en stund" in html and "Registret om protokollet: justerat och förseglat." in html


# --- one answer first (issue 12, item 3) -------------------------------------------------

def _answer(html: str) -> tuple[str, str]:
    import re

    found = re.search(r'id="answer" data-answer="(\w+)" data-reason="(\w+)"', html)
    return found.groups() if found else (None, None)


def test_the_unsigned_original_is_a_no_not_a_sealed_protocol(env, protocol_pdf):
    html = env.client.post("/verifiera", data={"file": (io.BytesIO(protocol_pdf), "p.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert _answer(html) == ("no", "unsigned_original")
    assert "Protokollet är justerat och förseglat." not in html
    assert "Filen är det registrerade protokollets original, före signering." in html
    assert "Registret om protokollet" in html


def test_a_copy_with_one_flipped_byte_is_modified_and_says_nothing_false(env, sealed_pdf):
    data = bytearray(sealed_pdf)
    data[2000] ^= 0x01
    for lang in ("sv", "en"):
        html = env.client.post(f"/verifiera?lang={lang}", data={"file": (io.BytesIO(bytes(data)), "p.pdf")},
                               content_type="multipart/form-data").get_data(as_text=True)
        assert _answer(html) == ("no", "modified"), lang
    html = env.client.post("/verifiera", data={"file": (io.BytesIO(bytes(data)), "p.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
    assert "leder inte till en betrodd rot" not in html and "ej betrodd" not in html
    assert "bygger på samma originalprotokoll" not in html and "Protokollet är justerat och förseglat." not in html
    assert "första byte stämmer inte" in html
    assert 'class="status-ok"' not in html


def test_a_hash_lookup_that_finds_nothing_does_not_speak_of_a_file(env):
    html = env.client.get(f"/verifiera/{'ab' * 32}").get_data(as_text=True)
    assert "Tjänsten känner inte till något protokoll med detta hashvärde." in html
    assert "valt rätt fil" not in html
    english = env.client.get(f"/verifiera/{'ab' * 32}?lang=en").get_data(as_text=True)
    assert "The service knows no minutes with this hash." in english


def test_the_page_no_longer_claims_the_length_is_on_the_signature_page(env):
    html = env.client.get("/verifiera").get_data(as_text=True)
    assert "längd och hashvärde står på signatursidan" not in html
    assert "Dess hashvärde står på signatursidan" in html
