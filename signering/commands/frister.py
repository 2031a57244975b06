"""``signering frister``: print a protocol's legal dates (deadlines and appeal period)."""

from __future__ import annotations

import argparse
import json

from .. import legal_dates
from ..cli import lang

_LABELS = {
    "sv": {
        "meeting": "Sammanträde",
        "justering_deadline": "Justering senast",
        "justering": "Justerat",
        "posting_deadline": "Anslag senast",
        "posted": "Anslaget",
        "posted_joint": "Anslaget (sista kommunen)",
        "appeal": "Sista dag för överklagande",
        "takedown": "Anslaget får tas ned tidigast",
        "unknown_justering": "okänt, ange --justerat",
        "unknown_posted": "okänt, ange --anslaget",
        "moved": "tre veckor efter anslaget är {day}{reason}, så fristen går ut nästa vardag",
        "note": "Obs",
    },
    "en": {
        "meeting": "Meeting",
        "justering_deadline": "Justering at the latest",
        "justering": "Justering done",
        "posting_deadline": "Post notice at the latest",
        "posted": "Notice posted",
        "posted_joint": "Notice posted (last municipality)",
        "appeal": "Last day to appeal",
        "takedown": "Notice may come down from",
        "unknown_justering": "unknown, give --justerat",
        "unknown_posted": "unknown, give --anslaget",
        "moved": "three weeks after posting is {day}{reason}, so the period ends the next weekday",
        "note": "Note",
    },
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "frister",
        help="Beräkna frister: justering, anslag, överklagande.",
        description=(
            "Beräknar sista dag för justering och anslag, sista dag för överklagande "
            "och första dag anslaget får tas ned. Datum anges som ÅÅÅÅ-MM-DD."
        ),
    )
    parser.add_argument("--motesdatum", required=True, metavar="DATUM", help="sammanträdesdatum")
    parser.add_argument("--justerat", metavar="DATUM", help="datum då protokollet justerades")
    parser.add_argument(
        "--anslaget",
        metavar="DATUM",
        action="append",
        help="datum då anslaget sattes upp; för en gemensam nämnd: ange en gång per kommun",
    )
    parser.add_argument("--json", action="store_true", help="skriv ut som JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Parsed here rather than as argparse types, so a bad date becomes a SigneringError
    # (exit 2 with a Swedish message) instead of argparse's English usage error.
    meeting = legal_dates.parse_date(args.motesdatum, "Sammanträdesdatum (--motesdatum)", "The meeting date (--motesdatum)")
    justering = (
        legal_dates.parse_date(args.justerat, "Justeringsdatum (--justerat)", "The justering date (--justerat)")
        if args.justerat
        else None
    )
    postings = [
        legal_dates.parse_date(text, "Anslagsdatum (--anslaget)", "The posting date (--anslaget)")
        for text in args.anslaget or []
    ]
    dates = legal_dates.compute(meeting, justering, postings)
    if args.json:
        print(json.dumps(dates.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render(dates, joint=len(postings) > 1, lang=lang()))
    return 0


def render(dates: legal_dates.LegalDates, joint: bool = False, lang: str = "sv") -> str:
    lang = "en" if lang.startswith("en") else "sv"
    text = _LABELS[lang]

    def day(value) -> str:
        return legal_dates.format_date(value, lang)

    rows = [(text["meeting"], day(dates.meeting_date)), (text["justering_deadline"], day(dates.justering_deadline))]
    if dates.justering_date:
        rows += [(text["justering"], day(dates.justering_date)), (text["posting_deadline"], day(dates.posting_deadline))]
    else:
        rows.append((text["posting_deadline"], text["unknown_justering"]))
    if dates.posted_date:
        rows += [(text["posted_joint" if joint else "posted"], day(dates.posted_date)), (text["appeal"], day(dates.appeal_last_day))]
        plain = dates.posted_date + legal_dates.APPEAL_PERIOD
        if plain != dates.appeal_last_day:
            reason = legal_dates.day_off_reason(plain, lang)
            # A plain Saturday or Sunday is already named by the formatted date.
            reason = "" if day(plain).startswith(reason) else f", {reason}"
            rows.append(("", f"({text['moved'].format(day=day(plain), reason=reason)})"))
        rows.append((text["takedown"], day(dates.takedown_earliest)))
    else:
        rows += [(text["appeal"], text["unknown_posted"]), (text["takedown"], text["unknown_posted"])]

    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{label + ':' if label else '':<{width}}{value}" for label, value in rows]
    for warning in dates.warnings():
        lines.append(f"{text['note']}: {warning.message(lang)}")
    return "\n".join(lines)
