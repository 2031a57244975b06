"""Swedish by default, English on request: the pages switch language, the choice sticks in a
cookie, and the committed English catalog covers every UI text in the sources."""

from __future__ import annotations

import io
import os
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.test_public_support import env  # noqa: F401  (env: the shared fixture)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO = os.path.join(ROOT, "web", "translations", "en", "LC_MESSAGES", "messages.po")
MO = PO[:-3] + ".mo"

# Per page: a text that must be there in Swedish, and its English counterpart.
PAGES = [
    ("/", "Justering och anslag av protokoll", "Approving (justering) and posting minutes"),
    ("/verifiera", "Kontrollera underskrifterna", "Check the signatures"),
    ("/sekreterare/logga-in", "Logga in som sekreterare eller administratör",
     "Sign in as secretary or administrator"),
    ("/solleftea/anslagstavla", "Det finns inga anslag på anslagstavlan just nu.",
     "There are no notices on the notice board right now."),
]


def _html_lang(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', html)
    assert match, "page has no <html lang=...>"
    return match.group(1)


@pytest.mark.parametrize("path,swedish,english", PAGES)
def test_swedish_is_the_default(env, path, swedish, english):
    response = env.client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _html_lang(html) == "sv"
    assert swedish in html
    assert english not in html
    assert "In English" in html  # the way to switch


@pytest.mark.parametrize("path,swedish,english", PAGES)
def test_english_on_request_and_remembered(env, path, swedish, english):
    client = env.client
    response = client.get(path + "?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _html_lang(html) == "en"
    assert english in html
    assert swedish not in html
    assert "På svenska" in html
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"

    # The next request without the parameter stays English; ?lang=sv switches back for good.
    again = client.get(path).get_data(as_text=True)
    assert _html_lang(again) == "en" and english in again
    back = client.get(path + "?lang=sv").get_data(as_text=True)
    assert _html_lang(back) == "sv" and swedish in back
    assert _html_lang(client.get(path).get_data(as_text=True)) == "sv"


def test_unknown_language_falls_back_to_swedish(env):
    client = env.client
    html = client.get("/?lang=de").get_data(as_text=True)
    assert _html_lang(html) == "sv"
    assert client.get_cookie("lang") is None


def test_shared_parts_and_server_messages_are_translated(env):
    client = env.client
    html = client.get("/?lang=en").get_data(as_text=True)
    # Navigation and footer come from base.html, the board names from Python code.
    assert "Notice board (anslagstavla)" in html
    assert "Skip to content" in html
    assert "Hoppa till innehållet" not in html
    missing = client.get("/finns-inte/anslagstavla")
    assert missing.status_code == 404
    assert "Not found" in missing.get_data(as_text=True)

    # A message built in a view (failed sign-in) follows the language too.
    env.app.config["WTF_CSRF_ENABLED"] = False
    failed = client.post("/sekreterare/logga-in", data={"email": "nobody@example.se", "password": "x" * 12})
    assert failed.status_code == 401
    text = failed.get_data(as_text=True)
    assert "Wrong e-mail address or password." in text
    assert "Fel e-postadress" not in text


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="en")


def test_catalog_is_complete_and_not_fuzzy():
    catalog = _catalog()
    entries = [m for m in catalog if m.id]
    assert len(entries) > 100
    untranslated = [m.id for m in entries
                    if not all(s.strip() for s in (m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert untranslated == []
    assert [m.id for m in entries if m.fuzzy] == []
    assert not catalog.fuzzy
    # Placeholders such as %(org)s must survive translation.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors]
    assert problems == []


def test_catalog_covers_every_text_in_the_sources():
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            os.path.join(ROOT, "web"), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    assert len(found) > 100
    assert sorted(found - in_catalog) == [], "run the pybabel commands in babel.cfg and translate"


def _key(value):
    return value if isinstance(value, str) else tuple(value)


def test_compiled_catalog_matches_the_po():
    with open(MO, "rb") as fh:
        compiled = read_mo(fh)
    def entries(catalog):
        return {_key(m.id): _key(m.string) for m in catalog if m.id}

    source, binary = entries(_catalog()), entries(compiled)
    assert len(binary) > 100
    assert binary == source, "the .mo is stale: run pybabel compile -d web/translations"


def test_catalog_is_inside_the_web_package():
    # Flask-Babel resolves "translations" against the app root (web/), which package-data ships.
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        pyproject = fh.read()
    assert '"*.po"' in pyproject and '"*.mo"' in pyproject
    assert os.path.isfile(os.path.join(ROOT, "web", "__init__.py"))
    assert io.open(MO, "rb").read(4) in (b"\xde\x12\x04\x95", b"\x95\x04\x12\xde")
