"""Dates of an import, parsed column-wise by layout: the same instants as reading each value with its format."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo_app.domain.importers.issues.dates import parse_times
from geo_app.domain.importers.issues.textscan import TextColumn

LA = ZoneInfo("America/Los_Angeles")
VALUES = {
    "03/10/2024 01:30:00 AM": "2024-03-10T09:30:00",
    "03/10/2024 03:30:00 AM": "2024-03-10T10:30:00",  # PDT from 02:00
    "03/10/2024 02:30:00 AM": "skipped",  # that hour does not exist in Los Angeles
    "11/03/2024 01:30:00 AM": "skipped",  # that hour happens twice
    "12/31/2024 12:00:00 AM": "2024-12-31T08:00:00",  # midnight, as the day begins
    "12/31/2024 12:30:15 pm": "2024-12-31T20:30:15",  # noon, lower case
    "3/5/2024 7:05 PM": "2024-03-06T03:05:00",  # one-digit fields, no seconds: strptime
    "03/05/2024 19:05": "2024-03-06T03:05:00",  # a 24-hour clock
    "03/05/2024": "2024-03-05T08:00:00",
    "2024/03/05 19:05": "2024-03-06T03:05:00",
    "2024-03-05T19:05:00": "2024-03-06T03:05:00",
    "2024-03-05T19:05:00+08:00": "2024-03-05T11:05:00",  # an offset wins over the zone
    "02/30/2024 10:00:00 AM": None,  # no such day
    "13/01/2024 10:00:00 AM": None,
    "01/01/2024 13:00:00 PM": None,
    "01/01/2024 10:00:00 XM": None,
    "": None,
}


def test_each_layout_gives_the_instant_strptime_gives():
    out, unclear = parse_times(TextColumn(np.array(list(VALUES), dtype=object)), "reported_at", LA)
    for (value, expected), got, skipped in zip(VALUES.items(), out, unclear, strict=True):
        if expected == "skipped":
            assert skipped and pd.isna(got), value
        elif expected is None:
            assert pd.isna(got) and not skipped, value
        else:
            assert got.tz_convert("UTC").tz_localize(None).isoformat() == expected, value


def test_a_date_format_reads_every_value_with_it():
    column = TextColumn(np.array(["06.05.2020 09:20", "31.12.2020 23:59", "2020-05-06"], dtype=object))
    out, _ = parse_times(column, "reported_at", ZoneInfo("Europe/Helsinki"), "%d.%m.%Y %H:%M")
    assert [t.isoformat() if not pd.isna(t) else None for t in out] == [
        "2020-05-06T06:20:00+00:00",
        "2020-12-31T21:59:00+00:00",
        None,
    ]
