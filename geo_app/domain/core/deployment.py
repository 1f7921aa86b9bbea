"""The deployment profile: where this installation is (name, time zone, metric CRS, ref prefix, service area).

It is stored in the database (one row of `deployment`, written once by `flask init-deployment` or the demo)
and read from there by every process, so that no environment variable has to be repeated. The profile of
the running process is `active()`: the app layer activates it when an app context is pushed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core import localtime
from geo_app.domain.errors import Conflict, ValidationError

REF_PREFIX_RE = re.compile(r"^[A-Z]{1,6}$")
NAME_MAX = 200


@dataclass(frozen=True)
class Profile:
    """One deployment: what every command and the server read from the database."""

    name: str
    name_en: str
    timezone: str
    metric_srid: int
    ref_prefix: str
    bbox: tuple[float, float, float, float] | None = None
    public_by_default: bool = False  # 0013: Open311 shows an issue's text unless staff say otherwise

    def as_json(self) -> dict[str, object]:
        """Return the profile as `GET /api/deployment` shows it."""
        return {
            "name": self.name,
            "name_en": self.name_en,
            "timezone": self.timezone,
            "metric_srid": self.metric_srid,
            "ref_prefix": self.ref_prefix,
            "bbox": list(self.bbox) if self.bbox else None,
            "public_by_default": self.public_by_default,
        }


_active: Profile | None = None


def activate(profile: Profile) -> None:
    """Make `profile` the process's deployment: its zone becomes the domain's local time zone."""
    global _active
    localtime.set_zone(profile.timezone)
    _active = profile


def active() -> Profile:
    """Return the active profile; fail loudly when none is (the database has no deployment yet)."""
    if _active is None:
        raise RuntimeError("no deployment profile: run `flask --app geo_app init-deployment` (or load-demo)")
    return _active


def active_or_none() -> Profile | None:
    """Return the active profile, or None."""
    return _active


def metric_srid() -> int:
    """Return the metric CRS of the active deployment (the SRID of every `geom_m` column)."""
    return active().metric_srid


def utm_srid(lon: float, lat: float) -> int:
    """Return the EPSG code of the WGS 84 UTM zone containing (lon, lat)."""
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def table_exists(session: Session) -> bool:
    """Return True when the migrations that create the `deployment` table have run."""
    return bool(session.execute(text("SELECT to_regclass('deployment') IS NOT NULL")).scalar())


def schema_srid(session: Session) -> int | None:
    """Return the SRID of issues.geom_m as the schema has it (None before the migrations, or without PostGIS)."""
    if not session.execute(text("SELECT to_regclass('geometry_columns') IS NOT NULL")).scalar():
        return None
    return session.execute(
        text("SELECT srid FROM geometry_columns WHERE f_table_name = 'issues' AND f_geometry_column = 'geom_m'")
    ).scalar()


def load(session: Session) -> Profile | None:
    """Return the profile stored in the database, or None when there is none (yet)."""
    if not table_exists(session):
        return None
    row = (
        session.execute(
            text("""
        SELECT name, name_en, timezone, metric_srid, ref_prefix, public_by_default,
               ST_XMin(b) x0, ST_YMin(b) y0, ST_XMax(b) x1, ST_YMax(b) y1
        FROM (SELECT *, service_area::box2d::geometry AS b FROM deployment) d""")
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    bbox = None if row["x0"] is None else (row["x0"], row["y0"], row["x1"], row["y1"])
    return Profile(
        row["name"], row["name_en"], row["timezone"], row["metric_srid"], row["ref_prefix"], bbox,
        row["public_by_default"],
    )  # fmt: skip


def check_zone(name: str) -> str:
    """Return `name` if it is an IANA time zone, else raise a ValidationError naming the field."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r} (an IANA name such as Europe/Helsinki)"
        raise ValidationError(message, "timezone") from None
    return name


def contradictions(profile: Profile, env: dict[str, str]) -> list[str]:
    """Return what the environment (METRIC_SRID, TIMEZONE, REF_PREFIX, when set) says against the profile."""
    stored = {"METRIC_SRID": str(profile.metric_srid), "TIMEZONE": profile.timezone, "REF_PREFIX": profile.ref_prefix}
    return [
        f"{key}={env[key]} in the environment, but the deployment {profile.name!r} in the database has {value}"
        for key, value in stored.items()
        if env.get(key, "").strip() and env[key].strip() != value
    ]


def resolve_srid(value: str, center: tuple[float, float] | None) -> int | None:
    """Return the metric SRID asked for: a number, or `auto` (the UTM zone of `center`; None without one:
    the first streets imported decide)."""
    if value.strip().lower() == "auto":
        return utm_srid(*center) if center is not None else None
    try:
        srid = int(value)
    except ValueError:
        raise ValidationError(f"metric SRID must be a number or auto, not {value!r}", "metric_srid") from None
    return srid


def create(
    session: Session,
    name: str,
    timezone: str,
    metric_srid: int | None,
    ref_prefix: str,
    name_en: str = "",
    center: tuple[float, float] | None = None,
) -> Profile:
    """Store the deployment profile (once); the caller commits. Moves the schema to `metric_srid` if needed;
    None (auto without a centre) keeps the schema's until the first streets are imported."""
    from geo_app.domain.core import crs

    name, name_en, ref_prefix = name.strip(), name_en.strip(), ref_prefix.strip().upper()
    if not name or len(name) > NAME_MAX:
        raise ValidationError(f"the place name is required (at most {NAME_MAX} characters)", "name")
    check_zone(timezone)
    if not REF_PREFIX_RE.match(ref_prefix):
        raise ValidationError("the reference prefix is 1 to 6 letters A-Z", "ref_prefix")
    if center is not None:
        lon, lat = center
        if not (-180 <= lon <= 180 and -85 <= lat <= 85):
            raise ValidationError(f"center {lon},{lat} is not a longitude,latitude", "center")
    if not table_exists(session):
        raise Conflict("the database is not migrated: run `flask --app geo_app db upgrade` first", "deployment")
    if load(session) is not None:
        raise Conflict("this database already has its deployment profile (init-deployment runs once)", "deployment")
    pending = metric_srid is None
    if metric_srid is None:
        metric_srid = schema_srid(session) or 0
    crs.check_srid(session, metric_srid)
    if schema_srid(session) != metric_srid:
        crs.move_schema(session, metric_srid)
    session.execute(
        text("""
        INSERT INTO deployment (id, name, name_en, timezone, metric_srid, metric_srid_pending, ref_prefix,
                                service_area)
        VALUES (1, :name, :name_en, :tz, :srid, :pending, :prefix,
                ST_Multi(ST_Transform(ST_Buffer(ST_Transform(
                    ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326), :srid),
                    :radius), 4326)))
        """),
        {
            "name": name,
            "name_en": name_en or name,
            "tz": timezone,
            "srid": metric_srid,
            "pending": pending,
            "prefix": ref_prefix,
            "lon": center[0] if center else None,
            "lat": center[1] if center else None,
            "radius": CENTER_RADIUS_M,
        },
    )
    # the maps' month rollups count local months: issues already stored are counted in this zone now
    session.execute(text("SELECT month_rollups_rebuild()"))
    profile = load(session)
    assert profile is not None  # just inserted
    return profile


# A service area given only by its centre: a disc this wide, until areas or streets say better.
CENTER_RADIUS_M = 20_000.0
# The service area reaches this far beyond the areas (or the streets' hull): a report at the edge stays in.
SERVICE_MARGIN_M = 1_000.0


def settle_auto_srid(session: Session) -> int | None:
    """If the profile's CRS is `auto` and still open, fix it to the UTM zone of the streets' extent and move
    the schema there (only streets exist yet: their metric copies are recomputed); return the new SRID."""
    from geo_app.domain.core import crs

    row = session.execute(
        text("""
        SELECT ST_X(c) lon, ST_Y(c) lat FROM (
            SELECT ST_Centroid(ST_Extent(geom)::geometry) c FROM street_segments WHERE retired_at IS NULL) q
        WHERE EXISTS (SELECT 1 FROM deployment WHERE metric_srid_pending) AND c IS NOT NULL""")
    ).first()
    if row is None:
        return None
    srid = utm_srid(row.lon, row.lat)
    if schema_srid(session) != srid:
        crs.move_schema(session, srid, recompute=("street_segments",))
    session.execute(text("UPDATE deployment SET metric_srid = :s, metric_srid_pending = false"), {"s": srid})
    return srid


def refresh_service_area(session: Session, margin_m: float = SERVICE_MARGIN_M) -> bool:
    """Set the service area from the administrative areas, else the streets' hull, plus a margin.

    Returns False (and keeps what is stored) when there is neither; the caller commits."""
    done = session.execute(
        text("""
        WITH src AS (
            SELECT coalesce((SELECT ST_Union(geom) FROM admin_areas),
                            (SELECT ST_ConvexHull(ST_Collect(geom)) FROM street_segments WHERE retired_at IS NULL)) g)
        UPDATE deployment d SET service_area =
            ST_Multi(ST_Transform(ST_Buffer(ST_Transform(src.g, d.metric_srid), :margin), 4326))
        FROM src WHERE src.g IS NOT NULL
        RETURNING 1"""),
        {"margin": margin_m},
    ).first()
    return done is not None


CHANGEABLE = ("name", "name_en", "ref_prefix", "public_by_default")
FIXED = {
    "timezone": "the time zone is fixed once issues exist: their local days and rollup months depend on it",
    "metric_srid": "the metric CRS is fixed once geometry exists (import-streets settles an open auto CRS)",
    "bbox": "the service area follows the areas and streets imported",
}


def update(session: Session, changes: dict[str, object]) -> Profile:
    """Change what may change (name, name_en, ref_prefix: new references only; public_by_default: the issues
    staff have not decided on); the caller commits."""
    current = load(session)
    if current is None:
        raise Conflict("no deployment profile yet: run init-deployment", "deployment")
    for key in changes:
        if key in FIXED:
            raise ValidationError(f"{key}: {FIXED[key]}", key)
        if key not in CHANGEABLE:
            raise ValidationError(f"{key}: not a field of the deployment profile", key)
    values = {"name": current.name, "name_en": current.name_en, "ref_prefix": current.ref_prefix}
    public = current.public_by_default
    for key, value in changes.items():
        if key == "public_by_default":
            if not isinstance(value, bool):
                raise ValidationError("public_by_default: must be true or false", key)
            public = value
            continue
        if not isinstance(value, str):
            raise ValidationError(f"{key}: must be text", key)
        values[key] = value.strip().upper() if key == "ref_prefix" else value.strip()
    if not values["name"] or len(values["name"]) > NAME_MAX:
        raise ValidationError(f"name: required, at most {NAME_MAX} characters", "name")
    if len(values["name_en"]) > NAME_MAX:
        raise ValidationError(f"name_en: at most {NAME_MAX} characters", "name_en")
    if not REF_PREFIX_RE.match(values["ref_prefix"]):
        raise ValidationError("ref_prefix: 1 to 6 letters A-Z", "ref_prefix")
    session.execute(
        text(
            "UPDATE deployment SET name = :name, name_en = :name_en, ref_prefix = :ref_prefix, public_by_default = :p"
        ),
        {**values, "name_en": values["name_en"] or values["name"], "p": public},
    )
    updated = load(session)
    assert updated is not None  # just updated
    return updated
