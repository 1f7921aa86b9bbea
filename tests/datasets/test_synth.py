"""A synthetic city's events explain each issue's state, in order, and its links respect the snap distance."""

from sqlalchemy import text

from geo_app.domain.datasets.synth import synth_city


def test_synth_city_is_consistent(session):
    result = synth_city(session, segments=300, issues=2000, seed=42, year=2024)
    assert (result.segments, result.issues) == (300, 2000) and 0 < result.linked <= 2000
    bad_order = session.execute(
        text("""
        SELECT count(*) FROM issues i WHERE i.ref LIKE 'SYN42-%' AND (
            i.status <> (SELECT e.to_status FROM issue_events e WHERE e.issue_id = i.id
                         ORDER BY e.at DESC, e.id DESC LIMIT 1)
            OR i.updated_at <> (SELECT max(e.at) FROM issue_events e WHERE e.issue_id = i.id)
            OR EXISTS (SELECT 1 FROM issue_events a JOIN issue_events b ON a.issue_id = b.issue_id
                       WHERE a.issue_id = i.id AND a.action = 'accept' AND b.action IN ('start', 'resolve')
                         AND b.at < a.at))""")
    ).scalar()
    assert bad_order == 0
    unlinked_far = session.execute(
        text("""SELECT count(*) FROM issues WHERE ref LIKE 'SYN42-%'
        AND segment_id IS NOT NULL AND snap_distance_m > 60""")
    ).scalar()
    assert unlinked_far == 0
