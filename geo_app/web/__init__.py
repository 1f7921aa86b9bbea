"""Blueprints: thin request parsing over domain functions. One module per audience or resource."""
from . import auth, home
from . import api, dispatches, intake, issue_pages, site_visits, work
from . import open311, openapi
from . import maps, public_api, tiles
from . import analysis_api, reports

BLUEPRINTS = [home.bp, auth.bp, api.bp, intake.bp, work.bp, dispatches.bp, issue_pages.bp, site_visits.bp, open311.bp, openapi.bp,
               maps.bp, tiles.bp, public_api.bp,
               analysis_api.bp, reports.bp]
