"""Every route of the URL map (GET and POST, anonymous and logged in) against a catalogue of odd values:
never a 500, and no row added or lost."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import text

from geo_app.testing import url_map_app
from tests.workflow.helpers import csrf_of, login, token

ODD = [
    "\x00",
    "a\x00b",
    "9999-12-31",
    "0001-01-01",
    "-1-01-01",
    "1970-01-01",
    "²",
    "9" * 5000,
    "1" * 400,
    str(2**70),
    "-" + str(2**70),
    "nan",
    "-inf",
    "1e309",
    "",
    "x" * 20000,
    "'; DROP TABLE issues; --",
    "<script>alert(1)</script>",
    "%",
    "../../etc/passwd",
    "1,2,3,4,5",
    "-200,-100,200,100",
]
PARAMS = [
    "api_key",
    "area",
    "bbox",
    "blockage",
    "category",
    "done",
    "end",
    "format",
    "issues",
    "lane_status",
    "lang",
    "lat",
    "limit",
    "lon",
    "long",
    "method",
    "next",
    "note",
    "offset",
    "overdue",
    "page",
    "per_page",
    "segment",
    "start",
    "status",
    "team",
    "q",
    "service_code",
    "start_date",
    "end_date",
    "service_request_id",
    "description",
    "email",
    "first_name",
    "phone",
    "address_string",
    "unlinked",
    "cursor",
]
FIELDS = [
    "username",
    "password",
    "category",
    "description",
    "lon",
    "lat",
    "channel",
    "address",
    "reporter_name",
    "reporter_phone",
    "visit_id",
    "due_at",
    "version",
    "action",
    "dispatch_id",
    "departments",
    "into",
    "reason",
    "resolution",
    "passed",
    "segment",
    "note",
    "status",
    "blockage",
    "issues",
    "service_code",
    "api_key",
    "long",
    "email",
    "next",
    "stage",
    "public",
    "confirm_unlinked",
    "unlinked_reason",
    "satisfaction",
    "method",
    "approve",
]
BIG = str(2**70)
# One odd parameter at a time, the others absent: values that pass one check and break the next.
QUERIES = [
    "end=9999-12-31",
    "start=0001-01-01",
    "start=2020-05-01&end=9999-12-31",
    "start_date=9999-12-31&end_date=0001-01-01",
    "start_date=0001-01-01T00:00:00Z",
    "limit=%C2%B2",
    "offset=" + "9" * 5000,
    "lon=" + "1" * 400 + "&lat=23.4",
    f"page={BIG}",
    f"per_page={BIG}",
    f"limit={BIG}",
    "bbox=1e309,0,1,1",
    "bbox=111.2,23.4,111.3,23.5&z=99",
    f"segment={BIG}",
    f"service_request_id={BIG}",
    "team=%00",
    "status=%00",
    "lang=%00",
    "next=/%09/evil.example/",
]
DEEP_JSON = "[" * 100_000 + "]" * 100_000
TABLES = ("issues", "issue_events", "dispatches", "visits", "site_visits", "users", "street_segments")
SAMPLE_ARGS = {
    "ref": "DT-2020-00001",
    "sid": "DT-2020-00001",
    "code": "noise",
    "token": "x",
    "layer": "issues",
    "z": "14",
    "x": "13240",
    "y": "7100",
    "fmt": "json",
    "visit_id": "1",
    "photo_id": "1",
    "filename": "css/app.css",
    "kind": "categories",
    "digest": "0123456789abcdef0123",
}


def _rules():
    app = url_map_app()
    return sorted(
        (rule.rule, method, sorted(rule.arguments))
        for rule in app.url_map.iter_rules()
        for method in ("GET", "POST")
        if method in rule.methods and not rule.rule.startswith("/static")
    )


RULES = _rules()


def _url(rule: str, args: list[str], odd: str | None) -> str:
    url = rule
    for name in args:
        value = SAMPLE_ARGS[name] if odd is None or name == "fmt" else odd
        url = url.replace(f"<{name}>", quote(value, safe="")).replace(f"<int:{name}>", quote(value, safe=""))
        url = url.replace(f"<any(json, xml):{name}>", value)
        url = re.sub(rf"<any\([^)]*\):{name}>", quote(value, safe=""), url)  # e.g. the organisation's <kind>
    return url


def _counts(session) -> dict[str, int]:
    return {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _check(res, what):
    assert res.status_code < 500, (what, res.status_code, res.get_data(as_text=True)[:300])


@pytest.mark.parametrize("role", ["anonymous", "admin"])
@pytest.mark.parametrize(("rule", "method", "args"), RULES)
def test_no_odd_value_gives_a_500(client, session, rule, method, args, role):
    headers = {}
    csrf = ""
    if role != "anonymous":
        login(client, role)
        headers = token(client, role)
        csrf = csrf_of(client, "/work")
    before = _counts(session)
    for odd in ODD:
        for url in {_url(rule, args, odd), _url(rule, args, None)}:
            query = "&".join(f"{p}={quote(odd, safe='')}" for p in PARAMS)
            if method == "GET":
                _check(client.get(f"{url}?{query}", headers=headers), (url, odd[:20]))
            else:
                form = dict.fromkeys(FIELDS, odd) | {"csrf_token": csrf}
                _check(client.post(url, data=form, headers=headers), (url, "form", odd[:20]))
                _check(client.post(url, json=dict.fromkeys(FIELDS, odd), headers=headers), (url, "json", odd[:20]))
    url = _url(rule, args, None)
    if method == "GET":
        for query in QUERIES:
            _check(client.get(f"{url}?{query}", headers=headers), (url, query[:40]))
        _check(client.get(url + "?start=%ff%fe&bbox=%c3%28", headers=headers), (url, "bad utf-8"))
    else:
        bad_form = b"description=%ff%fe&category=\xff"
        for body, ctype in ((DEEP_JSON, "application/json"), (bad_form, "application/x-www-form-urlencoded")):
            _check(client.post(url, data=body, content_type=ctype, headers=headers), (url, ctype))
    assert _counts(session) == before
