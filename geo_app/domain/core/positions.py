"""Impossible positions are refused with their reason: (0,0), beyond 85° of latitude, outside the service
area, and lon/lat given the wrong way round (said so when the swapped point is inside the area).

The service area is the union of the administrative areas when there are any, else the deployment
profile's (a disc around its centre, or the streets' hull plus a margin); with neither, any point counts.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import parse_coordinate
from geo_app.domain.errors import ValidationError

MAX_LAT = 85.0  # beyond this no street is served (and Web Mercator maps stop)
ZERO = 1e-9

# One round trip answers for the point and for its swap.
_INSIDE_SQL = """
WITH pts AS (SELECT 1 AS k, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p
             UNION ALL SELECT 2, ST_SetSRID(ST_MakePoint(:lat, :lon), 4326) WHERE abs(:lon) <= 90),
areas AS (SELECT EXISTS (SELECT 1 FROM admin_areas) AS any_area,
                 (SELECT service_area FROM deployment) AS profile_area)
SELECT k, CASE WHEN a.any_area THEN EXISTS (SELECT 1 FROM admin_areas WHERE ST_Covers(geom, pts.p))
               WHEN a.profile_area IS NOT NULL THEN ST_Covers(a.profile_area, pts.p)
               ELSE true END AS inside
FROM pts, areas a ORDER BY k
"""


def parse(
    session: Session, lon: object, lat: object, lon_field: str = "lon", lat_field: str = "lat"
) -> tuple[float, float]:
    """Return (lon, lat) parsed and checked: range, then the impossible positions (a swap said so)."""
    x = parse_coordinate(lon, lon_field, -180, 180)
    y = parse_coordinate(lat, lat_field, -180, 180)
    if abs(y) > 90:
        if abs(x) <= MAX_LAT and _inside(session, y, x):
            raise _swapped(x, y, lon_field, lat_field)
        parse_coordinate(y, lat_field, -90, 90)  # the plain range error
    check(session, x, y, lon_field, lat_field)
    return x, y


def _answers(session: Session, lon: float, lat: float) -> dict[int, bool]:
    """Return {1: the point is in the service area, 2: its swap is (when the swap is a valid point)}."""
    found = session.execute(text(_INSIDE_SQL), {"lon": float(lon), "lat": float(lat)}).all()
    return {int(k): bool(inside) for k, inside in found}


def _inside(session: Session, lon: float, lat: float) -> bool:
    rows = _answers(session, lon, lat)
    return bool(rows[1])


def _swapped(lon: float, lat: float, lon_field: str, lat_field: str) -> ValidationError:
    return ValidationError(
        f"{lon_field}/{lat_field}: looks swapped: {lon_field}={lon:g}, {lat_field}={lat:g} is not in the service "
        f"area but {lon_field}={lat:g}, {lat_field}={lon:g} is: send the longitude as {lon_field}",
        lon_field,
        code="swapped",
    )


def check(session: Session, lon: float, lat: float, lon_field: str = "lon", lat_field: str = "lat") -> None:
    """Refuse an impossible position (already range-checked) with a ValidationError naming the field."""
    if abs(lon) < ZERO and abs(lat) < ZERO:
        raise ValidationError(f"{lon_field}/{lat_field}: 0,0 is not a real location (a missing position?)", lon_field)
    if abs(lat) > MAX_LAT:
        raise ValidationError(f"{lat_field}: a latitude beyond ±{MAX_LAT:g}° is not a place streets serve", lat_field)
    rows = _answers(session, lon, lat)
    if rows[1]:
        return
    if rows.get(2):
        raise _swapped(lon, lat, lon_field, lat_field)
    raise ValidationError(f"{lon_field}: the location is outside the service area", lon_field)
