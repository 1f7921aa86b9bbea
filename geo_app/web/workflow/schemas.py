"""The parameter schemas of the staff workflow pages (intake, issue page, work lists, dispatches, site visits,
photos), one small model per route or form (see geo_app.web.params).

Loose on purpose: the values go on to the domain parsers (geo_app.domain.core.validation, worklists.parse_filter,
the action handlers), which say in the user's language what is wrong with a code, a date or a number; these
only make sure that nothing unbounded reaches them. Files (`request.files`) are not form fields: the photo code
reads them up to PHOTO_MAX_BYTES."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import Code, Codes, Flag, NextPath, Params, Ref, Short, Text, Typed, When

CODES_MAX = 100  # ticked boxes of one form: more than any page offers (the domain bounds the real number)


class IssueFilterQuery(Params):
    """An issue list's filters as worklists.parse_filter reads them (API list and the work list)."""

    bbox: Short | None = None
    status: Short | None = None  # statuses, comma-separated
    category: Code | None = None
    team: Code | None = None
    segment: Code | None = None
    start: Typed | None = None
    end: Typed | None = None
    overdue: Flag | None = None
    unlinked: Flag | None = None
    awaiting: Flag | None = None
    per_page: Typed | None = None
    page: Typed | None = None
    cursor: Codes | None = None  # keyset.encode: base64 of a short JSON list


class PageQuery(Params):
    """A review or escalation list: which page, by number or by the cursor of the page before."""

    page: Typed | None = None
    cursor: Codes | None = None


class DispatchListQuery(Params):
    """The department's dispatch list: `done=1` shows the finished ones too."""

    done: Flag | None = None


class BboxQuery(Params):
    """The segments of the intake map in a bounding box (worklists.parse_bbox checks it)."""

    bbox: Short | None = None


class PointQuery(Params):
    """A point the clerk clicked, as typed (validation.parse_lonlat checks it)."""

    lon: Typed | None = None
    lat: Typed | None = None


class NearbyQuery(PointQuery):
    """The open issues near a point, of one category (filters.parse_categories checks the codes)."""

    category: Codes | None = None


class VisitForm(Params):
    """A reception-hall visit (visits.log_visit)."""

    hall: Code | None = None
    visited_at: When | None = None
    people: Typed | None = None
    topics: Text | None = None


class IntakeIssueForm(Params):
    """An issue filed from a visit at a clicked point or a picked segment (intake.create_issue)."""

    category: Code | None = None
    description: Text | None = None
    address: Short | None = None
    reporter_name: Short | None = None
    reporter_phone: Typed | None = None
    unlinked_reason: Short | None = None
    confirm_unlinked: Flag | None = None
    lon: Typed | None = None
    lat: Typed | None = None
    segment: Code | None = None


class NextQuery(Params):
    """Where to go back after a form (forms.safe_next reads the form's or the query's `next`)."""

    next: NextPath | None = None


class ActionForm(NextQuery):
    """An action form of the issue page (forms.action_form); its photos come as files."""

    action: Code | None = None
    version: Typed | None = None
    reason: Text | None = None
    note: Text | None = None
    into: Ref | None = None
    resolution: Code | None = None
    dispatch_id: Typed | None = None
    lon: Typed | None = None
    lat: Typed | None = None
    confirm_unlinked: Flag | None = None
    method: Code | None = None
    # a list without None: params._flat reads every value of a field only when its annotation is a plain list
    departments: list[Code] = Field(default_factory=list, max_length=CODES_MAX)
    due_at: When | None = None
    passed: Flag | None = None
    approve: Flag | None = None
    public: Flag | None = None
    satisfaction: Code | None = None


class PhotoForm(Params):
    """A photo's stage and publication beside its file (photos.store_photos)."""

    stage: Code | None = None
    public: Flag | None = None


class SiteVisitForm(Params):
    """A site visit and the ticked issues settled there, each 'REF:VERSION' (on_site.log_site_visit)."""

    place: Short | None = None
    visited_at: When | None = None
    notes: Text | None = None
    issues: list[Code] = Field(default_factory=list, max_length=CODES_MAX)
