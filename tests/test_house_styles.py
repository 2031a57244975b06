"""Protocols in house styles the reader was not written for, read field by field as a person reads them.

The texts in tests/house_styles/ are the project's own (fictional boards and people), each in a
house style of its own. They live with the tests, not with signering/samples, because they exist
to check that the reader generalises; the samples are the demo's and the benchmarks' data.

Each is read four ways: its text directly, rendered by signering.textpdf in running text and in
the two-column template, and as LibreOffice laid it out (tests/house_styles/libreoffice/*.pdf,
made by render_libreoffice.py and committed, so no LibreOffice is needed here).

``python tests/test_house_styles.py`` prints how many fields are right per protocol and rendering.
"""

from __future__ import annotations

import functools
import json
import os

import pytest

from signering.extract import ProtocolInfo, pdf_text, read_protocol_pdf, read_protocol_text
from signering.extract.text import PAGE_BREAK
from signering.extract.dates import find_date
from signering.extract.names import name_before_affiliation
from signering.textpdf import render_text_pdf
from test_extract import inspect_cli

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "house_styles")

# What a person reads off each text. Signers are names per role; "justering" is (date, place).
HOUSE_EXPECTED = {
    # Minnesanteckningar of a network; nobody justerar, numbered items, "Vid anteckningarna" at the end.
    "bibliotekschefer-2024-02-07": dict(
        board="Bibliotekschefsnätverket i Västra Dalen", meeting_date="2024-02-07", paragraphs=5,
        sekreterare=["Johan Rask"], ordforande=[], justerare=[], justering=None),
    # Two-column template, a closing block with "Vid anteckningarna" and "Justerat" side by side.
    "overformyndarnamnden-2024-06-18": dict(
        board="Gemensamma överförmyndarnämnden Åsdal–Lidby", meeting_date="2024-06-18", paragraphs=5,
        sekreterare=["Petter Holm"], ordforande=["Kjell Nyberg"], justerare=["Marianne Ek"],
        justering=("2024-06-20", "Åsdals kommunhus")),
    # Participants as "Name Organisation, role" without a comma after the name; no signature block.
    "vo-college-2024-05-14": dict(
        board="Styrgruppen för Vård- och omsorgscollege Nordanå", meeting_date="2024-05-14", paragraphs=4,
        sekreterare=["Tomas Lindgren"], ordforande=["Maria Holmgren"], justerare=[], justering=None),
    # Party tags "(S)" and ", M,", a vice ordförande, a t.f. sekreterare, "den 27/10 2023".
    "kultur-fritid-2023-10-24": dict(
        board="Kultur- och fritidsnämnden", meeting_date="2023-10-24", paragraphs=4,
        sekreterare=["Petra Nyman"], ordforande=["Gunnel Åkesson"], justerare=["Emma Sandberg"],
        justering=("2023-10-27", "Kultur- och fritidsförvaltningen")),
    # Long dates ("Fredag 6 december 2019" on a line of its own), names under signature lines.
    "samordningsforbundet-2019-12-06": dict(
        board="Förbundsstyrelsen i Samordningsförbundet Östra Skogslandet", meeting_date="2019-12-06",
        paragraphs=3, sekreterare=["Ulla Bergkvist"], ordforande=["Sven-Erik Norén"],
        justerare=["Camilla Wästlund"], justering=("2019-12-09", None)),
    # A "Dag | Tid | Plats" table with the values in the row below; roles under the names.
    "pensionarsradet-2018-11-14": dict(
        board="Kommunala pensionärsrådet", meeting_date="2018-11-14", paragraphs=4,
        sekreterare=["Maria Falk"], ordforande=["Birgit Lund"], justerare=["Gösta Hedman"], justering=None),
    # Page header and footer on every page; "Justeras" over the chair and the justerare.
    "vattenradet-2023-09-12": dict(
        board="Vattenrådet Lillån", meeting_date="2023-09-12", paragraphs=7,
        sekreterare=["Amir Haddad"], ordforande=["Rolf Engström"], justerare=["Kerstin Vik"], justering=None),
    # The secretary is also the justerare ("Sekreterare, tillika justerare").
    "hamnbolaget-2023-03-15": dict(
        board="Styrelsen", meeting_date="2023-03-15", paragraphs=5,
        sekreterare=["Lars Öberg"], ordforande=["Eva Lund"], justerare=["Lars Öberg"], justering=None),
    # The board on a title line after "Minnesanteckningar från", a meeting number after it; bare
    # municipality names after the participants.
    "folkhalsoradet-2022-04-05": dict(
        board="Folkhälsorådet Norra Skogslandet", meeting_date="2022-04-05", paragraphs=4,
        sekreterare=["Eva Strand"], ordforande=["Annika Holm"], justerare=[], justering=None),
    # "Meeting name, Region" on the first line, "2018-11-14 13:15 - 16:15" on its own line below.
    "samverkan-barn-unga-2018-11-14": dict(
        board="Samverkansgruppen barn och unga", meeting_date="2018-11-14", paragraphs=3,
        sekreterare=["Nora Lind"], ordforande=["Lotta Berg"], justerare=[], justering=None),
}
FIELDS = ("board", "meeting_date", "paragraphs", "sekreterare", "ordforande", "justerare", "justering")
RENDERINGS = ("text", "textpdf-plain", "textpdf-table", "libreoffice")


def text_of(name: str) -> str:
    with open(os.path.join(HERE, f"{name}.txt"), encoding="utf-8") as fh:
        return fh.read()


@functools.lru_cache(maxsize=None)
def read(name: str, rendering: str) -> ProtocolInfo:
    if rendering == "text":
        return read_protocol_text(text_of(name))
    if rendering == "libreoffice":
        return read_protocol_pdf(os.path.join(HERE, "libreoffice", f"{name}.pdf"))
    return read_protocol_pdf(render_text_pdf(text_of(name), layout=rendering.split("-")[1]))


def reading(info: ProtocolInfo) -> dict:
    """The fields of ``info`` in the shape of HOUSE_EXPECTED."""
    names = {role: [s.name for s in info.signers if s.role == role]
             for role in ("sekreterare", "ordforande", "justerare")}
    justering = None
    if info.justering:
        justering = (info.justering.date and info.justering.date.isoformat(), info.justering.place)
    return dict(board=info.board, meeting_date=info.meeting_date and info.meeting_date.isoformat(),
                paragraphs=len(info.paragraphs), justering=justering, **names)


def test_every_text_has_an_expectation_and_a_libreoffice_rendering():
    texts = sorted(f[:-4] for f in os.listdir(HERE) if f.endswith(".txt"))
    assert texts == sorted(HOUSE_EXPECTED)
    assert len(texts) >= 8
    for name in texts:
        assert os.path.exists(os.path.join(HERE, "libreoffice", f"{name}.pdf")), name


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("name", sorted(HOUSE_EXPECTED))
def test_reads_as_a_person_does(name, rendering):
    assert reading(read(name, rendering)) == HOUSE_EXPECTED[name]


@pytest.mark.parametrize("name", sorted(HOUSE_EXPECTED))
def test_inspect_json_says_where_each_field_was_read(name):
    path = os.path.join(HERE, "libreoffice", f"{name}.pdf")
    code, out = inspect_cli(path, "--json")
    data = json.loads(out)
    assert code == 0
    pages = [page.split("\n") for page in pdf_text(path).split(PAGE_BREAK)]

    def line_at(source: dict) -> str:
        return pages[source["page"] - 1][source["line"] - 1]

    sources = data["sources"]
    assert data["board"].split()[0] in line_at(sources["board"])
    assert HOUSE_EXPECTED[name]["meeting_date"] in line_at(sources["meeting_date"]) \
        or find_date(line_at(sources["meeting_date"])).value.isoformat() == data["meeting_date"]
    for signer, source in zip(data["signers"], sources["signers"], strict=True):
        assert signer["name"].split()[-1] in line_at(source), signer
    for paragraph, source in zip(data["paragraphs"], sources["paragraphs"], strict=True):
        # Items numbered "1. ..." (minnesanteckningar without §) are counted, not located.
        assert str(paragraph["number"]) in line_at(source) if "§" in text_of(name) else source is None


@pytest.mark.parametrize("text, expected", [
    ("den 6/12 2019", "2019-12-06"),
    ("Fredag 6 december 2019", "2019-12-06"),
    ("Dag 2013-05-15", "2013-05-15"),
    ("2018-11-14 13:15 - 16:15", "2018-11-14"),
    ("Protokoll nr 4/2018", None),
    ("den 31/2 2019", None),
])
def test_dates_in_every_form(text, expected):
    found = find_date(text)
    assert (found.value.isoformat() if found else None) == expected


@pytest.mark.parametrize("text, neighbours, expected", [
    ("Tomas Lindgren Regionförbundet Nordanå", (), "Tomas Lindgren"),
    ("Anna-Karin Berg Lidby kommun", (), "Anna-Karin Berg"),
    ("Åsa Ågren Wikström Vännäs kommun", (), "Åsa Ågren Wikström"),
    ("Sanna Eriksson t.f. Sollefteå", (), "Sanna Eriksson"),
    ("Eva Strand Region Västernorrland", (), "Eva Strand"),
    ("Rikard Blom KD", (), "Rikard Blom"),
    # Words the other lines of the list end in too are an organisation's.
    ("Jonas Wiklund Nordlandet Vatten", ("Stig Persson Nordlandet Vatten", "Kim Ek Nordlandet Vatten"),
     "Jonas Wiklund"),
    # Nothing after the name, or a surname no list explains: no cut.
    ("Åsa Ågren Wikström", (), None),
    ("Jonas Wiklund Lindqvist", (), None),
])
def test_names_apart_from_affiliations(text, neighbours, expected):
    assert name_before_affiliation(text, neighbours) == expected


@pytest.mark.parametrize("text, expected", [
    ("Petra Nyman, t.f. sekreterare", [("Petra Nyman", "sekreterare")]),
    ("Rikard Blom, M, vice ordförande", []),
    ("Gunnel Åkesson (S), ordförande", [("Gunnel Åkesson", "ordforande")]),
    ("Tomas Lindgren Regionförbundet Nordanå, sekreterare", [("Tomas Lindgren", "sekreterare")]),
    ("Lars Öberg, sekreterare och justerare", [("Lars Öberg", "sekreterare"), ("Lars Öberg", "justerare")]),
])
def test_roles_from_a_participant_line(text, expected):
    info = read_protocol_text(f"Närvarande\n{text}\nKim Ek")
    assert [(s.name, s.role) for s in info.signers] == expected


@pytest.mark.parametrize("names, expected", [
    ("Petter Holm Marianne Ek", [("Petter Holm", "sekreterare"), ("Marianne Ek", "justerare")]),
    ("Petter Holm\tMarianne Ek", [("Petter Holm", "sekreterare"), ("Marianne Ek", "justerare")]),
    # Two ways to cut five words into two names: neither is taken.
    ("Anna Maria Berg Karl Lund", []),
])
def test_two_column_closing_block(names, expected):
    text = f"§ 1 Mötets öppnande\n\nVid anteckningarna\tJusterat\n____\t____\n{names}\n"
    assert [(s.name, s.role) for s in read_protocol_text(text).signers] == expected


def fields_right() -> dict[str, dict[str, int]]:
    table = {}
    for name, expected in sorted(HOUSE_EXPECTED.items()):
        table[name] = {}
        for rendering in RENDERINGS:
            got = reading(read(name, rendering))
            table[name][rendering] = sum(got[f] == expected[f] for f in FIELDS)
    return table


if __name__ == "__main__":
    table = fields_right()
    print(f"{'protocol':34}" + "".join(f"{r:>15}" for r in RENDERINGS))
    for name, row in table.items():
        print(f"{name:34}" + "".join(f"{row[r]:>13}/{len(FIELDS)}" for r in RENDERINGS))
    total = sum(sum(row.values()) for row in table.values())
    print(f"total {total}/{len(FIELDS) * len(RENDERINGS) * len(table)}")
