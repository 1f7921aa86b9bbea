"""Intake: turn what a resident reports into a stored issue linked to its segment and team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2.elements import WKTElement
from sqlalchemy import bindparam, false, insert, select, text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import fire_lanes
from geo_app.domain.core import positions, refs, snapping
from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.validation import clean_email, clean_text
from geo_app.domain.errors import DomainError, ValidationError
from geo_app.models import Category, Channel, Issue, IssueEvent, User, Visit
from geo_app.models.issue import DESCRIPTION_MAX
from geo_app.vocab import OPEN_STATUSES, sql_in

NAME_MAX, PHONE_MAX, ADDRESS_MAX = 80, 40, 200


@dataclass(frozen=True)
class IntakeSettings:
    snap_max_m: float = 60.0
    ref_prefix: str = "DT"
    fire_lane_link_m: float = 30.0


def _category_and_channel(session: Session, code: object, channel: object) -> tuple[Category, bool]:
    """Return the active category `code` (refused otherwise) and whether `channel` is an active channel of
    the deployment (the channels table), asked in one query."""
    if not isinstance(code, str) or not code:
        raise ValidationError("category: is required", "category")
    if "\x00" in code or len(code) > 40:
        raise ValidationError("category: not a valid code", "category")
    channel_ok = (
        select(Channel.code).where(Channel.code == channel, Channel.active).exists()
        if isinstance(channel, str)
        else false()
    )
    row = session.execute(select(Category, channel_ok).where(Category.code == code)).first()
    if row is None:
        raise ValidationError(f"category: unknown category {code[:40]!r}", "category")
    category, known_channel = row
    if not category.active:  # retired: kept for the issues that use it, offered for no new one
        raise ValidationError(f"category: {code!r} is retired", "category")
    return category, bool(known_channel)


def _channel_error(session: Session) -> ValidationError:
    active = session.execute(select(Channel.code).where(Channel.active).order_by(Channel.position)).scalars()
    return ValidationError(f"channel: must be one of {', '.join(active)}", "channel")


def create_issue(
    session: Session,
    data: dict[str, Any],
    actor: User | None,
    settings: IntakeSettings,
    reported_at: datetime | None = None,
    location_fields: tuple[str, str] = ("lon", "lat"),
    unlinked_default: str | None = None,
) -> Issue:
    """Validate `data`, store the issue linked to its nearest segment and team, and log its first event.

    Beyond the snap distance the issue is refused (422 `no_segment`, naming the nearest segment) unless
    `data` confirms it (`confirm_unlinked` and `unlinked_reason`) or the channel cannot ask anyone
    (`unlinked_default` is then the reason); an unlinked issue waits in the review queue with an owner."""
    channel = data.get("channel") or "web"
    category, channel_ok = _category_and_channel(session, data.get("category"), channel)
    description = clean_text(data.get("description"), "description", DESCRIPTION_MAX, required=True)
    lon, lat = positions.parse(session, data.get("lon"), data.get("lat"), *location_fields)
    if not channel_ok:
        raise _channel_error(session)
    visit_id = data.get("visit_id")
    if visit_id is not None and (
        isinstance(visit_id, bool) or not isinstance(visit_id, int) or session.get(Visit, visit_id) is None
    ):
        raise ValidationError("visit_id: no such visit", "visit_id")
    reported_at = reported_at or datetime.now(UTC)
    snap = snapping.nearest_segment(session, lon, lat, settings.snap_max_m)
    unlinked_reason = None if snap.linked else _confirm_unlinked(session, data, lon, lat, settings, unlinked_default)
    issue = Issue(
        ref=refs.next_ref_sql(settings.ref_prefix, reported_at.year),  # taken by the INSERT, returned
        category=category.code,
        description=description,
        address=clean_text(data.get("address"), "address", ADDRESS_MAX),
        geom=WKTElement(f"POINT({lon} {lat})", srid=4326),
        segment_id=snap.segment_id,
        snap_distance_m=snap.distance_m,
        team_id=snap.team_id,
        unlinked_reason=unlinked_reason,
        review_owner_id=None if snap.linked else review_owner(session),
        channel=channel,
        visit_id=visit_id,
        reporter_name=clean_text(data.get("reporter_name"), "reporter_name", NAME_MAX),
        reporter_phone=_phone(data.get("reporter_phone")),
        reporter_email=clean_email(data.get("reporter_email"), "reporter_email"),
        reported_at=reported_at,
        updated_at=reported_at,
        due_at=reported_at + timedelta(days=category.sla_days),
        status="reported",
        version=1,
        priority=3,
    )
    session.add(issue)
    session.flush()
    if category.blocks_access:
        fire_lanes.link_issues(session, settings.fire_lane_link_m, issue_ids=[issue.id])
        session.expire(issue, ["fire_lane_id", "priority"])  # set by that UPDATE: read again when asked for
    session.execute(  # a Core INSERT: the event is not used as an object, and the unit of work costs more
        insert(IssueEvent).values(
            issue_id=issue.id,
            at=reported_at,
            actor_id=actor.id if actor else None,
            action="report",
            from_status=None,
            to_status="reported",
            data={"channel": channel, "linked": snap.linked}
            | ({"unlinked_reason": unlinked_reason} if unlinked_reason else {}),
        )
    )
    session.expire(issue, ["geom"])  # read back as stored (WKB) when asked for, not as the WKT sent
    return issue


def no_segment_error(session: Session, lon: float, lat: float, max_m: float) -> DomainError:
    """Return the 422 `no_segment` refusal for a point beyond the snap distance, naming the nearest segment."""
    nearest = snapping.nearest_any(session, lon, lat)
    values = {"m": round(max_m), "street": nearest["street_name"] if nearest else "—"}
    values["d"] = round(nearest["distance_m"]) if nearest else 0
    msgid = (
        "No street segment within %(m)d m; the nearest is %(street)s (%(d)d m away). "
        "Move the point onto the street, or confirm that the problem has no street."
    )
    return DomainError(
        "lon: " + msgid % values,
        "lon",
        code="no_segment",
        http_status=422,
        details={"nearest": nearest, "snap_max_m": max_m},
        msgid=msgid,
        params=values,
    )


def _confirm_unlinked(
    session: Session, data: dict[str, Any], lon: float, lat: float, settings: IntakeSettings, default: str | None
) -> str:
    confirmed = data.get("confirm_unlinked") in (True, "true", "1", "on")
    if not confirmed and default is None:
        raise no_segment_error(session, lon, lat, settings.snap_max_m)
    reason = clean_text(data.get("unlinked_reason"), "unlinked_reason", ADDRESS_MAX, required=default is None)
    return reason or str(default)


def where_filed(session: Session, issue: Issue) -> dict[str, Any] | None:
    """Return the segment, street and team an issue is linked to, or None when it is unlinked."""
    row = session.execute(
        text("""
        SELECT s.code AS segment, s.street_name, t.code AS team, t.name AS team_name
        FROM street_segments s LEFT JOIN teams t ON t.id = :t WHERE s.id = :s"""),
        {"s": issue.segment_id, "t": issue.team_id},
    ).first()
    return dict(row._mapping) if row else None


def review_owner(session: Session) -> int | None:
    """Return who owns the review queue of unlinked issues: the first active admin."""
    return session.execute(text("SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 1")).scalar()


def snap_preview(session: Session, lon: float, lat: float, max_m: float) -> dict[str, Any]:
    """Return where a point would go before filing: nearest segment, street, team, distance and whether it links."""
    nearest = snapping.nearest_any(session, lon, lat)
    linked = nearest is not None and nearest["distance_m"] <= max_m
    return {"linked": linked, "snap_max_m": max_m, "nearest": nearest}


def _phone(value: object) -> str | None:
    phone = clean_text(value, "reporter_phone", PHONE_MAX)
    if phone is not None and not all(c.isdigit() or c in "+- ()" for c in phone):
        raise ValidationError("reporter_phone: digits, spaces, +, - and brackets only", "reporter_phone")
    return phone


def nearby_open_issues(
    session: Session,
    category: str,
    lon: float,
    lat: float,
    radius_m: float,
    segment_id: int | None = None,
    limit: int = 10,
) -> list[Issue]:
    """Return open issues of the same category on the same segment or within `radius_m` (merge offers)."""
    point = f"ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {int(metric_srid())})"
    ids = (
        session.execute(
            text(f"""
        SELECT id FROM issues
        WHERE category = :c AND status IN :open
          AND (ST_DWithin(geom_m, {point}, :r) OR (segment_id = :seg AND :seg IS NOT NULL))
        ORDER BY geom_m <-> {point} LIMIT :n""").bindparams(bindparam("open", expanding=True)),
            {
                "c": category,
                "open": list(OPEN_STATUSES),
                "lon": lon,
                "lat": lat,
                "r": radius_m,
                "seg": segment_id,
                "n": limit,
            },
        )
        .scalars()
        .all()
    )
    return list(session.execute(select(Issue).where(Issue.id.in_(ids))).scalars()) if ids else []


def segment_point(session: Session, code: object) -> tuple[float, float]:
    """Return the lon/lat of the middle of the live segment `code` (intake by picking a segment)."""
    if not isinstance(code, str) or not code:
        raise ValidationError("segment: a segment code is required", "segment")
    row = session.execute(
        text("""
        SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
            SELECT ST_LineInterpolatePoint(geom, 0.5) AS p FROM street_segments
            WHERE code = :c AND retired_at IS NULL) q"""),
        {"c": code},
    ).first()
    if row is None:
        raise ValidationError(f"segment: unknown segment {code[:40]!r}", "segment")
    return float(row.lon), float(row.lat)


def duplicate_offers(session: Session, issue: Issue, radius_m: float) -> list[Issue]:
    """Return the other open issues that may be the same problem (same category, same segment or near)."""
    lon, lat = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM issues WHERE id = :i"), {"i": issue.id}).one()
    near = nearby_open_issues(session, issue.category, lon, lat, radius_m, issue.segment_id)
    return [other for other in near if other.id != issue.id]


# the open statuses written into SQL (vocabulary constants) so that the planner may use the partial indexes
_OPEN = sql_in("o.status", OPEN_STATUSES)


def duplicate_refs(session: Session, issue: Issue, radius_m: float, limit: int = 10) -> list[str]:
    """Return the refs of duplicate_offers in one query on the open issues' partial indexes (migration 0017:
    the statuses are written out so that the planner may use them; the answer needs nothing else)."""
    return list(
        session.execute(
            text(f"""
        WITH me AS (SELECT id, category, geom_m, segment_id FROM issues WHERE id = :i)
        SELECT o.ref FROM (
            SELECT o.id FROM issues o, me
            WHERE ST_DWithin(o.geom_m, me.geom_m, :r) AND o.category = me.category AND {_OPEN}
            UNION
            SELECT o.id FROM issues o, me
            WHERE o.segment_id = me.segment_id AND o.category = me.category AND {_OPEN}
        ) near JOIN issues o ON o.id = near.id, me
        WHERE o.id <> me.id
        ORDER BY o.geom_m <-> me.geom_m, o.id LIMIT :n"""),
            {"i": issue.id, "r": radius_m, "n": limit},
        ).scalars()
    )
