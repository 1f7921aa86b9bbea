"""The 大塘街道 demo holds what the district's story needs."""

from sqlalchemy import text


def _one(session, sql, **params):
    return session.execute(text(sql), params).scalar()


def test_geography(session):
    assert _one(session, "SELECT count(DISTINCT street_name) FROM street_segments") >= 12
    assert _one(session, "SELECT count(*) FROM street_segments") >= 60
    assert _one(session, "SELECT count(*) FROM street_segments WHERE street_name = '银湖南路'") >= 3
    assert _one(session, "SELECT count(*) FROM admin_areas WHERE level = 'community'") >= 4
    assert _one(session, "SELECT count(*) FROM admin_areas WHERE name = '丰业社区'") == 1
    assert _one(session, "SELECT count(*) FROM reception_halls") >= 3
    xingan = session.execute(text("SELECT households, residents FROM compounds WHERE name = '兴安小区'")).one()
    assert xingan.households >= 2000 and xingan.residents == 6500
    assert _one(session, "SELECT count(*) FROM compounds WHERE name IN ('丰业花园', '丽港华府')") == 2
    # segments end at intersections: every segment touches at least one other
    assert (
        _one(
            session,
            """SELECT count(*) FROM street_segments s WHERE NOT EXISTS (
        SELECT 1 FROM street_segments o WHERE o.id <> s.id AND ST_Touches(o.geom, s.geom))""",
        )
        == 0
    )


def test_organisation(session):
    assert _one(session, "SELECT count(*) FROM departments") >= 8
    assert _one(session, "SELECT count(*) FROM teams") >= 6
    assert (
        _one(
            session,
            """SELECT count(*) FROM street_segments s
        WHERE NOT EXISTS (SELECT 1 FROM team_segments ts WHERE ts.segment_id = s.id)""",
        )
        == 1
    )
    assert (
        _one(
            session,
            """SELECT count(*) FROM (SELECT segment_id FROM team_segments GROUP BY 1
        HAVING count(*) > 1) q""",
        )
        == 1
    )
    roles = dict(session.execute(text("SELECT username, role FROM users")).all())
    assert {k: roles[k] for k in ("admin", "planner", "clerk", "chief", "secretary", "staff")} == {
        "admin": "admin",
        "planner": "planner",
        "clerk": "clerk",
        "chief": "chief",
        "secretary": "secretary",
        "staff": "staff",
    }
    assert _one(
        session,
        """SELECT h.name FROM users u JOIN reception_halls h ON h.id = u.hall_id
        WHERE u.username = 'clerk'""",
    ).startswith("丰业社区")
    assert (
        _one(
            session,
            """SELECT count(*) FROM street_segments s WHERE s.street_name = '银湖南路'
        AND NOT EXISTS (SELECT 1 FROM team_segments ts JOIN users u ON u.team_id = ts.team_id
                        WHERE ts.segment_id = s.id AND u.username = 'chief')""",
        )
        == 0
    )
    assert (
        _one(
            session,
            """SELECT d.code FROM users u JOIN departments d ON d.id = u.department_id
        WHERE u.username = 'staff'""",
        )
        == "market_reg"
    )
    assert _one(session, "SELECT count(*) FROM team_members WHERE role = 'liaison'") >= 12


def test_fire_lanes(session):
    assert _one(session, "SELECT count(*) FROM fire_lanes") >= 8
    lane = session.execute(
        text("""SELECT f.code, f.households, f.residents, f.status FROM fire_lanes f
        JOIN compounds c ON c.id = f.compound_id WHERE c.name = '兴安小区' ORDER BY f.code LIMIT 1""")
    ).one()
    assert lane.households >= 2000 and lane.residents == 6500 and lane.status == "clear"
    days = _one(
        session,
        """SELECT extract(day FROM max(e.at) FILTER (WHERE e.to_status = 'clear')
                                   - min(e.at) FILTER (WHERE e.to_status = 'blocked' OR e.from_status = 'blocked'))
        FROM fire_lane_status_events e JOIN fire_lanes f ON f.id = e.fire_lane_id WHERE f.code = :c""",
        c=lane.code,
    )
    assert days <= 5


def test_issues_are_linked_and_clustered(session):
    assert _one(session, "SELECT count(*) FROM issues WHERE segment_id IS NULL") == 0
    fumes_on_yinhu = _one(
        session,
        """SELECT count(*) FROM issues i JOIN street_segments s ON s.id = i.segment_id
        WHERE i.category IN ('cooking_fumes', 'noise') AND s.street_name = '银湖南路'""",
    )
    fumes = _one(session, "SELECT count(*) FROM issues WHERE category IN ('cooking_fumes', 'noise')")
    assert fumes_on_yinhu / fumes > 0.5
    assert _one(session, "SELECT count(*) FROM issues WHERE fire_lane_id IS NOT NULL") >= 10
    # every issue's history starts with its report and replays to its current state
    assert (
        _one(
            session,
            """SELECT count(*) FROM issues i WHERE i.status <> (
        SELECT e.to_status FROM issue_events e WHERE e.issue_id = i.id ORDER BY e.at DESC, e.id DESC LIMIT 1)""",
        )
        == 0
    )


def test_the_yinhu_south_road_fumes_story(session):
    events = session.execute(
        text("""SELECT e.action, e.from_status, e.to_status, e.data, u.username
        FROM issue_events e JOIN issues i ON i.id = e.issue_id LEFT JOIN users u ON u.id = e.actor_id
        WHERE i.ref = 'DT-2020-00001' ORDER BY e.at, e.id""")
    ).all()
    actions = [e.action for e in events]
    assert actions[0] == "report" and actions[-1] == "close"
    assert actions.count("resolve") == 2
    verifies = [e.data["passed"] for e in events if e.action == "verify"]
    assert verifies == [False, True]
    assert "set_due" in actions
    departments = [d for e in events if e.action == "dispatch" for d in e.data["departments"]]
    assert {"market_reg", "environment"} <= set(departments)
    assert (
        session.execute(
            text("""SELECT s.street_name FROM issues i JOIN street_segments s ON s.id = i.segment_id
        WHERE i.ref = 'DT-2020-00001'""")
        ).scalar()
        == "银湖南路"
    )
