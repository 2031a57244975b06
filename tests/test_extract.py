"""Reading a protocol's metadata from its PDF, as a person reads it off the text.

The project's sample protocols (signering/samples) are rendered to PDF in their own house style
and in two layouts (running text, and a two-column template), with and without a page header
repeated on every page; the expected values below were read off the texts by hand. The same
runs over the external seed corpus when it is there (../shared/seeds or SIGNERING_SEEDS), and is
skipped when it is not. Other house styles, a letter that is no protocol and broken files check
that the reader generalises and never guesses.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import pytest
from conftest import seed_names
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from signering.commands import inspect as inspect_command
from signering.errors import DamagedPdf, EmptyFile, EncryptedPdf, InputError, NotAPdf
from signering.extract import pdf_text, read_protocol_pdf, read_protocol_text
from signering.extract.dates import find_date, find_time
from signering.extract.names import person_name
from signering.samples import SAMPLES, sample
from signering.textpdf import render_text_pdf

HEADER = "Kommunstyrelsens allmänna utskott  Sammanträdesprotokoll  2024-04-16"

SAMPLE_EXPECTED = {
    # Plain running text with "Label: value" lines and a signature block with signature lines.
    "ekasa-ks-2025-03-11": {
        "board": "Kommunstyrelsen",
        "meeting_date": "2025-03-11",
        "meeting_time": {"start": "13:00", "end": "15:30"},
        "place": "Kommunhuset, Sessionssalen",
        "paragraphs": [
            {"number": 30, "title": "Val av justerare", "dnr": None},
            {"number": 31, "title": "Ekonomisk uppföljning februari 2025", "dnr": "KS 2025/41"},
            {"number": 32, "title": "Medborgarförslag om belysning vid Östra skolan", "dnr": "KS 2024/233"},
            {"number": 33, "title": "Ny dokumenthanteringsplan", "dnr": "KS 2025/12"},
            {"number": 34, "title": "Delegationsbeslut och meddelanden", "dnr": "KS 2025/3"},
        ],
        "signers": [
            {"name": "Karin Sjöström", "role": "sekreterare"},
            {"name": "Göran Ålund", "role": "ordforande"},
            {"name": "Fatima Öberg", "role": "justerare"},
        ],
        "justering": {"date": "2025-03-14", "place": "Kommunkansliet"},
        "has_text": True,
    },
    # Two-column template (label | value cells), a participants table, the board repeated on
    # each page and the dnr on its own line under the paragraph number.
    "ekasa-mbn-2025-04-08": {
        "board": "Miljö- och byggnadsnämnden",
        "meeting_date": "2025-04-08",
        "meeting_time": {"start": "09:00", "end": "12:15"},
        "place": "Kommunhuset, sammanträdesrum Ljusnan",
        "paragraphs": [
            {"number": 18, "title": "Information från förvaltningen", "dnr": "MBN 2025/6"},
            {"number": 19, "title": "Bygglov för nybyggnad av förskola, Ekåsa 4:12", "dnr": "MBN 2025/31"},
            {"number": 20, "title": "Föreläggande om åtgärder vid enskilt avlopp", "dnr": "MBN 2024/212"},
            {"number": 21, "title": "Internkontrollplan 2025", "dnr": "MBN 2025/2"},
            {"number": 22, "title": "Delegationsbeslut mars 2025", "dnr": "MBN 2025/4"},
        ],
        "signers": [
            {"name": "Lina Åström", "role": "sekreterare"},
            {"name": "Bengt Öhman", "role": "ordforande"},
            {"name": "Yvonne Sjödahl", "role": "justerare"},
        ],
        # "Protokollet är justerat" without date or place.
        "justering": None,
        "has_text": True,
    },
    # A kommunalförbund's letterhead with its member municipalities, bare labels ("Dag 2025-05-20"),
    # a page header on every page and "Vid protokollet" / "Justeras" at the end.
    "fjallbygden-direktionen-2025-05-20": {
        "board": "Direktionen",
        "meeting_date": "2025-05-20",
        "meeting_time": {"start": "10:00", "end": "14:30"},
        "place": "Förbundshuset i Åsmyra, sal Fjällsippan",
        "paragraphs": [
            {"number": 41, "title": "Val av justerare", "dnr": None},
            {"number": 42, "title": "Årsredovisning 2024", "dnr": "FBF 2025/9"},
            {"number": 43, "title": "Budget och verksamhetsplan 2026", "dnr": "FBF 2025/17"},
            {"number": 44, "title": "Handlingsprogram för skydd mot olyckor", "dnr": "FBF 2024/66"},
            {"number": 45, "title": "Delegationsbeslut och meddelanden", "dnr": None},
            {"number": 46, "title": "Mötets avslutande", "dnr": None},
        ],
        "signers": [
            {"name": "Tord Öqvist", "role": "sekreterare"},
            {"name": "Ingela Rönnqvist", "role": "ordforande"},
            {"name": "Sara Lundmark", "role": "justerare"},
        ],
        "justering": {"date": "2025-05-23", "place": "förbundskansliet"},
        "has_text": True,
    },
    # Minnesanteckningar of a network: "Justeras av" with the role under each name, a table of contents.
    "fjallbygden-socialchefer-2025-10-06": {
        "board": "Socialchefsnätverket i Fjällbygden",
        "meeting_date": "2025-10-06",
        "meeting_time": {"start": "09:30", "end": "12:00"},
        "place": "Digitalt möte via Teams och Kommunhuset i Lövnäs, rum Tjädern",
        "paragraphs": [
            {"number": 7, "title": "Mötets öppnande och val av justerare", "dnr": None},
            {"number": 8, "title": "Gemensam jourverksamhet för socialtjänsten", "dnr": None},
            {"number": 9, "title": "Länsstyrelsens tillsyn av ensamkommande barns boenden", "dnr": None},
            {"number": 10, "title": "Nästa möte", "dnr": None},
        ],
        "signers": [
            {"name": "Oskar Hägglund", "role": "sekreterare"},
            {"name": "Annika Bäckman", "role": "ordforande"},
            {"name": "Patrik Jönsson", "role": "justerare"},
        ],
        "justering": {"date": "2025-10-10", "place": "digitalt"},
        "has_text": True,
    },
}

# The external seed corpus, read by hand the same way; these run only where the corpus is.
SEED_EXPECTED = {
    "solleftea-ks-au-2024-04-16.txt": {
        "board": "Kommunstyrelsens allmänna utskott",
        "meeting_date": "2024-04-16",
        "meeting_time": {"start": "08:30", "end": "11:00"},
        "place": "Digitalt möte",
        # The paragraphs' own headings, where they differ from the agenda (§ 14, 15, 16, 17).
        "paragraphs": [
            {"number": 11, "title": "Informationer", "dnr": "KS 9/2024"},
            {"number": 12, "title": "Verksamhets- och ekonomiuppföljning Stab & Service per mars månad 2024",
             "dnr": "KS 24/2024"},
            {"number": 13, "title": "Verksamhets- och ekonomiuppföljning Sollefteå kommun per mars månad 2024",
             "dnr": "KS 11/2024"},
            {"number": 14, "title": "Internkontroll 2023, uppföljning", "dnr": "KS 103/2024"},
            {"number": 15, "title": "Internkontrollplan 2024", "dnr": "KS 145/2024"},
            {"number": 16, "title": "Ett jämställt Västernorrland – En länsstrategi för jämställdhet",
             "dnr": "KS 148/2024"},
            {"number": 17, "title": "Avsiktsförklaring gällande samverkan med Kramfors kommun",
             "dnr": "KS 147/2024"},
        ],
        "signers": [
            {"name": "Siv Sjödin", "role": "sekreterare"},
            {"name": "Birgitta Häggkvist", "role": "ordforande"},
            {"name": "John Åberg", "role": "justerare"},
        ],
        # "Protokollet är justerat" without date or place; the e-signing dates are not the justering's.
        "justering": None,
        "has_text": True,
    },
    "kommundirektorsnatverket-2025-09-22.txt": {
        "board": "Kommundirektörsnätverket",
        "meeting_date": "2025-09-22",
        "meeting_time": {"start": "10:10", "end": "11:50"},
        "place": "Styrelserummet B312, Mittuniversitetet, Campus Östersund",
        "paragraphs": [
            {"number": 17, "title": "Upprop, protokollets justering, föregående protokoll samt fastställande av dagordningen",
             "dnr": None},
            {"number": 18, "title": "Styrgrupp samarbetsavtal Mittuniversitetet", "dnr": None},
            {"number": 19, "title": "Brysselresa", "dnr": None},
            {"number": 20, "title": "Samverket", "dnr": None},
            {"number": 21, "title": "Presentation och läget i kommunerna", "dnr": None},
            {"number": 22, "title": "Upphandlingskontoret", "dnr": None},
        ],
        "signers": [
            {"name": "Elise Ackerot", "role": "sekreterare"},
            {"name": "Martin Söderström", "role": "ordforande"},
            {"name": "Jenny Kriström", "role": "justerare"},
        ],
        "justering": {"date": "2025-10-02", "place": "digitalt"},
        "has_text": True,
    },
    # Minnesanteckningar of Umeåregionen's Kommunchefsgruppen (the file name's date is not the meeting's).
    "umearegionen-kc-2013-05-15.txt": {
        "board": "Kommunchefsgruppen",
        "meeting_date": "2013-05-15",
        "meeting_time": {"start": "08:30", "end": "11:00"},
        "place": "Umeå stadshus, Nobelsalen",
        "paragraphs": [{"number": n, "title": t, "dnr": None} for n, t in enumerate([
            "Mötets öppnande", "Föregående minnesanteckningar", "Undersökning UNGA13",
            "Samverkan inom IT-området", "Budgetuppföljning",
            "Fortsatt jämställdhetsarbete efter projekt Normstorm", "Studieresa till Island",
            "Aktiviteter på Stora Nolia", "Framtida lokalförsörjning för Umeåregionen", "Övriga frågor",
            "Mötets avslutande"], start=1)],
        # Karl-Johan Bergmark is vice ordförande, not ordförande; nobody is named justerare.
        "signers": [
            {"name": "Erik Sedig", "role": "sekreterare"},
            {"name": "Johan Gammelgård", "role": "ordforande"},
        ],
        "justering": None,
        "has_text": True,
    },
}


_PDFS: dict[tuple, bytes] = {}


def render(text: str, layout: str, header: str | None) -> bytes:
    key = (text, layout, header)
    if key not in _PDFS:
        _PDFS[key] = render_text_pdf(text, layout=layout, header=header)
    return _PDFS[key]


def sample_pdf(name: str, layout: str, header: str | None) -> bytes:
    return render(sample(name).text(), layout, header)


def inspect_cli(path, *extra: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="signering")
    inspect_command.register(parser.add_subparsers())
    args = parser.parse_args(["inspect", str(path), *extra])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = args.func(args)
    return code, out.getvalue()


def without_sources(data: dict) -> dict:
    """``inspect --json`` output less its ``sources``, after checking they point at a page and line
    for each field that was found, and for nothing else."""
    data = dict(data)
    sources = data.pop("sources")
    for key in ("board", "meeting_date", "meeting_time", "place", "justering"):
        assert (sources[key] is None) == (data[key] is None), key
        assert sources[key] is None or (sources[key]["page"] >= 1 and sources[key]["line"] >= 1), key
    assert len(sources["signers"]) == len(data["signers"]) and all(sources["signers"])
    assert len(sources["paragraphs"]) == len(data["paragraphs"])
    return data


def test_every_sample_has_an_expectation():
    assert sorted(s.name for s in SAMPLES) == sorted(SAMPLE_EXPECTED)
    assert {s.style for s in SAMPLES} >= {"plain", "table", "header", "minnesanteckningar"}


@pytest.mark.parametrize("header", [None, HEADER], ids=["no-header", "repeated-header"])
@pytest.mark.parametrize("layout", ["plain", "table"])
@pytest.mark.parametrize("name", sorted(SAMPLE_EXPECTED))
def test_inspect_json_matches_a_persons_reading(tmp_path, name, layout, header):
    path = tmp_path / "protokoll.pdf"
    path.write_bytes(sample_pdf(name, layout, header))
    code, out = inspect_cli(path, "--json")
    assert code == 0
    assert without_sources(json.loads(out)) == SAMPLE_EXPECTED[name]


@pytest.mark.parametrize("name", sorted(SAMPLE_EXPECTED))
def test_sample_in_its_own_house_style(name):
    assert read_protocol_pdf(sample(name).pdf()).to_dict() == SAMPLE_EXPECTED[name]


@pytest.mark.parametrize("name", sorted(SAMPLE_EXPECTED))
def test_sample_text_read_directly(name):
    assert read_protocol_text(sample(name).text()).to_dict() == SAMPLE_EXPECTED[name]


def test_every_seed_has_an_expectation():
    assert seed_names() == sorted(SEED_EXPECTED)


@pytest.mark.parametrize("header", [None, HEADER], ids=["no-header", "repeated-header"])
@pytest.mark.parametrize("layout", ["plain", "table"])
@pytest.mark.parametrize("seed", sorted(SEED_EXPECTED))
def test_seed_inspect_json_matches_a_persons_reading(tmp_path, seed_text, seed, layout, header):
    path = tmp_path / "protokoll.pdf"
    path.write_bytes(render(seed_text(seed), layout, header))
    code, out = inspect_cli(path, "--json")
    assert code == 0
    assert without_sources(json.loads(out)) == SEED_EXPECTED[seed]


@pytest.mark.parametrize("seed", sorted(SEED_EXPECTED))
def test_seed_text_read_directly(seed_text, seed):
    assert read_protocol_text(seed_text(seed)).to_dict() == SEED_EXPECTED[seed]


MINNES = "fjallbygden-socialchefer-2025-10-06"


def test_repeated_header_is_not_taken_for_the_meeting():
    # The header names another board and date than the protocol: the protocol's own block wins,
    # on every page the header line is gone from the text the finders read.
    pdf = sample_pdf(MINNES, "table", HEADER)
    info = read_protocol_pdf(pdf)
    assert info.board == "Socialchefsnätverket i Fjällbygden"
    assert info.meeting_date == dt.date(2025, 10, 6)
    pages = pdf_text(pdf).split("\f")
    assert len(pages) >= 2 and all("Sammanträdesprotokoll" in page for page in pages if page.strip())


def test_header_is_the_fallback_when_the_body_has_no_heading_block():
    body = "§ 5 Budget 2025\n\nBeslut\n\nNämnden beslutar att anta budgeten.\n\n" * 40
    info = read_protocol_pdf(render_text_pdf(body, header="Ådalens kommun  Socialnämnden  Sammanträdesprotokoll  2025-03-04"))
    assert (info.board, info.meeting_date) == ("Socialnämnden", dt.date(2025, 3, 4))
    assert [(p.number, p.title) for p in info.paragraphs] == [(5, "Budget 2025")]


def test_table_layout_keeps_label_and_value_on_one_line():
    text = pdf_text(sample_pdf(MINNES, "table", None))
    assert "Tid och plats\tmåndag 6 oktober 2025 kl. 09.30 – 12.00\n\tDigitalt möte via Teams" in text
    assert "Justeringens tid\tfredag 10 oktober 2025, digitalt\noch plats" in text


SOCIALNAMNDEN = """\
\tSAMMANTRÄDESPROTOKOLL
Socialnämnden\tSammanträdesdatum\tSida
\t2019-12-06\t1(3)

Plats och tid\tStadshuset, sal Älven, kl. 13.00–16.30

Beslutande\tAnna Ek (S), ordförande
\tKarl Lund (M), 1:e vice ordförande
\tEva Holm (C)

Övriga deltagande\tLisa Berg, nämndsekreterare
\tPer Öst, socialchef

Utses att justera\tEva Holm (C)

Justeringens\tSocialkontoret, 2019-12-10
plats och tid

Underskrifter\tSekreterare\t....................................\tParagrafer §§ 45–47
\t\tLisa Berg

\tOrdförande\t....................................
\t\tAnna Ek

\tJusterande\t....................................
\t\tEva Holm

SN § 45\tDnr SN 2019/123
Budget 2020 för socialnämnden

Beslut
Socialnämnden beslutar att godkänna budgeten. Se § 12 i förra protokollet.

SN § 46\tDnr SN 2019/140
Delegationsbeslut för november
och december

Beslut
Redovisningen läggs till handlingarna.

SN § 47
Dnr SN 2019/7
Information från förvaltningschefen

Beslut
Informationen noteras.
"""

FULLMAKTIGE = """\
Protokoll fört vid sammanträde med kommunfullmäktige den 6 december 2019 kl. 18.00–21.15 i Kommunhuset, Sessionssalen.

Närvarande: se bilaga 1.

§ 101 Val av justerare

Kommunfullmäktige beslutar att utse Anna Ek (S) och Bo Ax (M) att jämte ordföranden justera dagens protokoll.

Justering sker på kommunkansliet den 11 december 2019 kl. 15.00.

§ 102 Anmälan av motioner

Inga motioner har kommit in.

§ 103 Revisionsrapport 2019, Dnr KS 2019/88

Fullmäktige tar emot rapporten.

Vid protokollet

Lisa Berg

Karl Lund, ordförande
"""


@pytest.mark.parametrize("layout", ["plain", "table"])
def test_form_template_with_signature_lines_and_names_below(layout):
    info = read_protocol_pdf(render_text_pdf(SOCIALNAMNDEN, layout=layout)).to_dict()
    assert info["board"] == "Socialnämnden"
    assert info["meeting_date"] == "2019-12-06"
    assert info["meeting_time"] == {"start": "13:00", "end": "16:30"}
    assert info["place"] == "Stadshuset, sal Älven"
    assert info["signers"] == [{"name": "Lisa Berg", "role": "sekreterare"},
                               {"name": "Anna Ek", "role": "ordforande"},
                               {"name": "Eva Holm", "role": "justerare"}]
    assert info["justering"] == {"date": "2019-12-10", "place": "Socialkontoret"}
    assert info["paragraphs"] == [
        {"number": 45, "title": "Budget 2020 för socialnämnden", "dnr": "SN 2019/123"},
        {"number": 46, "title": "Delegationsbeslut för november och december", "dnr": "SN 2019/140"},
        {"number": 47, "title": "Information från förvaltningschefen", "dnr": "SN 2019/7"},
    ]


@pytest.mark.parametrize("layout", ["plain", "table"])
def test_protocol_written_in_sentences(layout):
    info = read_protocol_pdf(render_text_pdf(FULLMAKTIGE, layout=layout)).to_dict()
    assert info["board"] == "Kommunfullmäktige"
    assert info["meeting_date"] == "2019-12-06"
    assert info["meeting_time"] == {"start": "18:00", "end": "21:15"}
    assert info["place"] == "Kommunhuset, Sessionssalen"
    assert info["justering"] == {"date": "2019-12-11", "place": "kommunkansliet"}
    assert info["signers"] == [{"name": "Lisa Berg", "role": "sekreterare"},
                               {"name": "Karl Lund", "role": "ordforande"},
                               {"name": "Anna Ek", "role": "justerare"},
                               {"name": "Bo Ax", "role": "justerare"}]
    assert [(p["number"], p["title"], p["dnr"]) for p in info["paragraphs"]] == [
        (101, "Val av justerare", None), (102, "Anmälan av motioner", None),
        (103, "Revisionsrapport 2019", "KS 2019/88")]


COLON_LABELS = """\
SAMMANTRÄDESPROTOKOLL
Kommunstyrelsen

Datum: 2024-05-07
Tid: 13:00–16:00
Plats: KS-salen, Stadshuset

Beslutande: Karl Lund (M), ordförande
Anna Ek (S)
Bo Ax (KD)

Justerare: Anna Ek (S)
Justeringsdatum: 2024-05-10
Paragrafer: §§ 45–47

Sekreterare: ____________________ Lisa Berg
Ordförande: ____________________ Karl Lund
Justerare: ____________________ Anna Ek

KS § 45 Dnr KS 2024/12
Årsredovisning 2023

Beslut
Kommunstyrelsen föreslår fullmäktige att godkänna årsredovisningen.

KS § 46 Dnr KS 2024/30
Motion om gång- och cykelvägar

KS § 47
Anmälningar
"""

ONLY_CONTENTS = """\
Barn- och utbildningsnämnden
PROTOKOLL

Sammanträdesdatum: tisdagen den 28 november 2023, klockan 09.00–12.00
Plats: Rådhuset, sal 3

Närvarande ledamöter
Maria Lind (S), ordförande
Sven Berg (M), vice ordförande

Tjänstemän
Karin Ström, nämndsekreterare

Val av justerare
Sven Berg (M) utses att jämte ordföranden justera protokollet.

Justering
Rådhuset, fredag 1 december 2023

Innehållsförteckning
§ 80 Budgetuppföljning oktober ........................ 3
§ 81 Skolskjuts, ny riktlinje ........................ 4
§ 82 Delegationsbeslut .............................. 6
"""


@pytest.mark.parametrize("layout", ["plain", "table"])
def test_colon_labels_and_signature_lines(layout):
    info = read_protocol_pdf(render_text_pdf(COLON_LABELS, layout=layout)).to_dict()
    assert (info["board"], info["meeting_date"], info["place"]) == ("Kommunstyrelsen", "2024-05-07", "KS-salen, Stadshuset")
    assert info["meeting_time"] == {"start": "13:00", "end": "16:00"}
    assert info["justering"] == {"date": "2024-05-10", "place": None}
    assert info["signers"] == [{"name": "Lisa Berg", "role": "sekreterare"},
                               {"name": "Karl Lund", "role": "ordforande"},
                               {"name": "Anna Ek", "role": "justerare"}]
    assert info["paragraphs"] == [
        {"number": 45, "title": "Årsredovisning 2023", "dnr": "KS 2024/12"},
        {"number": 46, "title": "Motion om gång- och cykelvägar", "dnr": "KS 2024/30"},
        {"number": 47, "title": "Anmälningar", "dnr": None},
    ]


@pytest.mark.parametrize("layout", ["plain", "table"])
def test_first_page_only_with_table_of_contents(layout):
    info = read_protocol_pdf(render_text_pdf(ONLY_CONTENTS, layout=layout)).to_dict()
    assert (info["board"], info["meeting_date"], info["place"]) == (
        "Barn- och utbildningsnämnden", "2023-11-28", "Rådhuset, sal 3")
    assert info["meeting_time"] == {"start": "09:00", "end": "12:00"}
    assert info["justering"] == {"date": "2023-12-01", "place": "Rådhuset"}
    assert info["signers"] == [{"name": "Karin Ström", "role": "sekreterare"},
                               {"name": "Maria Lind", "role": "ordforande"},
                               {"name": "Sven Berg", "role": "justerare"}]
    assert [(p["number"], p["title"]) for p in info["paragraphs"]] == [
        (80, "Budgetuppföljning oktober"), (81, "Skolskjuts, ny riktlinje"), (82, "Delegationsbeslut")]


SIGNATURE_ROW = """\
Kultur- och fritidsnämnden

Datum\t2024-03-05
Plats\tBiblioteket, Hörsalen

\tSekreterare\tOrdförande\tJusterare
\t....................\t....................\t....................
\tLisa Berg\tKarl Lund\tAnna K. Ek

§ 12
Dnr KFN 2024/3
Ansökan om bidrag enligt

§ 37 medel för integration

Beslut
Ansökan beviljas. Protokollet justeras den 8 mars 2024 på biblioteket.
"""


@pytest.mark.parametrize("layout", ["plain", "table"])
def test_roles_side_by_side_and_a_wrapped_paragraph_mention(layout):
    info = read_protocol_pdf(render_text_pdf(SIGNATURE_ROW, layout=layout))
    # In running text the three columns run together ("Lisa Berg Karl Lund Anna K. Ek"); only one
    # way to cut the words gives three names, so they are still read.
    assert [(s.role, s.name) for s in info.signers] == [
        ("sekreterare", "Lisa Berg"), ("ordforande", "Karl Lund"), ("justerare", "Anna K. Ek")]
    assert [(p.number, p.title, p.dnr) for p in info.paragraphs] == [(12, "Ansökan om bidrag enligt", "KFN 2024/3")]
    assert (info.board, info.meeting_date, info.place) == ("Kultur- och fritidsnämnden", dt.date(2024, 3, 5),
                                                           "Biblioteket, Hörsalen")
    assert (info.justering.date, info.justering.place) == (dt.date(2024, 3, 8), "biblioteket")


def test_a_letter_gives_nothing():
    letter = (
        "Hej Anna,\n\nTack för mötet i tisdags. Johan Andersson, ordförande i föreningen, hälsar.\n"
        "Vi ses den 6 december 2019 kl. 10.00 på biblioteket.\n\nProtokollet från förra året finns i pärmen.\n\n"
        "Med vänliga hälsningar\nKarin Svensson\nSekreterare i Byalaget\n"
    )
    info = read_protocol_pdf(render_text_pdf(letter))
    assert info.has_text
    assert info.to_dict() | {"has_text": None} == {
        "board": None, "meeting_date": None, "meeting_time": None, "place": None, "paragraphs": [],
        "signers": [], "justering": None, "has_text": None}


def test_names_are_not_taken_from_unrelated_lines():
    text = ("Socialnämnden\n\nDatum 2024-01-10\n\nOrdförande ställer proposition på förslaget.\n"
            "Sekreterare Protokollet undertecknas elektroniskt\nJusterare\n\nEnligt närvarolista\n")
    assert read_protocol_text(text).signers == ()


def test_scanned_pdf_without_text_gives_an_empty_form(tmp_path):
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 500, fill=1)  # what a scan is to a text extractor: no text at all
    c.showPage()
    c.save()
    info = read_protocol_pdf(buf.getvalue())
    assert info.has_text is False
    assert info.board is None and info.paragraphs == () and info.signers == ()
    path = tmp_path / "scan.pdf"
    path.write_bytes(buf.getvalue())
    code, out = inspect_cli(path)
    assert code == 0 and "ingen text" in out


def test_human_readable_output_is_swedish(tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(sample_pdf(MINNES, "plain", None))
    code, out = inspect_cli(path)
    assert code == 0
    rows = [" ".join(line.split()) for line in out.splitlines()]
    for row in ("Organ: Socialchefsnätverket i Fjällbygden", "Sammanträde: 2025-10-06 kl. 09.30–12.00",
                "Plats: Digitalt möte via Teams och Kommunhuset i Lövnäs, rum Tjädern",
                "Justering: 2025-10-10, digitalt", "Sekreterare: Oskar Hägglund",
                "Ordförande: Annika Bäckman", "Justerare: Patrik Jönsson", "§ 10 Nästa möte"):
        assert row in rows


def test_file_that_is_not_a_pdf_is_a_clear_error(tmp_path):
    path = tmp_path / "protokoll.docx"
    path.write_bytes(b"PK\x03\x04 this is a Word file")
    with pytest.raises(NotAPdf) as exc:
        inspect_cli(path)
    assert "ingen PDF" in exc.value.message("sv")


def test_empty_damaged_encrypted_and_missing_files(tmp_path):
    with pytest.raises(EmptyFile):
        read_protocol_pdf(b"")
    with pytest.raises(DamagedPdf):
        read_protocol_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf(MINNES, "plain", None)))
    writer.encrypt(user_password="hemligt", owner_password="hemligt", algorithm="AES-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(EncryptedPdf):
        read_protocol_pdf(locked.getvalue())
    with pytest.raises(InputError) as exc:
        inspect_cli(tmp_path / "finns-inte.pdf")
    assert "finns-inte.pdf" in exc.value.message("sv")


def test_owner_password_only_is_still_readable():
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf("ekasa-mbn-2025-04-08", "plain", None)))
    writer.encrypt(user_password="", owner_password="agare", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert read_protocol_pdf(out.getvalue()).board == "Miljö- och byggnadsnämnden"


@pytest.mark.parametrize("text, expected", [
    ("2024-04-16", dt.date(2024, 4, 16)),
    ("måndag 22 september 2025 kl. 10.10 – 11.50", dt.date(2025, 9, 22)),
    ("den 6 december 2019", dt.date(2019, 12, 6)),
    ("Onsdagen den 3 maj 2023", dt.date(2023, 5, 3)),
    ("6 dec. 2019", dt.date(2019, 12, 6)),
    ("2024-02-30", None),
    ("Svar senast 203-06-15", None),
    ("Dnr KS 9/2024", None),
])
def test_swedish_dates(text, expected):
    found = find_date(text)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize("text, bare, expected", [
    ("kl. 10.10 – 11.50", False, (dt.time(10, 10), dt.time(11, 50))),
    ("Kl. 08.30 – 11.00", False, (dt.time(8, 30), dt.time(11, 0))),
    ("kl 13", False, (dt.time(13, 0), None)),
    ("08.30-11.00", True, (dt.time(8, 30), dt.time(11, 0))),
    ("08.30-11.00", False, None),
    ("2024-04-16", True, None),
    ("kl. 25.00", False, None),
])
def test_times(text, bare, expected):
    found = find_time(text, bare=bare)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("Birgitta Häggkvist (VI) §§ 11 - 17", "Birgitta Häggkvist"),
    ("John Åberg (S)", "John Åberg"),
    ("Kurt-Allan Egelby", "Kurt-Allan Egelby"),
    ("Åsa Ågren Wikström", "Åsa Ågren Wikström"),
    ("Umeå kommun", None),
    ("Protokollet undertecknas elektroniskt av", None),
    ("Digitalt möte", None),
    ("....................", None),
])
def test_person_names(text, expected):
    assert person_name(text) == expected


@pytest.mark.parametrize("name", sorted(SAMPLE_EXPECTED))
def test_what_was_read_survives_the_trip_from_the_reading_child(name):
    # The web app reads uploads in a child process, which sends to_dict() back (issue 9).
    from signering.extract import ProtocolInfo

    info = read_protocol_text(sample(name).text())
    assert ProtocolInfo.from_dict(json.loads(json.dumps(info.to_dict()))) == info
