"""The parameter schemas of the issue JSON API (geo_app.web.api.issues), see geo_app.web.params.

JSON values keep their JSON type: a number, a boolean or text, each member strict so that pydantic turns no
text into a number (the view and the domain refuse a coordinate sent as text with their own words; what they
read is the raw body, these only type and bound it). The query routes share the page models of the workflow.
Named apart from a `schemas.py` because the deployment API of this package declares its own."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict, StrictBool, StrictFloat

from geo_app.web.params import Code, Params, Ref, Short, Text, Typed, When
from geo_app.web.workflow.schemas import CODES_MAX, BboxQuery, IssueFilterQuery

__all__ = ["ActionBody", "BboxQuery", "IssueFilterQuery", "NewIssueBody"]

JsonNumber = StrictFloat | Typed
JsonInt = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63 - 1)] | Typed  # never past a bigint
# true/false; 1/0 and "true"/"on" too, as the domain's checks of confirm_unlinked and public accept them
JsonFlag = StrictBool | Annotated[int, Strict(), Field(ge=0, le=1)] | Typed


class NewIssueBody(Params):
    """POST /api/issues: the new issue (intake.create_issue reads these)."""

    category: Code | None = None
    description: Text | None = None
    lon: JsonNumber | None = None
    lat: JsonNumber | None = None
    channel: Code | None = None
    visit_id: JsonInt | None = None
    address: Short | None = None
    reporter_name: Short | None = None
    reporter_phone: Typed | None = None
    reporter_email: str | None = Field(None, max_length=254)
    confirm_unlinked: JsonFlag | None = None
    unlinked_reason: Short | None = None


class ActionBody(Params):
    """POST /api/issues/<ref>/actions: {action, version} and what that action's handler reads."""

    action: Code | None = None
    version: JsonInt | None = None
    reason: Text | None = None
    note: Text | None = None
    into: Ref | None = None
    resolution: Code | None = None
    dispatch_id: JsonInt | None = None
    department: Code | None = None
    departments: list[Code] | None = Field(None, max_length=CODES_MAX)
    due_at: When | None = None
    lon: JsonNumber | None = None
    lat: JsonNumber | None = None
    confirm_unlinked: JsonFlag | None = None
    unlinked_reason: Text | None = None
    passed: JsonFlag | None = None
    approve: JsonFlag | None = None
    public: JsonFlag | None = None
    satisfaction: Code | None = None
    method: Code | None = None
