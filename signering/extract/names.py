"""Is this a person's name? Strict on purpose: a wrong name in the signing form is worse than none.

A name is two to five capitalised words ("Kurt-Allan Egelby", "Åsa Ågren Wikström", "Anna
von Platen"), after party tags like "(S)", paragraph references like "§§ 11 - 17" and signature
lines of dots have been taken off.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_PARTY = re.compile(r"\s*\((?:[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,5}|-)\)")
_PARAGRAPH_REF = re.compile(r"\s*§§?\s*\d+(?:\s*[-–,]\s*\d+|\s+och\s+\d+)*(?:\s*[a-z]\b)?")
_LEADERS = re.compile(r"[._…]{3,}|_+")
_LIST_MARKER = re.compile(r"^(?:[-–•*·]\s+|[a-zA-Z]\)\s+|\d{1,2}[.)]\s+)+")
_WORD = re.compile(r"^[A-ZÅÄÖÉÈÜÁÍÓØÆ][a-zåäöéèüáíóøæëïñç']+(?:-[A-ZÅÄÖÉ]?[a-zåäöéèüáíóøæëïñç']+)*$")
_INITIAL = re.compile(r"^[A-ZÅÄÖ]\.$")
_PARTICLES = {"af", "von", "van", "de", "der", "den", "la", "le", "du", "di", "da", "el", "bin", "al"}

# Capitalised words that start lines in protocols but never belong to a name.
_NOT_NAME_WORDS = {
    "protokollet", "protokoll", "sekreterare", "ordförande", "justerare", "justerande", "justeras",
    "enligt", "beslutande", "ledamöter", "ledamot", "ersättare", "övriga", "närvarande", "deltagare",
    "digitalt", "möte", "mötet", "datum", "tid", "plats", "sida", "dnr", "beslut", "bilaga", "bilagor",
    "kommun", "kommunen", "region", "regionen", "namn", "underskrifter", "underskrift", "paragrafer",
    "föredragande", "utdragsbestyrkande", "signatur", "vice", "och", "samt", "för", "ers", "tjg",
    "anmält", "förhinder", "kommundirektör", "kanslichef", "the", "nästa", "sammanträde", "dag",
    "utses", "väljs", "att", "med", "till", "från", "anteckningar", "information", "ärende",
    "kallelse", "dagordning", "bevis", "anslag", "justering", "justeringen", "jäv", "reservation",
}
_NOT_NAME_ENDINGS = (
    "kommun", "kommuns", "nämnd", "nämnden", "styrelsen", "styrelse", "kontoret", "kontor",
    "förvaltningen", "förvaltning", "enheten", "utskott", "utskottet", "fullmäktige", "gruppen",
    "nätverket", "förbundet", "bolaget", "kansliet", "avdelningen", "sektionen", "rådet", "huset",
    "salen", "rummet", "lista", "listan",
)


def strip_decorations(text: str) -> str:
    """Take off party tags, § references, signature dots, list markers and edge punctuation."""
    text = _PARTY.sub("", text)
    text = _PARAGRAPH_REF.sub(" ", text)
    text = _LEADERS.sub(" ", text)
    text = _LIST_MARKER.sub("", text.strip())
    return re.sub(r"\s+", " ", text).strip(" ,;:–-*").rstrip(".")


def is_person_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 5:
        return False
    if words[0].lower() in _PARTICLES or words[-1].lower() in _PARTICLES:
        return False
    for position, word in enumerate(words):
        low = word.lower()
        if low in _PARTICLES or (_INITIAL.match(word) and 0 < position < len(words) - 1):
            continue
        if not _WORD.match(word) or low in _NOT_NAME_WORDS or low.endswith(_NOT_NAME_ENDINGS):
            return False
    return True


def person_name(text: str) -> str | None:
    """The name in ``text`` if, once decorated parts are off, nothing but a name is left."""
    name = strip_decorations(text)
    return name if is_person_name(name) else None


def split_names(text: str) -> list[str]:
    """Names in "Anna Ek (S) och Bo Ax (M)" or "Anna Ek, Bo Ax"; [] if any part is no name."""
    text = _PARTY.sub("", text)
    parts = [p for p in re.split(r",|\s+och\s+|\s+samt\s+|\s*&\s*", text) if p.strip()]
    names = [person_name(p) for p in parts]
    return names if names and all(names) else []


# Swedish parties as protocols abbreviate them, with and without parentheses.
PARTIES = {"S", "M", "C", "V", "L", "KD", "SD", "MP", "FP", "VI", "SPI", "NYD", "FI", "PP", "ÖP"}
# Words that end an organisation's name: "Regionförbundet", "Arbetsförmedlingen", "Lidby kommun".
_ORGANISATION_ENDINGS = _NOT_NAME_ENDINGS + (
    "förmedlingen", "kassan", "polisen", "styrelsen", "myndigheten", "verket", "inspektionen",
    "universitetet", "universitet", "högskolan", "skolan", "college", "föreningen", "förening",
    "landsting", "landstinget", "län", "stad", "staden", "ab", "hb", "psykiatrin", "vården", "hälsan",
    "tjänsten", "centralen", "centrum", "byrå", "byrån",
)


@lru_cache(maxsize=1)
def municipalities() -> frozenset[str]:
    """The names of Sweden's municipalities and regions (data/kommuner.txt), in lower case, with
    each region also without "Region" and each municipality also in the genitive with "kommun"."""
    text = resources.files(__package__).joinpath("data", "kommuner.txt").read_text(encoding="utf-8")
    names = set()
    for line in text.splitlines():
        name = line.strip().lower()
        if not name or name.startswith("#"):
            continue
        names.add(name)
        if name.startswith("region "):
            names.add(name[len("region "):])
        else:
            names.update({f"{name} kommun", f"{name}s kommun", f"{name} stad", f"{name}s stad"})
    return frozenset(names)


def is_affiliation(text: str) -> bool:
    """Does ``text``, which follows a person's name, name where the person comes from: a
    municipality or region ("t.f. Östersund", "Region Västerdal"), a party ("S", "KD") or an
    organisation ("Regionförbundet Nordanå", "Lidby kommun")?"""
    text = re.sub(r"(?i)^t\.?\s?f\.?\s+", "", text.strip(" ,"))
    words = text.split()
    if not words or not words[0][:1].isupper() or len(words) > 6:
        return False
    if text.lower() in municipalities() or text in PARTIES or words[0] == "Region":
        return True
    return any(word.lower().strip(",").endswith(_ORGANISATION_ENDINGS) for word in words)


def name_before_affiliation(text: str, neighbours: tuple[str, ...] = ()) -> str | None:
    """The person's name in "Tomas Lindgren Regionförbundet Nordanå" or "Anna Ek S".

    First the words the neighbouring lines of the same list (``neighbours``) end in too, as many
    as there are; else the longest run of name words that leaves an affiliation behind (see
    :func:`is_affiliation`). None when nothing after the name reads as an affiliation.
    """
    words = strip_decorations(text).split()
    cuts = [(" ".join(words[:size]), " ".join(words[size:])) for size in range(2, min(6, len(words)))]
    for name, rest in cuts:
        if is_person_name(name) and rest[:1].isupper() \
                and sum(1 for other in neighbours if other.rstrip(" ,").endswith(" " + rest)) >= 2:
            return name
    for name, rest in reversed(cuts):
        if is_person_name(name) and is_affiliation(rest):
            return name
    return None
