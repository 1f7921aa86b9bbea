"""Every route of the URL map has a rule for anonymous callers, and the rule holds: a route added without
a rule fails here (SPEC 7: login, roles and scope checked on the server for every page and API call)."""

from __future__ import annotations

import pytest

from geo_app.testing import url_map_app
from tests.workflow.helpers import csrf_of

OPEN = "open"  # anyone: answered without login (2xx, or 4xx for its own input)
LOGIN = "login"  # pages: 302 to /login; API: 401
RULES = {
    ("/", "GET"): OPEN,
    ("/healthz", "GET"): OPEN,
    ("/login", "GET"): OPEN,
    ("/login", "POST"): OPEN,
    ("/logout", "POST"): OPEN,
    ("/static/<path:filename>", "GET"): OPEN,
    ("/maps/public", "GET"): OPEN,
    ("/api/public/issues", "GET"): OPEN,
    ("/api/deployment", "GET"): OPEN,  # the place's name, zone and extent: what every client needs first
    ("/api/public/issues/<ref>", "GET"): OPEN,
    ("/p", "GET"): OPEN,  # residents look up their issue by reference
    ("/p/<ref>", "GET"): OPEN,
    ("/report", "GET"): OPEN,  # residents report a problem: CSRF and a per-client quota, no login
    ("/report", "POST"): OPEN,
    ("/report/streets.json", "GET"): OPEN,  # street lines and names: what any street map shows
    ("/report/snap.json", "GET"): OPEN,  # which street a pin is on: no team, no people
    ("/photos/<int:photo_id>", "GET"): OPEN,  # a published "after" photo; anything else answers 404
    ("/photos/<int:photo_id>/thumb", "GET"): OPEN,  # reference data, as on the public report form
    ("/api/openapi.json", "GET"): OPEN,
    ("/api/search", "GET"): OPEN,  # segments and issue references only for a signed-in caller
    ("/basemap/font/<digest>.woff2", "GET"): OPEN,  # the base map's label font
    ("/api/token", "POST"): OPEN,
    ("/tiles/<layer>/<z>/<x>/<y>.pbf", "GET"): LOGIN,  # every layer but `public`
    ("/open311/v2/discovery.<any(json, xml):fmt>", "GET"): OPEN,
    ("/open311/v2/services.<any(json, xml):fmt>", "GET"): OPEN,
    ("/open311/v2/services/<code>.<any(json, xml):fmt>", "GET"): OPEN,
    ("/open311/v2/requests.<any(json, xml):fmt>", "GET"): OPEN,
    ("/open311/v2/requests.<any(json, xml):fmt>", "POST"): OPEN,  # its api_key is checked instead
    ("/open311/v2/requests/<sid>.<any(json, xml):fmt>", "GET"): OPEN,
    ("/open311/v2/tokens/<token>.<any(json, xml):fmt>", "GET"): OPEN,
}
for _rule in [
    "/account/password",
    "/admin/tokens",
    "/api/coverage",
    "/api/fire-lanes",
    "/api/hotspots",
    "/api/issues",
    "/api/issues/<ref>",
    "/api/segments",
    "/api/stats",
    "/api/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>",
    "/api/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/<code>",
    "/admin",
    "/admin/audit",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/new",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/<code>",
    "/dispatches",
    "/escalation",
    "/exports/issues.geojson",
    "/exports/issues.gpkg",
    "/intake",
    "/intake/issues/<ref>/duplicates",
    "/intake/nearby.json",
    "/intake/segments.json",
    "/intake/snap.json",
    "/intake/visits/<int:visit_id>",
    "/issues/<ref>",
    "/issues/<ref>/map",
    "/maps/chief",
    "/maps/coverage",
    "/maps/fire-lanes",
    "/maps/hotspots",
    "/reports",
    "/review",
    "/site-visits",
    "/work",
]:
    RULES[(_rule, "GET")] = LOGIN
for _rule in [
    "/account/password",
    "/admin/tokens/revoke",
    "/api/fire-lanes/<code>/status",
    "/api/issues",
    "/api/issues/<ref>/actions",
    "/api/issues/<ref>/photos",
    "/api/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>",
    "/admin/import",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/new",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/<code>",
    "/admin/<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>/<code>/active",
    "/api/token/refresh",
    "/api/token/revoke",
    "/intake/visits",
    "/intake/visits/<int:visit_id>/issues",
    "/issues/<ref>/actions",
    "/issues/<ref>/photos",
    "/site-visits",
]:
    RULES[(_rule, "POST")] = LOGIN
ARGS = {
    "<ref>": "DT-2020-00001",
    "<any(categories, departments, channels, teams, areas, halls, compounds, users):kind>": "categories",
    "<sid>": "DT-2020-00001",
    "<code>": "noise",
    "<token>": "x",
    "<layer>": "issues",
    "<z>": "14",
    "<x>": "13240",
    "<y>": "7100",
    "<any(json, xml):fmt>": "json",
    "<int:visit_id>": "1",
    "<int:photo_id>": "1",
    "<path:filename>": "css/app.css",
}


def _routes() -> set[tuple[str, str]]:
    app = url_map_app()
    return {(r.rule, m) for r in app.url_map.iter_rules() for m in ("GET", "POST") if m in r.methods}


def test_every_route_has_a_rule():
    routes = _routes()
    assert routes - set(RULES) == set(), "routes without a rule: add them to RULES"
    assert set(RULES) - routes == set(), "rules for routes that are gone"


@pytest.mark.parametrize(("rule", "method"), sorted(RULES))
def test_anonymous_callers_meet_the_rule(client, rule, method):
    url = rule
    for name, value in ARGS.items():
        url = url.replace(name, value)
    if method == "GET":
        res = client.get(url)
    else:
        res = client.post(url, data={"csrf_token": csrf_of(client, "/login")}, headers={"Referer": "http://localhost/"})
    if RULES[(rule, method)] == LOGIN:
        if url.startswith(("/api/", "/tiles/")):
            assert res.status_code == 401, (url, res.status_code)
        else:
            assert res.status_code == 302 and "/login" in res.headers["Location"], (url, res.status_code)
    else:
        # open routes answer for themselves: a wrong password (401) or a missing Open311 api_key (403) is theirs
        own_check = (401, 403) if url in ("/login", "/api/token", "/open311/v2/requests.json") else ()
        assert res.status_code < 500, (url, res.status_code)
        assert res.status_code not in (401, 403) or res.status_code in own_check, (url, res.status_code)
        assert "/login" not in res.headers.get("Location", "")
