"""Issue 17, section 1: "Beslutet skickas till" read per paragraph in the forms protocols use."""

from __future__ import annotations

import pytest

from signering import extracts
from signering.extract.text import pdf_text
from signering.textpdf import render_text_pdf

# Our own protocol (not a copy of a real one), with the list written a different way in each paragraph.
PROTOCOL = """Protokoll
Miljö- och byggnämnden
Sammanträdesdatum 2025-09-23

§ 12 Budgetuppföljning augusti
Dnr MBN 2025/88
Nämnden godkänner budgetuppföljningen.

Beslutet skickas till
Ekonomichef

Kommundirektör

§ 13 Delegationsbeslut
Nämnden lägger redovisningen till handlingarna.

Beslutet skickas till: Ekonomichef, Kommundirektör; Nämndsekreterare

§ 14 Tillsynsplan 2026
Nämnden antar tillsynsplanen.

Expedieras till
- Miljöchef
– Byggchef
• Länsstyrelsen (för kännedom)

§ 15 Yttrande över vindkraftspark
Nämnden yttrar sig enligt förvaltningens förslag.

Beslutet skickas till
Kommunstyrelsen

För kännedom:
Revisorerna
Akten

§ 16 Information
Nämnden tar del av informationen. Inget beslut skickas till någon.
"""


@pytest.fixture(scope="module")
def found():
    return extracts.sections(pdf_text(render_text_pdf(PROTOCOL)))


@pytest.mark.parametrize("number, expected", [
    (12, ["Ekonomichef", "Kommundirektör"]),  # a blank line between two names kept the first only
    (13, ["Ekonomichef", "Kommundirektör", "Nämndsekreterare"]),  # one line, commas: read as one name
    (14, ["Miljöchef", "Byggchef", "Länsstyrelsen"]),  # the dash stayed on the name
    (15, ["Kommunstyrelsen", "Revisorerna"]),  # "För kännedom:" is a label, "Akten" is where it is filed
    (16, []),
])
def test_recipients_in_the_forms_protocols_use(found, number, expected):
    assert extracts.recipients(found[number]) == expected
