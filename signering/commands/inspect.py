"""``signering inspect FILE``: show what can be read off a protocol PDF to fill in the form."""

from __future__ import annotations

from ..cli import lang
from ..errors import InputError
from ..extract import ProtocolInfo, read_protocol_pdf

_TEXT = {
    "sv": {
        "board": "Organ", "meeting": "Sammanträde", "place": "Plats", "justering": "Justering",
        "signers": "Underskrifter", "paragraphs": "Paragrafer", "missing": "(hittades inte)",
        "sekreterare": "Sekreterare", "ordforande": "Ordförande", "justerare": "Justerare",
        "no_text": "PDF-filen har ingen text (troligen inskannad). Fyll i uppgifterna för hand.",
        "unreadable": "Filen {path} kunde inte läsas ({reason}). Kontrollera sökvägen och försök igen.",
    },
    "en": {
        "board": "Board", "meeting": "Meeting", "place": "Place", "justering": "Justering",
        "signers": "Signers", "paragraphs": "Paragraphs", "missing": "(not found)",
        "sekreterare": "Secretary", "ordforande": "Chair", "justerare": "Justerare",
        "no_text": "The PDF file has no text (probably scanned). Fill in the details by hand.",
        "unreadable": "The file {path} could not be read ({reason}). Check the path and try again.",
    },
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="Visa vad som går att läsa ut ur ett protokoll: organ, datum, plats, paragrafer, underskrifter.",
        description="Läser protokollets text och visar organ, sammanträdesdatum, plats, paragrafer, "
                    "sekreterare, ordförande, justerare och justeringens tid och plats.",
    )
    parser.add_argument("file", metavar="FILE", help="protokollet som PDF")
    parser.add_argument("--json", action="store_true",
                        help="skriv ut som JSON, med var i PDF-filen varje uppgift lästes (sources: sida och rad)")
    parser.set_defaults(func=run)


def run(args) -> int:
    text = _TEXT["en" if lang().startswith("en") else "sv"]
    try:
        info = read_protocol_pdf(args.file)
    except OSError as exc:
        raise InputError(
            _TEXT["sv"]["unreadable"].format(path=args.file, reason=exc.strerror or exc),
            _TEXT["en"]["unreadable"].format(path=args.file, reason=exc.strerror or exc),
            path=str(args.file),
        ) from exc
    print(info.to_json(sources=True) if args.json else format_info(info, text))
    return 0


def _clock(t) -> str:
    return t.strftime("%H.%M")


def format_info(info: ProtocolInfo, text: dict[str, str]) -> str:
    if not info.has_text:
        return text["no_text"]
    missing = text["missing"]
    meeting = info.meeting_date.isoformat() if info.meeting_date else missing
    if info.meeting_start:
        meeting += f" kl. {_clock(info.meeting_start)}"
        if info.meeting_end:
            meeting += f"–{_clock(info.meeting_end)}"
    justering = missing
    if info.justering:
        justering = ", ".join(x for x in (info.justering.date and info.justering.date.isoformat(),
                                           info.justering.place) if x)
    width = max([len(text[k]) + 2 for k in ("board", "meeting", "place", "justering")]
                + [len(text[k]) + 4 for k in ("sekreterare", "ordforande", "justerare")])
    rows = [
        f"{text['board'] + ':':<{width}}{info.board or missing}",
        f"{text['meeting'] + ':':<{width}}{meeting}",
        f"{text['place'] + ':':<{width}}{info.place or missing}",
        f"{text['justering'] + ':':<{width}}{justering}",
        f"{text['signers']}:",
    ]
    for role in ("sekreterare", "ordforande", "justerare"):
        names = [s.name for s in info.signers if s.role == role]
        rows.append(f"  {text[role] + ':':<{width - 2}}{', '.join(names) or missing}")
    rows.append(f"{text['paragraphs']} ({len(info.paragraphs)}):" if info.paragraphs
                else f"{text['paragraphs'] + ':':<{width}}{missing}")
    for p in info.paragraphs:
        rows.append(f"  § {p.number:<4} {p.title or missing}" + (f"  (Dnr {p.dnr})" if p.dnr else ""))
    return "\n".join(rows)
