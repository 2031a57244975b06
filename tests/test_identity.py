"""Issue 14: the personnummer staff may give for a signer (checked, then kept only as a keyed
hash) and the name comparison used when there is none."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from signering.errors import InputError
from signering.identity import names_match, normalise_personnummer, personnummer_hash, personnummer_matches
from signering.models import SignatureRequest
from test_api_support import SIGNERS, assert_error, env, metadata, upload  # noqa: F401  (env: the shared fixture)

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("written", ["19121212-1212", "191212121212", " 19121212 1212 ", "121212+1212"])
def test_the_usual_ways_of_writing_a_personnummer_are_one_number(written):
    assert normalise_personnummer(written, today=TODAY) == "191212121212"


def test_two_digit_years_take_the_century_that_makes_the_person_at_most_100():
    assert normalise_personnummer("121212-1212", today=TODAY) == "201212121212"
    assert normalise_personnummer("121212+1212", today=TODAY) == "191212121212"
    assert normalise_personnummer("680312-4681", today=TODAY) == "196803124681"


@pytest.mark.parametrize("bad", ["19121212-1213", "19121312-1212", "abc", "1912121212", "", "19121272-1212"])
def test_wrong_check_digit_date_or_length_is_refused(bad):
    with pytest.raises(InputError):
        normalise_personnummer(bad, today=TODAY)


def test_a_samordningsnummer_is_accepted():
    # Day + 60; the check digit covers the digits as written.
    assert normalise_personnummer("19121272-1219", today=TODAY) == "191212721219"


def test_the_hash_is_keyed_and_matches_any_way_of_writing():
    key = b"k" * 32
    stored = personnummer_hash(key, "19680312-4681")
    assert "196803124681" not in stored and len(stored) == 64
    assert personnummer_matches(stored, key, "196803124681")
    assert not personnummer_matches(stored, b"other" * 8, "196803124681")
    assert not personnummer_matches(stored, key, "191212121212")
    assert not personnummer_matches(stored, key, "not a number")


@pytest.mark.parametrize("claimed, ok", [("ÅSA  öberg", True), ("Asa Oberg", True), ("asa-oberg", True),
                                         ("Åsa Öbergsson", False), ("", False), ("Öberg Åsa", False)])
def test_names_compare_without_case_accents_or_extra_space(claimed, ok):
    assert names_match("Åsa Öberg", claimed) is ok


def test_api_takes_a_personnummer_per_signer_and_keeps_only_its_hash(env, protocol_pdf):
    signers = [dict(SIGNERS[0], personnummer="19680312-4681"), SIGNERS[1], SIGNERS[2]]
    response = upload(env, protocol_pdf, metadata(signers=signers))
    assert response.status_code == 201, response.get_json()
    text = json.dumps(response.get_json())
    assert "4681" not in text and "personnummer" not in text
    with env.svc.db.read() as session:
        rows = session.execute(select(SignatureRequest).order_by(SignatureRequest.position)).scalars().all()
        assert rows[0].personnummer_hash == personnummer_hash(env.svc.settings.secret_key, "196803124681")
        assert [r.personnummer_hash for r in rows[1:]] == [None, None]


def test_api_refuses_an_invalid_personnummer_and_names_the_signer(env, protocol_pdf):
    signers = [dict(SIGNERS[0], personnummer="19680312-4682"), SIGNERS[1], SIGNERS[2]]
    body = assert_error(upload(env, protocol_pdf, metadata(signers=signers)), 422, field="signers")
    assert "Siv Sjödin" in body["message"] and "4682" not in body["message"]
