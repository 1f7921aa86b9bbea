"""The database refuses bad geometry, bad states and rewrites of history on its own."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError


def _refused(session, sql, params=None, exc=IntegrityError):
    nested = session.begin_nested()
    with pytest.raises(exc):
        session.execute(text(sql), params or {})
    nested.rollback()


def test_invalid_polygon_is_refused(session):
    _refused(
        session,
        """INSERT INTO admin_areas (code, name, level, geom) VALUES ('BAD', 'bowtie', 'community',
             ST_Multi(ST_GeomFromText('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))', 4326)))""",
    )


def test_empty_and_wrong_type_geometry_are_refused(session):
    _refused(
        session,
        """INSERT INTO street_segments (code, street_name, geom)
             VALUES ('E', 'empty', ST_GeomFromText('LINESTRING EMPTY', 4326))""",
    )
    _refused(
        session,
        """INSERT INTO street_segments (code, street_name, geom)
             VALUES ('P', 'point', ST_GeomFromText('POINT(111.28 23.48)', 4326))""",
        exc=DBAPIError,
    )
    _refused(
        session,
        """INSERT INTO street_segments (code, street_name, geom)
             VALUES ('S', 'wrong srid', ST_GeomFromText('LINESTRING(0 0, 1 1)', 3857))""",
        exc=DBAPIError,
    )


def test_bad_status_channel_and_resolution_are_refused(session):
    base = """INSERT INTO issues (ref, category, description, geom, channel, status, resolution)
              VALUES ('X-1', 'noise', '', ST_SetSRID(ST_MakePoint(111.28, 23.48), 4326), :ch, :st, :res)"""
    _refused(session, base, {"ch": "web", "st": "lost", "res": None})
    _refused(session, base, {"ch": "carrier-pigeon", "st": "reported", "res": None})
    _refused(session, base, {"ch": "web", "st": "closed", "res": None})  # solved needs a resolution
    _refused(session, base, {"ch": "web", "st": "resolved", "res": "magic"})
    _refused(
        session,
        """INSERT INTO issues (ref, category, description, geom, channel)
             VALUES ('X-2', 'no_such', '', ST_SetSRID(ST_MakePoint(111.28, 23.48), 4326), 'web')""",
    )


def test_event_log_is_append_only(session):
    event_id = session.execute(text("SELECT id FROM issue_events LIMIT 1")).scalar()
    assert event_id is not None
    _refused(session, "UPDATE issue_events SET action = 'forged' WHERE id = :i", {"i": event_id}, exc=DBAPIError)
    _refused(session, "DELETE FROM issue_events WHERE id = :i", {"i": event_id}, exc=DBAPIError)
    _refused(session, "TRUNCATE issue_events CASCADE", exc=DBAPIError)
    _refused(session, "DELETE FROM fire_lane_status_events", exc=DBAPIError)


def test_dispatch_times_must_be_in_order(session):
    issue_id = session.execute(text("SELECT id FROM issues LIMIT 1")).scalar()
    _refused(
        session,
        """INSERT INTO dispatches (issue_id, department_id, created_at, acknowledged_at, arrived_at)
             VALUES (:i, (SELECT id FROM departments LIMIT 1), now(), NULL, now())""",
        {"i": issue_id},
    )


@pytest.mark.parametrize(
    "point",
    [
        "ST_MakePoint('NaN', 23.48)",
        "ST_MakePoint(111.28, 'Infinity')",
        "ST_MakePoint(400, 23.48)",
        "ST_MakePoint(111.28, -91)",
        "'POINT EMPTY'::geometry",
    ],
)
def test_an_issue_point_must_be_a_finite_lon_lat(session, point):
    # (the generated metric twin may refuse first: PROJ has no answer for NaN)
    _refused(
        session,
        f"""INSERT INTO issues (ref, category, description, geom, channel)
             VALUES ('X-3', 'noise', '', ST_SetSRID({point}, 4326), 'web')""",
        exc=DBAPIError,
    )
    check = session.execute(
        text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_issues_geom_valid'")
    ).scalar()
    assert (
        session.execute(
            text(
                f"SELECT coalesce(({check.removeprefix('CHECK ')}), false) "
                f"FROM (SELECT ST_SetSRID({point}, 4326) AS geom) g"
            )
        ).scalar()
        is False
    )
