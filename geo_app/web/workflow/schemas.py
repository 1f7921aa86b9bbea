"""The parameter schemas of the staff workflow pages (intake, issue page, work lists, dispatches, site visits,
photos), one small model per route or form (see geo_app.web.params).

Loose on purpose: the values go on to the domain parsers (geo_app.domain.core.validation, worklists.parse_filter,
the action handlers), which say in the user's language what is wrong with a code, a date or a number; these
only make sure that nothing unbounded reaches them. Files (`request.files`) are not form fields: the photo code
reads them up to PHOTO_MAX_BYTES."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import Code, Params, Ref, Text

Short = Field(None, max_length=200)
Number = Field(None, max_length=40)  # a number as typed: the domain says what is wrong with it
When = Field(None, max_length=64)  # a date/time as typed: parse_datetime refuses longer ones with its own words
Flag = Field(None, max_length=10)  # "1", "true", "on": the view or the domain reads the meaning
Next = Field(None, max_length=2000)  # a path on this site (redirects.safe_next)
CODES_MAX = 100  # ticked boxes of one form: more than any page offers (the domain bounds the real number)


class IssueFilterQuery(Params):
    """An issue list's filters as worklists.parse_filter reads them (API list and the work list)."""

    bbox: str | None = Short
    status: str | None = Short  # statuses, comma-separated
    category: Code | None = None
    team: Code | None = None
    segment: Code | None = None
    start: str | None = Number
    end: str | None = Number
    overdue: str | None = Flag
    unlinked: str | None = Flag
    awaiting: str | None = Flag
    per_page: str | None = Number
    page: str | None = Number
    cursor: str | None = Field(None, max_length=400)  # keyset.encode: base64 of a short JSON list


class PageQuery(Params):
    """A review or escalation list: which page, by number or by the cursor of the page before."""

    page: str | None = Number
    cursor: str | None = Field(None, max_length=400)


class DispatchListQuery(Params):
    """The department's dispatch list: `done=1` shows the finished ones too."""

    done: str | None = Flag


class BboxQuery(Params):
    """The segments of the intake map in a bounding box (worklists.parse_bbox checks it)."""

    bbox: str | None = Short


class PointQuery(Params):
    """A point the clerk clicked, as typed (validation.parse_lonlat checks it)."""

    lon: str | None = Number
    lat: str | None = Number


class NearbyQuery(PointQuery):
    """The open issues near a point, of one category (filters.parse_categories checks the codes)."""

    category: str | None = Field(None, max_length=400)


class VisitForm(Params):
    """A reception-hall visit (visits.log_visit)."""

    hall: Code | None = None
    visited_at: str | None = When
    people: str | None = Number
    topics: Text | None = None


class IntakeIssueForm(Params):
    """An issue filed from a visit at a clicked point or a picked segment (intake.create_issue)."""

    category: Code | None = None
    description: Text | None = None
    address: str | None = Short
    reporter_name: str | None = Short
    reporter_phone: str | None = Number
    unlinked_reason: str | None = Short
    confirm_unlinked: str | None = Flag
    lon: str | None = Number
    lat: str | None = Number
    segment: Code | None = None


class NextQuery(Params):
    """Where to go back after a form (forms.safe_next reads the form's or the query's `next`)."""

    next: str | None = Next


class ActionForm(NextQuery):
    """An action form of the issue page (forms.action_form); its photos come as files."""

    action: Code | None = None
    version: str | None = Number
    reason: Text | None = None
    note: Text | None = None
    into: Ref | None = None
    resolution: Code | None = None
    dispatch_id: str | None = Number
    lon: str | None = Number
    lat: str | None = Number
    confirm_unlinked: str | None = Flag
    method: Code | None = None
    # a list without None: params._flat reads every value of a field only when its annotation is a plain list
    departments: list[Code] = Field(default_factory=list, max_length=CODES_MAX)
    due_at: str | None = When
    passed: str | None = Flag
    approve: str | None = Flag
    public: str | None = Flag
    satisfaction: Code | None = None


class PhotoForm(Params):
    """A photo's stage and publication beside its file (photos.store_photos)."""

    stage: Code | None = None
    public: str | None = Flag


class SiteVisitForm(Params):
    """A site visit and the ticked issues settled there, each 'REF:VERSION' (on_site.log_site_visit)."""

    place: str | None = Short
    visited_at: str | None = When
    notes: Text | None = None
    issues: list[Code] = Field(default_factory=list, max_length=CODES_MAX)
