"""Open311 GeoReport v2 over our issues: services are categories, requests are issues.

What a GET returns is public: no names, phones, e-mails or the resident's free text; the address is the
street of the linked segment and the point is moved onto that segment (generalised like the public map).
Posted requests go through the same intake as every other channel (channel `open311`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping, bindparam, select, text
from sqlalchemy.orm import Session

from geo_app.domain.core import positions
from geo_app.domain.core.accounts import key_digest
from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.core.validation import clean_email, clean_text, parse_datetime
from geo_app.domain.errors import Forbidden, NotFound, ValidationError
from geo_app.domain.open311 import catalogue
from geo_app.domain.workflow.intake import NAME_MAX, IntakeSettings, create_issue
from geo_app.models import ApiKey
from geo_app.vocab import OPEN_STATUSES, STATUSES

WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
LISTED_STATUSES = tuple(s for s in STATUSES if s not in ("reported", "rejected", "duplicate"))
CLOSED_STATUSES = ("resolved", "verified", "closed", "rejected", "duplicate")
ATTRIBUTE_LINE = re.compile(r"\n?\[[a-z_]+: [^\]\n]*\]")  # answers kept in the text (a plate number): staff only
MEDIA_MAX = 1000
PhotoUrl = Callable[[int], str]
PLATE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff·\- ]{2,12}$")
# Extra questions a service asks (Open311 "service definition"); answers are staff-only, like the text.
ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    code: [
        {
            "variable": True,
            "code": "plate_number",
            "datatype": "string",
            "required": False,
            "datatype_description": "Licence plate, e.g. 桂D12345",
            "order": 1,
            "description": {
                "en": "Plate number of the vehicle or owner of the obstruction",
                "zh": "车牌号（车辆或堆放物所属车辆）",
            },
        }
    ]
    for code in ("illegal_parking", "obstruction")
}
NOTES = {
    "en": {
        "reported": "received, awaiting acceptance",
        "accepted": "accepted by the street-chief team",
        "dispatched": "departments summoned by the street chief",
        "in_progress": "work in progress",
        "resolved": "resolved, awaiting the acceptance check",
        "verified": "resolution verified",
        "closed": "closed",
        "rejected": "rejected by the street-chief team",
        "duplicate": "merged into {dup}",
        "on_site": "solved on site",
        "team": "solved by the street-chief team",
    },
    "zh": {
        "reported": "已受理，待接收",
        "accepted": "街长团队已接收",
        "dispatched": "街长已吹哨，部门报到中",
        "in_progress": "处理中",
        "resolved": "已解决，待验收",
        "verified": "已验收",
        "closed": "已办结",
        "rejected": "街长团队不予受理",
        "duplicate": "已合并至 {dup}",
        "on_site": "现场解决",
        "team": "街长团队解决",
    },
}


@dataclass(frozen=True)
class Query:
    """Parsed filters of GET requests."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "zh"


def services(session: Session, lang: str | None) -> list[dict[str, Any]]:
    """Return the service list: one service per category."""
    return [{**s, "metadata": s["service_code"] in ATTRIBUTES} for s in catalogue.services(session, _lang(lang))]


def service_definition(session: Session, code: str, lang: str | None) -> dict[str, Any]:
    """Return the attributes a service asks for; 404 for an unknown service."""
    catalogue.category_for(session, code)
    lang = _lang(lang)
    attrs = [{**a, "description": a["description"][lang]} for a in ATTRIBUTES.get(code, [])]
    return {"service_code": code, "attributes": attrs}


def parse_query(params: dict[str, Any], now: datetime | None = None) -> Query:
    """Return the filters of GET requests, applying the spec's default 90-day window."""
    ids = _split(params.get("service_request_id"))
    if ids:  # the spec: a list of ids overrides every other argument
        return Query(ids=ids[:MAX_RESULTS])
    statuses = _split(params.get("status"))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise ValidationError(f"status: must be open or closed, got {bad[0][:20]!r}", "status")
    start = _w3c(params.get("start_date"), "start_date")
    end = _w3c(params.get("end_date"), "end_date")
    if start and end and end < start:
        raise ValidationError("end_date: before start_date", "end_date")
    if start and end and end - start > WINDOW:
        raise ValidationError("end_date: the range may not span more than 90 days", "end_date")
    now = now or datetime.now(UTC)
    if start is None and end is None:
        start, end = now - WINDOW, now
    elif start is None:
        assert end is not None  # not both None: handled above
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    return Query(codes=_split(params.get("service_code")), statuses=statuses, start=start, end=end)


def _split(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(dict.fromkeys(v.strip() for v in str(value).split(",") if v.strip()))


def _w3c(value: object, field: str, zone: tzinfo | None = UTC) -> datetime | None:
    """Return a W3C date/time; a naive one is in `zone` (None: the deployment's)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.match(
        r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
        r"(Z|[+-]\d{2}:?\d{2})?$",
        value.strip(),
    ):
        raise ValidationError(f"{field}: must be a W3C date/time such as 2020-05-01T00:00:00Z", field)
    return parse_datetime(value, field, tz=zone)


_LIST_SQL = """
SELECT i.ref, COALESCE(c.service_code, i.category) AS category, c.name_zh, c.name_en, i.status, i.resolution,
       i.reported_at, i.updated_at, i.due_at,
       s.street_name, dup.ref AS duplicate_of, t.name AS team_name,
       -- staff published it (or the deployment publishes by default): its text and media may be shown
       coalesce(i.public, (SELECT d.public_by_default FROM deployment d), false) AS public,
       i.description, i.media_url,
       (SELECT max(ph.id) FROM photos ph WHERE ph.issue_id = i.id AND ph.public AND ph.stage = 'after') AS photo_id,
       ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat,
       (SELECT string_agg(DISTINCT d.name_zh, '、') FROM dispatches x JOIN departments d ON d.id = x.department_id
         WHERE x.issue_id = i.id) AS agencies_zh,
       (SELECT string_agg(DISTINCT d.name_en, ', ') FROM dispatches x JOIN departments d ON d.id = x.department_id
         WHERE x.issue_id = i.id) AS agencies_en
FROM issues i
JOIN categories c ON c.code = i.category
LEFT JOIN street_segments s ON s.id = i.segment_id
LEFT JOIN teams t ON t.id = i.team_id
LEFT JOIN issues dup ON dup.id = i.duplicate_of_id
-- generalised exactly like the public map: the segment's midpoint (the projection onto the street gave
-- away where the resident stood), or a ~100 m grid cell when unlinked
CROSS JOIN LATERAL (SELECT CASE WHEN s.id IS NOT NULL THEN ST_LineInterpolatePoint(s.geom, 0.5)
                                ELSE ST_SnapToGrid(i.geom, 0.001) END AS pt) p
WHERE {where}
ORDER BY i.reported_at DESC, i.id DESC
LIMIT :limit
"""


def list_requests(
    session: Session, query: Query, lang: str | None, tz: str | None = None, photo_url: PhotoUrl | None = None
) -> list[dict[str, Any]]:
    """Return the public view of the issues matching `query` (at most 1,000, newest first); `photo_url` makes
    the address of a published photo (the media_url of a published issue without one of its own)."""
    where: list[str]
    params: dict[str, Any]
    expanding: list[str]
    where, params, expanding = ["TRUE"], {"limit": MAX_RESULTS}, []
    if query.ids:
        # asked for by id: its reporter follows a new report or a merge, but a rejected one is not shown
        # (references are sequential: anyone can guess them)
        where.append("i.ref IN :ids AND i.status <> 'rejected'")
        params["ids"] = list(query.ids)
        expanding.append("ids")
    else:
        # a list shows vetted issues only: not a report nobody has accepted yet, a rejected one or a merged copy
        where.append("i.status IN :listed")
        params["listed"] = list(LISTED_STATUSES)
        expanding.append("listed")
        where.append("i.reported_at >= :start AND i.reported_at <= :end")
        params.update(start=query.start, end=query.end)
        if query.codes:
            where.append("COALESCE(c.service_code, c.code) IN :codes")
            params["codes"] = list(query.codes)
            expanding.append("codes")
        if len(query.statuses) == 1:
            wanted = OPEN_STATUSES if query.statuses[0] == "open" else CLOSED_STATUSES
            where.append("i.status IN :states")
            params["states"] = list(wanted)
            expanding.append("states")
    sql = text(_LIST_SQL.format(where=" AND ".join(where)))
    if expanding:
        sql = sql.bindparams(*(bindparam(name, expanding=True) for name in expanding))
    return [public_request(row, lang, tz, photo_url) for row in session.execute(sql, params).mappings()]


def get_request(
    session: Session, ref: str, lang: str | None, tz: str | None = None, photo_url: PhotoUrl | None = None
) -> list[dict[str, Any]]:
    """Return the one-element list the spec gives for a request id; 404 when there is none."""
    found = list_requests(session, Query(ids=(ref,)), lang, tz, photo_url)
    if not found:
        raise NotFound(f"service_request_id: no request {ref[:40]!r}", "service_request_id")
    return found


def public_request(
    row: RowMapping, lang: str | None, tz: str | None = None, photo_url: PhotoUrl | None = None
) -> dict[str, Any]:
    """Return an issue row as an Open311 request, with nothing personal in it: the description and media_url
    only when staff published the issue (empty otherwise), and never the attributes' answers."""
    lang = _lang(lang)
    notes = NOTES[lang]
    note = notes[row["status"]].format(dup=row["duplicate_of"] or "")
    if row["resolution"] and row["status"] in ("resolved", "verified", "closed"):
        note += f" ({notes[row['resolution']]})" if lang == "en" else f"（{notes[row['resolution']]}）"
    agency = row["agencies_en" if lang == "en" else "agencies_zh"] or row["team_name"] or ""
    zone = ZoneInfo(tz) if tz else local_zone()
    shown = bool(row.get("public"))
    media = (row["media_url"] or (photo_url(row["photo_id"]) if photo_url and row["photo_id"] else "")) if shown else ""
    return {
        "service_request_id": row["ref"],
        "status": "open" if row["status"] in OPEN_STATUSES else "closed",
        "status_notes": note,
        "service_name": row["name_en"] if lang == "en" else row["name_zh"],
        "service_code": row["category"],
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _iso(row["reported_at"], zone),
        "updated_datetime": _iso(row["updated_at"], zone),
        "expected_datetime": _iso(row["due_at"], zone),
        "description": ATTRIBUTE_LINE.sub("", row["description"] or "").strip() if shown else "",
        "media_url": media,
        "address": row["street_name"] or "",
        "lat": round(float(row["lat"]), 6),
        "long": round(float(row["lon"]), 6),
    }


def _iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value else None


def check_api_key(session: Session, key: object) -> ApiKey:
    """Return the active API key matching `key`; 403 otherwise (the spec's answer to a bad api_key)."""
    if not isinstance(key, str) or not key:
        raise Forbidden("api_key: was not provided", "api_key")
    found = session.execute(
        select(ApiKey).where(ApiKey.key_sha256 == key_digest(key), ApiKey.active.is_(True))
    ).scalar()
    if found is None:
        raise Forbidden("api_key: not valid", "api_key")
    return found


def revoke_api_key(session: Session, label: str) -> ApiKey:
    """Deactivate the API key with this label (kept, so that the label stays taken)."""
    found = session.execute(select(ApiKey).where(ApiKey.label == label)).scalar()
    if found is None:
        raise NotFound(f"label: no api key {label!r}", "label")
    found.active = False
    session.flush()
    return found


def post_request(session: Session, form: dict[str, Any], settings: IntakeSettings) -> list[dict[str, Any]]:
    """Create an issue from an Open311 POST (api_key already checked); return the spec's answer."""
    code = form.get("service_code")
    if not code:
        raise ValidationError("service_code: is required", "service_code")
    try:
        category = catalogue.category_for(session, str(code))
    except NotFound as exc:
        raise ValidationError(exc.message, "service_code") from None
    lon, lat = _location(session, form)
    requested = _requested_at(form.get("requested_datetime"))
    media_url = _media_url(form.get("media_url"))
    description = form.get("description")
    plate = _attribute(form, "plate_number") if code in ATTRIBUTES else None
    if plate is not None:
        if not PLATE.match(plate):
            raise ValidationError("attribute[plate_number]: 2-12 letters, digits or 汉字", "attribute[plate_number]")
        if isinstance(description, str):
            description = f"{description.strip()}\n[plate_number: {plate}]"
    issue = create_issue(
        session,
        {
            "category": category.code,
            "description": description,
            "lon": lon,
            "lat": lat,
            "channel": "open311",
            "address": form.get("address_string") or None,
            "reporter_name": _reporter(form),
            "reporter_phone": form.get("phone") or None,
            "reporter_email": clean_email(form.get("email")),
        },
        None,
        settings,
        reported_at=requested,
        location_fields=("long", "lat"),
        unlinked_default="Open311: no street segment within the snap distance",  # nobody to ask: review queue
    )
    if media_url:
        issue.media_url = media_url
        session.flush()
    return [{"service_request_id": issue.ref, "token": issue.ref, "service_notice": "", "account_id": None}]


def _requested_at(value: object) -> datetime | None:
    """Return when the client says the problem was reported (its own requested_datetime), or None for now.

    GeoReport v2 leaves POST's fields open to what a jurisdiction accepts; a client that queued a report
    offline sends the time it was made. Not in the future (a few minutes of clock skew allowed)."""
    when = _w3c(value, "requested_datetime", None)  # naive: the deployment's local time
    if when is None:
        return None
    if when > datetime.now(UTC) + timedelta(minutes=5):
        raise ValidationError("requested_datetime: is in the future", "requested_datetime")
    return when


def _media_url(value: object) -> str | None:
    """Return the client's media_url if it is an http(s) address (kept; shown once staff publish the issue)."""
    if value is None or value == "":
        return None
    if (
        not isinstance(value, str)
        or len(value) > MEDIA_MAX
        or not re.match(r"^https?://[^\s<>\"'\x00-\x1f\x7f]+$", value.strip())
    ):
        raise ValidationError(f"media_url: an http(s) address of at most {MEDIA_MAX} characters", "media_url")
    return value.strip()


def _attribute(form: dict[str, Any], name: str) -> str | None:
    value = form.get(f"attribute[{name}]")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _reporter(form: dict[str, Any]) -> str | None:
    """Return the reporter's name from first_name and last_name (Chinese order: family name first)."""
    first, last = (v.strip() if isinstance(v := form.get(k), str) else "" for k in ("first_name", "last_name"))
    name = f"{last}{first}" if _is_cjk(last + first) else " ".join(p for p in (first, last) if p)
    return clean_text(name, "first_name", NAME_MAX) if name else None


def _is_cjk(text_: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text_)


def _location(session: Session, form: dict[str, Any]) -> tuple[float, float]:
    """Return (lon, lat) from lat/long, or from a street named in address_string."""
    lat, lon = form.get("lat"), form.get("long")
    if lat not in (None, "") or lon not in (None, ""):
        if lat in (None, "") or lon in (None, ""):
            raise ValidationError("lat: lat and long are required together", "lat" if lat in (None, "") else "long")
        return positions.parse(session, lon, lat, "long", "lat")
    address = form.get("address_string")
    if not isinstance(address, str) or not address.strip():
        raise ValidationError("lat: a location is required: lat and long, or address_string", "lat")
    row = session.execute(
        text("""
        WITH street AS (
            SELECT street_name FROM street_segments
            WHERE retired_at IS NULL AND street_name <> '' AND strpos(:a, street_name) > 0
            ORDER BY char_length(street_name) DESC LIMIT 1),
        segs AS (SELECT s.geom FROM street_segments s JOIN street USING (street_name) WHERE s.retired_at IS NULL),
        mid AS (SELECT ST_Centroid(ST_Collect(geom)) AS c FROM segs)
        SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
            SELECT ST_ClosestPoint(segs.geom, mid.c) AS p FROM segs, mid
            ORDER BY segs.geom <-> mid.c LIMIT 1) q"""),
        {"a": address.strip()[:200]},
    ).first()
    if row is None:
        raise ValidationError("address_string: no known street in the address; send lat and long", "address_string")
    return float(row.lon), float(row.lat)
