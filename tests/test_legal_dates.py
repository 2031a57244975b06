"""Legal dates against cases read off the calendar by hand, not computed by the code under test.

Each expected date was worked out on a printed month grid (Monday first) and the Swedish
holiday dates of that year: Easter Sunday 2004-04-11, 2025-04-20, 2026-04-05; Kristi
himmelsfärd = Easter + 39 days; pingstdagen = Easter + 49 days; midsommardagen = the Saturday
20–26 June; alla helgons dag = the Saturday 31 October – 6 November.
"""

import json
from datetime import date, datetime

import holidays
import pytest
from holidays.constants import DE_FACTO

from signering import cli, legal_dates
from signering.errors import DatesOutOfOrder, InvalidDate
from signering.legal_dates import (
    LegalDates,
    appeal_last_day,
    appeal_last_day_joint,
    compute,
    format_date,
    is_deadline_exempt,
    justering_deadline,
    parse_date,
    posting_deadline,
    takedown_earliest,
)

D = date.fromisoformat

# (posted, last appeal day, first day the notice may come down)
APPEAL_CASES = [
    # Wed + 3 weeks = Wed 2025-12-31 nyårsafton → Thu 1 Jan nyårsdagen → Fri 2 Jan (domain.md example).
    ("2025-12-10", "2026-01-02", "2026-01-03"),
    # Fri + 3 weeks = Fri 2026-06-19 midsommarafton → Sat midsommardagen, Sun → Mon 22 Jun (domain.md example).
    ("2026-05-29", "2026-06-22", "2026-06-23"),
    # Wed 2025-12-24 julafton → Thu juldagen, Fri annandag jul, Sat, Sun → Mon 29 Dec.
    ("2025-12-03", "2025-12-29", "2025-12-30"),
    # Thu 2026-12-24 julafton → Fri juldagen, Sat annandag jul, Sun → Mon 28 Dec.
    ("2026-12-03", "2026-12-28", "2026-12-29"),
    # Thu 2026-12-31 nyårsafton → Fri 2027-01-01 nyårsdagen, Sat, Sun → Mon 4 Jan 2027.
    ("2026-12-10", "2027-01-04", "2027-01-05"),
    # Tue 2024-12-24 julafton → Wed juldagen, Thu annandag jul → Fri 27 Dec.
    ("2024-12-03", "2024-12-27", "2024-12-28"),
    # Tue 2024-12-31 nyårsafton → Wed 2025-01-01 nyårsdagen → Thu 2 Jan.
    ("2024-12-10", "2025-01-02", "2025-01-03"),
    # Sat 2022-12-31 nyårsafton and Saturday → Sun 2023-01-01 nyårsdagen → Mon 2 Jan 2023.
    ("2022-12-10", "2023-01-02", "2023-01-03"),
    # Posted on a Sunday: Sun 2023-12-24 julafton → Mon juldagen, Tue annandag jul → Wed 27 Dec.
    ("2023-12-03", "2023-12-27", "2023-12-28"),
    # Mon 2023-12-25 juldagen → Tue annandag jul → Wed 27 Dec.
    ("2023-12-04", "2023-12-27", "2023-12-28"),
    # Mon 2026-01-05 is trettondagsafton, which does NOT move the period: stays Mon 5 Jan.
    ("2025-12-15", "2026-01-05", "2026-01-06"),
    # Tue 2026-01-06 trettondedag jul → Wed 7 Jan.
    ("2025-12-16", "2026-01-07", "2026-01-08"),
    # Friday posting: Fri 2026-04-03 långfredagen → Sat påskafton, Sun påskdagen, Mon annandag påsk → Tue 7 Apr.
    ("2026-03-13", "2026-04-07", "2026-04-08"),
    # Fri 2025-04-18 långfredagen → Sat, Sun påskdagen, Mon 21 annandag påsk → Tue 22 Apr.
    ("2025-03-28", "2025-04-22", "2025-04-23"),
    # Mon 2025-04-21 annandag påsk → Tue 22 Apr.
    ("2025-03-31", "2025-04-22", "2025-04-23"),
    # Thu 2026-05-14 Kristi himmelsfärdsdag (5 Apr + 39) → Fri 15 May.
    ("2026-04-23", "2026-05-15", "2026-05-16"),
    # Thu 2025-05-29 Kristi himmelsfärdsdag (20 Apr + 39) → Fri 30 May.
    ("2025-05-08", "2025-05-30", "2025-05-31"),
    # Fri 2025-06-06 nationaldagen → Sat, Sun pingstdagen → Mon 9 Jun, annandag pingst, which is
    # no holiday since 2005, so the period ends that Monday.
    ("2025-05-16", "2025-06-09", "2025-06-10"),
    # Thu 2024-06-06 nationaldagen → Fri 7 Jun.
    ("2024-05-16", "2024-06-07", "2024-06-08"),
    # Mon 2026-05-25 annandag pingst (pingstdagen 24 May): a working day, no move.
    ("2026-05-04", "2026-05-25", "2026-05-26"),
    # Mon 2004-05-31 annandag pingst was still a holiday in 2004 → Tue 1 Jun 2004.
    ("2004-05-10", "2004-06-01", "2004-06-02"),
    # Fri 2025-06-20 midsommarafton → Sat 21 midsommardagen, Sun → Mon 23 Jun.
    ("2025-05-30", "2025-06-23", "2025-06-24"),
    # Fri 2027-06-25 midsommarafton → Sat 26 midsommardagen, Sun → Mon 28 Jun.
    ("2027-06-04", "2027-06-28", "2027-06-29"),
    # Fri 2026-05-01 första maj → Sat, Sun → Mon 4 May.
    ("2026-04-10", "2026-05-04", "2026-05-05"),
    # Fri 2026-10-30 is allhelgonaafton, which does NOT move the period: stays Fri 30 Oct.
    ("2026-10-09", "2026-10-30", "2026-10-31"),
    # Saturday landing on Sat 2026-10-31 alla helgons dag → Sun → Mon 2 Nov.
    ("2026-10-10", "2026-11-02", "2026-11-03"),
    # Ordinary Saturday landing: Sat 2025-09-27 → Sun → Mon 29 Sep.
    ("2025-09-06", "2025-09-29", "2025-09-30"),
    # Ordinary Sunday landing: Sun 2025-09-28 → Mon 29 Sep.
    ("2025-09-07", "2025-09-29", "2025-09-30"),
    # Ordinary Friday posting: Fri 2025-10-24 is a weekday (FN-dagen is no holiday); no move.
    ("2025-10-03", "2025-10-24", "2025-10-25"),
    # Ordinary Tuesday: Tue 2025-11-04, no move.
    ("2025-10-14", "2025-11-04", "2025-11-05"),
]


@pytest.mark.parametrize("posted, last_day, takedown", APPEAL_CASES)
def test_appeal_last_day_and_takedown_match_the_calendar(posted, last_day, takedown):
    assert appeal_last_day(D(posted)) == D(last_day)
    assert takedown_earliest(D(posted)) == D(takedown)


def test_the_table_covers_many_cases_and_both_moves_and_non_moves():
    assert len(APPEAL_CASES) >= 15
    moved = [case for case in APPEAL_CASES if (D(case[1]) - D(case[0])).days != 21]
    assert 0 < len(moved) < len(APPEAL_CASES)


@pytest.mark.parametrize(
    "day, exempt",
    [
        ("2026-01-05", False),  # trettondagsafton (RÅ 2004 not 40)
        ("2026-10-30", False),  # allhelgonaafton
        ("2026-05-25", False),  # annandag pingst, no holiday since 2005
        ("2026-04-30", False),  # valborgsmässoafton
        ("2026-04-04", True),  # påskafton, a Saturday
        ("2026-04-03", True),  # långfredagen
        ("2026-06-06", True),  # nationaldagen on a Saturday
        ("2025-06-06", True),  # nationaldagen on a Friday
        ("2026-06-19", True),  # midsommarafton
        ("2025-06-20", True),  # midsommarafton
        ("2025-06-27", False),  # the Friday after midsommar
        ("2025-12-24", True),  # julafton
        ("2025-12-31", True),  # nyårsafton
        ("2025-12-30", False),  # an ordinary Tuesday
        ("2025-09-27", True),  # an ordinary Saturday
        ("2025-09-28", True),  # an ordinary Sunday
    ],
)
def test_is_deadline_exempt(day, exempt):
    assert is_deadline_exempt(D(day)) is exempt


def test_our_eves_agree_with_the_holidays_package_de_facto_category():
    # We add the three eves ourselves; if the package and we ever disagree, one of us is wrong.
    years = range(1960, 2061)
    package_eves = set(holidays.country_holidays("SE", years=years, categories=(DE_FACTO,)))
    assert len(package_eves) == 3 * len(years)
    ours = {
        day
        for year in years
        for day in (date(year, 6, d) for d in range(19, 26))
        if legal_dates._eve(day)
    } | {date(y, 12, 24) for y in years} | {date(y, 12, 31) for y in years}
    assert ours == package_eves
    for day in package_eves:
        assert legal_dates._eve(day) is not None
        assert is_deadline_exempt(day)


@pytest.mark.parametrize(
    "meeting, deadline, on_day_off",
    [
        ("2025-09-23", "2025-10-07", False),  # domain.md example, Tue → Tue
        ("2025-12-11", "2025-12-25", True),  # Thu juldagen
        ("2025-12-17", "2025-12-31", True),  # Wed nyårsafton
        ("2025-09-20", "2025-10-04", True),  # a Saturday
        ("2026-05-23", "2026-06-06", True),  # Sat nationaldagen
        ("2025-12-22", "2026-01-05", False),  # Mon trettondagsafton, a working day
        ("2026-02-18", "2026-03-04", False),  # across the end of a short February
    ],
)
def test_justering_deadline_is_the_plain_date_with_a_flag(meeting, deadline, on_day_off):
    assert justering_deadline(D(meeting)) == D(deadline)
    dates = compute(D(meeting))
    assert dates.justering_deadline == D(deadline)
    assert dates.justering_deadline_on_day_off is on_day_off
    assert ("justering_deadline_on_day_off" in [w.code for w in dates.warnings()]) is on_day_off


@pytest.mark.parametrize(
    "justering, deadline, on_day_off",
    [
        ("2025-10-06", "2025-10-08", False),  # Mon → Wed
        ("2025-10-02", "2025-10-04", True),  # Thu → Sat
        ("2025-12-22", "2025-12-24", True),  # Mon → Wed julafton
        ("2026-04-01", "2026-04-03", True),  # Wed → Fri långfredagen
        ("2025-12-30", "2026-01-01", True),  # Tue → Thu nyårsdagen, across the year
        ("2026-01-20", "2026-01-22", False),  # Tue → Thu
    ],
)
def test_posting_deadline_is_the_plain_date_with_a_flag(justering, deadline, on_day_off):
    assert posting_deadline(D(justering)) == D(deadline)
    dates = compute(D(justering), D(justering))  # omedelbar justering: same day as the meeting
    assert dates.posting_deadline == D(deadline)
    assert dates.posting_deadline_on_day_off is on_day_off


def test_compute_with_all_dates():
    dates = compute(D("2025-12-03"), D("2025-12-08"), D("2025-12-10"))
    assert dates == LegalDates(
        meeting_date=D("2025-12-03"),
        justering_deadline=D("2025-12-17"),
        justering_date=D("2025-12-08"),
        posted_date=D("2025-12-10"),
        posting_deadline=D("2025-12-10"),
        appeal_last_day=D("2026-01-02"),
        takedown_earliest=D("2026-01-03"),
    )
    assert dates.to_json() == {
        "justering_senast": "2025-12-17",
        "anslag_senast": "2025-12-10",
        "overklagande_sista_dag": "2026-01-02",
        "ned_tidigast": "2026-01-03",
    }
    assert dates.warnings() == []


def test_compute_with_only_the_meeting_leaves_the_rest_unknown():
    dates = compute(D("2025-09-23"))
    assert dates.to_json() == {
        "justering_senast": "2025-10-07",
        "anslag_senast": None,
        "overklagande_sista_dag": None,
        "ned_tidigast": None,
    }
    assert not dates.posting_deadline_on_day_off


def test_late_justering_and_late_posting_are_warned_about():
    dates = compute(D("2025-09-01"), D("2025-09-16"), D("2025-09-19"))  # deadlines 15 Sep and 18 Sep
    assert dates.justering_late and dates.posting_late
    assert {w.code for w in dates.warnings()} == {"justering_late", "posting_late"}


def test_gemensam_namnd_counts_from_the_last_posting():
    postings = [D("2025-12-01"), D("2025-12-03"), D("2025-12-02")]
    # The last posting, Wed 3 Dec, ends on julafton → Mon 29 Dec (see APPEAL_CASES).
    assert appeal_last_day_joint(postings) == D("2025-12-29")
    dates = compute(D("2025-11-25"), D("2025-11-28"), postings)
    assert dates.posted_date == D("2025-12-03")
    assert dates.appeal_last_day == D("2025-12-29")
    assert dates.takedown_earliest == D("2025-12-30")
    with pytest.raises(InvalidDate):
        appeal_last_day_joint([])


@pytest.mark.parametrize(
    "meeting, justering, posted",
    [
        ("2025-09-23", "2025-09-22", None),  # justering before the meeting
        ("2025-09-23", "2025-09-25", "2025-09-24"),  # posted before justering
        ("2025-09-23", None, "2025-09-22"),  # posted before the meeting
        ("2025-09-23", "2025-09-25", ["2025-09-26", "2025-09-24"]),  # one municipality too early
    ],
)
def test_dates_out_of_order_are_rejected(meeting, justering, posted):
    if isinstance(posted, list):
        posted = [D(p) for p in posted]
    elif posted:
        posted = D(posted)
    with pytest.raises(DatesOutOfOrder) as info:
        compute(D(meeting), D(justering) if justering else None, posted)
    assert info.value.code == "dates_out_of_order"
    assert "före" in info.value.message("sv") and "before" in info.value.message("en")


def test_datetimes_are_refused_rather_than_mixed_with_dates():
    with pytest.raises(TypeError):
        compute(datetime(2025, 9, 23, 10, 0))


@pytest.mark.parametrize("text", ["2025-13-01", "2025-02-29", "23/9/2025", "20250923", "", "igår"])
def test_parse_date_rejects_what_is_not_an_iso_date(text):
    with pytest.raises(InvalidDate) as info:
        parse_date(text, "Sammanträdesdatum")
    assert info.value.message("sv").startswith("Sammanträdesdatum")
    assert "ÅÅÅÅ-MM-DD" in info.value.message("sv")


def test_parse_date_reads_an_iso_date():
    assert parse_date(" 2024-02-29 ") == date(2024, 2, 29)


def test_format_date_in_swedish_and_english():
    assert format_date(D("2026-01-02")) == "fredag 2 januari 2026"
    assert format_date(D("2025-06-21")) == "lördag 21 juni 2025"
    assert format_date(D("2026-01-02"), "en") == "Friday 2 January 2026"


# --- the command -------------------------------------------------------------------------

@pytest.fixture
def frister_only(monkeypatch):
    # Load just this command, so these tests do not depend on other commands' modules.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ["frister"])
    monkeypatch.delenv("SIGNERING_LANG", raising=False)


def test_frister_is_a_registered_command():
    assert "frister" in cli.COMMAND_MODULES


def test_cli_json(frister_only, capsys):
    code = cli.main(["frister", "--motesdatum", "2026-05-20", "--justerat", "2026-05-27", "--anslaget", "2026-05-29", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "justering_senast": "2026-06-03",
        "anslag_senast": "2026-05-29",
        "overklagande_sista_dag": "2026-06-22",
        "ned_tidigast": "2026-06-23",
    }


def test_cli_json_with_only_the_meeting(frister_only, capsys):
    assert cli.main(["frister", "--motesdatum", "2025-09-23", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"justering_senast": "2025-10-07", "anslag_senast": None, "overklagande_sista_dag": None, "ned_tidigast": None}


def test_cli_human_output_in_swedish(frister_only, capsys):
    assert cli.main(["frister", "--motesdatum", "2025-12-03", "--justerat", "2025-12-08", "--anslaget", "2025-12-10"]) == 0
    out = capsys.readouterr().out
    assert "Sista dag för överklagande:    fredag 2 januari 2026" in out
    assert "Anslaget får tas ned tidigast: lördag 3 januari 2026" in out
    assert "Justering senast:              onsdag 17 december 2025" in out
    assert "onsdag 31 december 2025, Nyårsafton" in out  # why the period moved


def test_cli_human_output_in_english(frister_only, capsys, monkeypatch):
    monkeypatch.setenv("SIGNERING_LANG", "en")
    assert cli.main(["frister", "--motesdatum", "2025-09-20"]) == 0
    out = capsys.readouterr().out
    assert "Saturday 4 October 2025" in out
    assert "Whether it moves is unsure" in out


def test_cli_warns_about_a_deadline_on_a_day_off(frister_only, capsys):
    assert cli.main(["frister", "--motesdatum", "2025-12-11"]) == 0
    out = capsys.readouterr().out
    assert "Justering senast:" in out and "torsdag 25 december 2025" in out
    assert "Obs: Sista dag för justering, torsdag 25 december 2025, är ingen vardag" in out


def test_cli_gemensam_namnd(frister_only, capsys):
    argv = ["frister", "--motesdatum", "2025-11-25", "--justerat", "2025-11-28",
            "--anslaget", "2025-12-01", "--anslaget", "2025-12-03", "--json"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["overklagande_sista_dag"] == "2025-12-29"


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--motesdatum", "2025-02-30"], "Sammanträdesdatum (--motesdatum) '2025-02-30' är inget giltigt datum"),
        (["--motesdatum", "2025-09-23", "--justerat", "23 sept"], "Justeringsdatum (--justerat) '23 sept'"),
        (["--motesdatum", "2025-09-23", "--justerat", "2025-09-22"], "ligger före sammanträdesdatum 2025-09-23"),
        (["--motesdatum", "2025-09-23", "--justerat", "2025-09-25", "--anslaget", "2025-09-24"],
         "Anslagsdatum 2025-09-24 ligger före justeringsdatum 2025-09-25"),
    ],
)
def test_cli_bad_input_exits_2_with_a_swedish_message(frister_only, capsys, argv, fragment):
    assert cli.main(["frister", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert fragment in captured.err
