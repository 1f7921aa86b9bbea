"""The stored data, one module per aggregate; importing this registers every table."""
from .base import Base, METRIC_SRID
from .geography import AdminArea, Compound, FireLane, FireLaneStatusEvent, ReceptionHall, StreetSegment, WaterArea
from .issue import Dispatch, Issue, IssueEvent, RefCounter
from .organisation import Category, Department, Team, TeamMember, team_segments
from .user import ApiKey, User
from .visit import SiteVisit, Visit, site_visit_issues

__all__ = ["Base", "METRIC_SRID", "AdminArea", "Compound", "FireLane", "FireLaneStatusEvent", "ReceptionHall",
           "StreetSegment", "WaterArea", "Dispatch", "Issue", "IssueEvent", "RefCounter", "Category", "Department", "Team",
           "TeamMember", "team_segments", "ApiKey", "User", "SiteVisit", "Visit", "site_visit_issues"]
