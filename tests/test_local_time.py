"""Moments people read: Swedish local time with its zone, from the UTC the service stores."""

from __future__ import annotations

import datetime as dt

from signering.local_time import local_time
from web.formatting import keep_dates

UTC = dt.timezone.utc


def test_winter_and_summer_time_carry_their_zone():
    assert local_time(dt.datetime(2026, 12, 1, 17, 41, 6, tzinfo=UTC)) == "2026-12-01 18:41 CET"
    assert local_time(dt.datetime(2025, 9, 23, 8, 0, tzinfo=UTC)) == "2025-09-23 10:00 CEST"
    assert local_time(dt.datetime(2026, 12, 1, 17, 41, 6, tzinfo=UTC), seconds=True) == "2026-12-01 18:41:06 CET"


def test_naive_values_and_iso_text_are_utc():
    # SQLite hands stored times back without a zone; they were written in UTC.
    assert local_time(dt.datetime(2026, 12, 1, 23, 30)) == "2026-12-02 00:30 CET"
    assert local_time("2025-10-26T00:30:00Z") == "2025-10-26 02:30 CEST"
    assert local_time("2025-10-26T01:30:00+00:00") == "2025-10-26 02:30 CET"  # the hour that happens twice
    assert local_time(None) == "" and local_time("") == ""


def test_dates_in_text_stay_on_one_line_and_the_rest_is_escaped():
    assert str(keep_dates("Kommunstyrelsen, sammanträde 2024-04-16 <b>")) == (
        'Kommunstyrelsen, sammanträde <span class="nowrap">2024-04-16</span> &lt;b&gt;')
