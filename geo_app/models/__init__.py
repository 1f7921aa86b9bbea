"""The stored data, one module per aggregate; importing this registers every table."""

from geo_app.models.base import METRIC_SRID, Base
from geo_app.models.geography import (
    AdminArea,
    Compound,
    FireLane,
    FireLaneStatusEvent,
    ReceptionHall,
    StreetSegment,
    WaterArea,
)
from geo_app.models.import_batch import ImportBatch, ImportBatchUpdate
from geo_app.models.issue import Dispatch, Issue, IssueEvent
from geo_app.models.organisation import (
    Category,
    Channel,
    Department,
    OrgAudit,
    Team,
    TeamMember,
    category_departments,
    team_segments,
)
from geo_app.models.photo import Photo
from geo_app.models.search import SearchName
from geo_app.models.user import ApiKey, BearerToken, LoginThrottle, User
from geo_app.models.visit import SiteVisit, Visit, site_visit_issues

__all__ = [
    "Base",
    "METRIC_SRID",
    "AdminArea",
    "Compound",
    "FireLane",
    "FireLaneStatusEvent",
    "ReceptionHall",
    "StreetSegment",
    "WaterArea",
    "Dispatch",
    "Issue",
    "ImportBatch",
    "ImportBatchUpdate",
    "Photo",
    "SearchName",
    "IssueEvent",
    "Category",
    "Channel",
    "OrgAudit",
    "category_departments",
    "Department",
    "Team",
    "TeamMember",
    "team_segments",
    "ApiKey",
    "BearerToken",
    "LoginThrottle",
    "User",
    "SiteVisit",
    "Visit",
    "site_visit_issues",
]
