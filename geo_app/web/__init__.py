"""Blueprints: thin request parsing over domain functions, in packages that mirror the domain."""

from typing import Any

from werkzeug.routing import IntegerConverter
from werkzeug.routing.map import Map

from geo_app.web import auth, home
from geo_app.web.account import password as account_password
from geo_app.web.account import tokens as account_tokens
from geo_app.web.admin import api as org_api
from geo_app.web.admin import pages as admin_pages
from geo_app.web.analysis import api as analysis_api
from geo_app.web.analysis import exports, reports
from geo_app.web.api import deployment, issues, openapi
from geo_app.web.maps import basemap, pages, public_api, public_issue, search, tiles
from geo_app.web.open311 import routes as open311
from geo_app.web.workflow import dispatches, intake, issue_pages, on_site, photos, resident_report, work

BLUEPRINTS = [
    home.bp,
    deployment.bp,
    auth.bp,
    account_password.bp,
    account_tokens.bp,
    issues.bp,
    org_api.bp,
    admin_pages.bp,
    intake.bp,
    work.bp,
    dispatches.bp,
    issue_pages.bp,
    on_site.bp,
    photos.bp,
    open311.bp,
    openapi.bp,
    pages.bp,
    tiles.bp,
    public_api.bp,
    public_issue.bp,
    resident_report.bp,
    search.bp,
    basemap.bp,
    analysis_api.bp,
    reports.bp,
    exports.bp,
]


class BoundedInt(IntegerConverter):
    """`<int:…>` path values that fit PostgreSQL's bigint; a larger one is a 404 like any unknown id."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
