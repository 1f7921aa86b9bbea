"""Blueprints: thin request parsing over domain functions. One module per audience or resource."""
from . import auth, home
from . import api, dispatches, intake, issue_pages, site_visits, work
from . import analysis_api, reports
from . import open311, openapi

BLUEPRINTS = [home.bp, auth.bp, api.bp, intake.bp, work.bp, dispatches.bp, issue_pages.bp, site_visits.bp,
              analysis_api.bp, reports.bp, open311.bp, openapi.bp]
