"""The binary COPY encoder: what PostgreSQL reads back is what was encoded, NULLs and all."""

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import text

from geo_app.domain.importers.issues import pgcopy


def test_every_kind_round_trips_through_postgres(session):
    times = pd.Series(
        pd.to_datetime(["2021-03-01T09:20:00.123456+08:00", None, "1999-12-31T23:59:59Z"], utc=True, format="ISO8601")
    )
    geoms = shapely.to_wkb(
        shapely.set_srid(shapely.points([111.3, 0.0, -1.5], [23.4, 0.0, 2.25]), 4326), include_srid=True
    )
    columns = [
        ("int8", np.array([1, -2, 2**40])),
        ("int4", pd.Series([7, None, -3], dtype="Int64")),
        ("int2", np.array([3, 1, 4])),
        ("float8", np.array([1.5, np.nan, -0.1])),
        ("timestamptz", times),
        ("text", np.array(["饭店油烟", "", None], dtype=object)),
        ("text", np.array(["a\tb\nc\\", None, "x"], dtype=object)),
        ("jsonb", np.array(['{"import": true, "n": 1}', None, "{}"], dtype=object)),
        ("geometry", np.array(list(geoms), dtype=object)),
    ]
    columns[5:5] = [
        ("text", pd.Categorical(["team", None, "team"])),
        ("jsonb", pd.Categorical(['{"a": 1}', None, None])),
    ]
    session.execute(
        text(
            "CREATE TEMP TABLE t (a bigint, b int, c smallint, d float8, e timestamptz, j text, k jsonb, "
            "f text, g varchar(20), h jsonb, i geometry(Point, 4326))"
        )
    )
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY t FROM STDIN WITH (FORMAT binary)") as copy:
        for piece in pgcopy.chunks(columns, rows=2):
            copy.write(piece)
    rows = session.execute(text("SELECT a, b, c, d, e, f, g, h, ST_AsText(i) AS i, j, k FROM t ORDER BY a")).all()
    got = {r.a: r for r in rows}
    assert got[1].b == 7 and got[-2].b is None and got[2**40].b == -3
    assert [got[k].c for k in (1, -2, 2**40)] == [3, 1, 4]
    assert got[1].d == 1.5 and got[-2].d is None and got[2**40].d == -0.1
    assert got[1].e.isoformat() == "2021-03-01T01:20:00.123456+00:00" and got[-2].e is None
    assert got[2**40].e.isoformat() == "1999-12-31T23:59:59+00:00"
    assert (got[1].f, got[-2].f, got[2**40].f) == ("饭店油烟", "", None)
    assert (got[1].g, got[-2].g) == ("a\tb\nc\\", None)
    assert got[1].h == json.loads('{"import": true, "n": 1}') and got[-2].h is None and got[2**40].h == {}
    assert (got[1].i, got[-2].i, got[2**40].i) == ("POINT(111.3 23.4)", "POINT(0 0)", "POINT(-1.5 2.25)")
    assert (got[1].j, got[-2].j, got[2**40].j) == ("team", None, "team")
    assert (got[1].k, got[-2].k, got[2**40].k) == ({"a": 1}, None, None)


def test_fixed_width_columns_must_come_first():
    with pytest.raises(ValueError):
        pgcopy.encode_rows([("text", np.array(["a"], dtype=object)), ("int8", np.array([1]))])
    with pytest.raises(ValueError):
        pgcopy.encode_rows([("text", np.array(["a"], dtype=object)), ("text", pd.Categorical(["b"]))])


def test_no_rows_is_a_valid_stream(session):
    session.execute(text("CREATE TEMP TABLE t0 (a bigint)"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY t0 FROM STDIN WITH (FORMAT binary)") as copy:
        for piece in pgcopy.chunks([("int8", np.array([], dtype=np.int64))]):
            copy.write(piece)
    assert session.execute(text("SELECT count(*) FROM t0")).scalar() == 0


def test_dates_round_trip_through_postgres(session):
    from datetime import date

    days = pd.Series(pd.to_datetime(["2025-03-01", None, "1999-12-31", "1969-07-20"]))
    session.execute(text("CREATE TEMP TABLE td (k int, d date)"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY td FROM STDIN WITH (FORMAT binary)") as copy:
        for piece in pgcopy.chunks([("int4", np.arange(4)), ("date", days)]):
            copy.write(piece)
    assert session.execute(text("SELECT d FROM td ORDER BY k")).scalars().all() == [
        date(2025, 3, 1),
        None,
        date(1999, 12, 31),
        date(1969, 7, 20),
    ]
