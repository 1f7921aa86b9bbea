"""Every route declares the parameters it reads (geo_app.web.params), generated from the URL map like the
permission matrix: a new route without a declaration fails here, public or staff."""

from __future__ import annotations

import pytest

from geo_app.testing import url_map_app
from geo_app.web.params import NoParams, declared


def _endpoints():
    app = url_map_app()
    return app, {r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_route_declares_its_parameters():
    app, rules = _endpoints()
    missing = {e for e in rules if declared(app.view_functions[e]) is None}
    assert missing == set(), "routes without a parameter schema: declare them with params.declare"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/report/snap.json?lon=1e309&lat=23", "lon"),
        ("/report/snap.json?lon=111.3", "lat"),
        ("/api/public/issues?limit=%C2%B2", "limit"),
        ("/api/public/issues?offset=" + "9" * 5000, "offset"),
        ("/api/public/issues?end=9999-12-31", "end"),
        ("/maps/public?start=0001-01-01", "start"),
        ("/p?ref=" + "X" * 41, "ref"),
        ("/open311/v2/requests.json?service_code=" + "x" * 61, "service_code"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field(client, url, field):
    res = client.get(url, headers={"Accept": "application/json"})
    assert res.status_code == 400, (url, res.status_code)
    if res.is_json and "error" in (res.get_json() or {}):
        assert res.get_json()["error"]["field"] == field


def test_no_params_ignores_what_it_does_not_read():
    assert NoParams.model_validate({"lang": "en"}) == NoParams()


def test_every_kind_of_error_has_words_the_catalog_translates(app):
    from flask_babel import force_locale, gettext

    from geo_app.web.params import WORDS

    with app.test_request_context(), force_locale("zh"):
        untranslated = {w for w in set(WORDS.values()) | {"not a valid value"} if gettext(w) == w}
    assert untranslated == set()


def test_a_bad_value_is_named_in_the_users_language(client):
    res = client.get("/api/public/issues?limit=%C2%B2", headers={"Accept-Language": "zh"})
    assert res.status_code == 400
    body = res.get_json()["error"]
    assert body["field"] == "limit" and "整数" in body["message"], body
    assert body["detail"]  # pydantic's own words stay for a developer


def test_a_repeated_field_is_read_whole_when_the_list_is_optional():
    from werkzeug.datastructures import MultiDict

    from geo_app.web.params import Code, Params, parse

    class Form(Params):
        departments: list[Code] | None = None

    got = parse(Form, MultiDict([("departments", "police"), ("departments", "water")]))
    assert got.departments == ["police", "water"]  # type: ignore[attr-defined]
