"""Read and validate an issues CSV as columns (pandas, numpy), so that checks run over whole columns, not row by row.

Every row is checked; every failing check of a row names its field and reason. The checks are the
intake's (validation.py) applied to whole columns: the same limits, the same refusal of markup. Text
checks look at a column's code points with numpy (textscan.py) and hand only the few candidate values to
the regular expressions, with the same answers as the per-value checks they replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.core.positions import MAX_LAT
from geo_app.domain.core.refs import REF_PATTERN
from geo_app.domain.errors import DomainError
from geo_app.domain.importers.issues.dates import parse_times
from geo_app.domain.importers.issues.textscan import TextColumn, looks_like_ref, strip_all
from geo_app.domain.workflow.intake import ADDRESS_MAX, NAME_MAX, PHONE_MAX
from geo_app.models.issue import DESCRIPTION_MAX
from geo_app.vocab import SOLVED_STATUSES as SOLVED

SOURCE_ID_MAX = 200
TARGETS = (
    "ref",
    "category",
    "description",
    "lon",
    "lat",
    "point",
    "address",
    "channel",
    "reported_at",
    "closed_at",
    "status",
    "resolution",
    "reporter_name",
    "reporter_phone",
    "visit_code",
)
ALIASES = {"id": "ref", "opened": "reported_at", "opened_at": "reported_at", "closed": "closed_at"}
STATUS_WORDS = {
    "open": "reported",
    "new": "reported",
    "reported": "reported",
    "accepted": "accepted",
    "dispatched": "dispatched",
    "in_progress": "in_progress",
    "resolved": "resolved",
    "verified": "verified",
    "closed": "closed",
    "done": "closed",
    "fixed": "closed",
}
_TAG = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:", re.IGNORECASE)
_CONTROL = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]  # as [\x00-\x08\x0b\x0c\x0e-\x1f\x7f]
_WKT = re.compile(r"^\s*POINT\s*\(\s*(?P<lon>[-+0-9.eE]+)\s+(?P<lat>[-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)
_LATLON = re.compile(r"^\s*\(\s*(?P<lat>[-+0-9.eE]+)\s*,\s*(?P<lon>[-+0-9.eE]+)\s*\)\s*$")
_PHONE = [ord(c) for c in "0123456789+- ()"]


@dataclass
class Mapping:
    """How a foreign CSV maps onto ours: target field → CSV column, and foreign codes → ours."""

    columns: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    default_resolution: str = "team"
    timezone: str | None = None  # naive times are in this IANA zone (default: the deployment's)
    channels: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None  # one strptime format for every date (default: the layouts are detected)
    source_column: str | None = None  # the file's column holding each row's id in its source system


@dataclass
class RowError:
    line: int
    field: str
    message: str
    raw: dict[str, Any] | None = None


@dataclass(frozen=True)
class Context:
    """What validation needs from the database, loaded once."""

    categories: frozenset[str]
    visits: dict[str, int]
    service_area: object | None  # a shapely geometry in lon/lat, None when no areas are stored
    channels: frozenset[str]  # every channel code of the deployment, retired ones too (old records)


def read_frame(
    path: Path, mapping: Mapping, progress: Callable[[int], object] | None = None, chunk: int = 200_000
) -> pd.DataFrame:
    """Return the CSV as text columns renamed to our targets; raise when unreadable or columns are missing."""
    try:
        parts = []
        for part in pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig", chunksize=chunk):
            parts.append(part)
            if progress:
                progress(len(part))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DomainError(f"file: not a readable UTF-8 CSV ({exc})", "file") from None
    source_ids = None
    if mapping.source_column is not None:
        if mapping.source_column not in frame.columns:
            raise DomainError(f"id_column: the file has no column {mapping.source_column[:80]!r}", "id_column")
        source_ids = frame[mapping.source_column].copy()
    rename = {src: tgt for tgt, src in mapping.columns.items()}
    for col in frame.columns:
        if col not in rename and col.strip().lower() in ALIASES and ALIASES[col.strip().lower()] not in frame:
            rename[col] = ALIASES[col.strip().lower()]
    original = [(col, rename.get(col, col)) for col in frame.columns]
    frame = frame.rename(columns=rename)
    frame.attrs["original"] = original  # to write rejected rows back under the file's own headers
    missing = [t for t in mapping.columns if t in TARGETS and t not in frame.columns]
    if "category" not in frame.columns:
        missing.append("category")
    if not ({"lon", "lat"} <= set(frame.columns) or "point" in frame.columns):
        missing.append("lon/lat or point")
    if "reported_at" not in frame.columns:
        missing.append("reported_at")
    if missing:
        raise DomainError(f"file: missing column(s) {', '.join(dict.fromkeys(missing))}", missing[0])
    for target in TARGETS:
        if target not in frame.columns:
            frame[target] = ""
    if source_ids is not None:
        frame["source_id"] = source_ids
    frame["line"] = np.arange(len(frame)) + 2  # the header is line 1
    return frame


def _points(text: dict[str, TextColumn]) -> tuple[pd.Series, pd.Series]:
    lon, lat = pd.Series(text["lon"].values, dtype=object), pd.Series(text["lat"].values, dtype=object)
    use_point = (text["lon"].lengths == 0) & (text["lat"].lengths == 0) & (text["point"].lengths > 0)
    if use_point.any():
        pts = pd.Series(text["point"].values, dtype=object)[use_point]
        wkt, latlon = pts.str.extract(_WKT), pts.str.extract(_LATLON)
        lon = lon.where(~use_point, wkt["lon"].fillna(latlon["lon"]))
        lat = lat.where(~use_point, wkt["lat"].fillna(latlon["lat"]))
    return pd.to_numeric(lon.fillna(""), errors="coerce"), pd.to_numeric(lat.fillna(""), errors="coerce")


def _text_checks(text: TextColumn, name: str, limit: int) -> Iterator[tuple[np.ndarray, str, str]]:
    yield text.lengths > limit, name, f"{name}: at most {limit} characters"
    yield text.search(_TAG, "<jJ"), name, f"{name}: HTML or script is not allowed"
    yield text.has_any(_CONTROL), name, f"{name}: control characters are not allowed"


def _codes(values: np.ndarray, table: dict[str, str]) -> npt.NDArray[np.object_]:
    """Map each value through `table` (values missing from it map to themselves), one lookup per distinct value."""
    codes, uniques = pd.factorize(values)
    mapped: npt.NDArray[np.object_] = np.array([table.get(u, u) for u in uniques] + [None], dtype=object)[codes]
    return mapped


def validate(frame: pd.DataFrame, mapping: Mapping, ctx: Context) -> tuple[pd.DataFrame, list[RowError]]:
    """Return (valid rows with typed columns, one error per rejected row in line order)."""
    keyed = "source_id" in frame
    text = strip_all(frame, TARGETS + (("source_id",) if keyed else ()))
    col = {name: column.values for name, column in text.items()}
    cat = pd.Series(
        _codes(col["category"], mapping.categories) if mapping.categories else col["category"],
        index=frame.index,
        dtype=object,
    )
    status_raw = pd.Series([v.lower() for v in col["status"]], index=frame.index, dtype=object)
    status = status_raw.map({**STATUS_WORDS, **mapping.statuses})
    zone = ZoneInfo(mapping.timezone) if mapping.timezone else local_zone()
    closed_at, closed_unclear = parse_times(text["closed_at"], "closed_at", zone, mapping.date_format)
    status = status.where(text["status"].lengths > 0, np.where(closed_at.notna(), "closed", "reported"))
    resolution = pd.Series(col["resolution"], index=frame.index, dtype=object).replace("", mapping.default_resolution)
    channel = pd.Series(
        _codes(col["channel"], mapping.channels) if mapping.channels else col["channel"],
        index=frame.index,
        dtype=object,
    ).replace("", "web")
    lon, lat = _points(text)
    reported_at, reported_unclear = parse_times(text["reported_at"], "reported_at", zone, mapping.date_format)
    clocks = (
        f"the clocks change then in {getattr(zone, 'key', zone)}: this time is skipped or repeated; give its offset"
    )
    has_ref = pd.Series(text["ref"].lengths > 0, index=frame.index)
    ref = pd.Series(col["ref"], index=frame.index, dtype=object)
    visit_code = pd.Series(col["visit_code"], index=frame.index, dtype=object)
    inside = np.ones(len(frame), dtype=bool)
    swapped = np.zeros(len(frame), dtype=bool)
    if ctx.service_area is not None:
        x, y = lon.fillna(0).to_numpy(), lat.fillna(0).to_numpy()
        inside = shapely.contains_xy(ctx.service_area, x, y)
        swapped = ~inside & (np.abs(x) <= 90) & shapely.contains_xy(ctx.service_area, y, x)
    checks = [
        (has_ref & ~looks_like_ref(text["ref"], REF_PATTERN), "ref", "ref: must look like DT-2020-00123"),
        (~cat.isin(ctx.categories), "category", "category: unknown category"),
        (lon.isna() | lat.isna(), "lon", "lon/lat: a number is required (lon and lat, or a point)"),
        (~np.isfinite(lon.fillna(0)) | ~np.isfinite(lat.fillna(0)), "lon", "lon/lat: must be finite numbers"),
        (pd.Series(swapped, index=frame.index), "lon", "lon/lat: looks swapped: lat,lon is inside the service area"),
        ((lon.abs() > 180) | (lat.abs() > 90), "lon", "lon/lat: out of range"),
        ((lon.abs() < 1e-9) & (lat.abs() < 1e-9), "lon", "lon: 0,0 is not a real location"),
        (lat.abs() > MAX_LAT, "lat", f"lat: a latitude beyond ±{MAX_LAT:g}° is not a place streets serve"),
        (pd.Series(~inside, index=frame.index), "lon", "lon: the location is outside the service area"),
        (pd.Series(reported_unclear, index=frame.index), "reported_at", f"reported_at: {clocks}"),
        (reported_at.isna(), "reported_at", "reported_at: not a date/time"),
        (pd.Series(closed_unclear, index=frame.index), "closed_at", f"closed_at: {clocks}"),
        (
            pd.Series(text["closed_at"].lengths > 0, index=frame.index) & closed_at.isna(),
            "closed_at",
            "closed_at: not a date/time",
        ),
        (closed_at.notna() & (closed_at < reported_at), "closed_at", "closed_at: before reported_at"),
        (status.isna(), "status", "status: unknown status"),
        (
            status.isin(SOLVED) & ~resolution.isin(("on_site", "team")),
            "resolution",
            "resolution: must be on_site or team",
        ),
        (~channel.isin(ctx.channels), "channel", "channel: unknown channel"),
        ((text["visit_code"].lengths > 0) & ~visit_code.isin(ctx.visits), "visit_code", "visit_code: no such visit"),
        (has_ref & ref.duplicated(), "ref", "ref: the same ref appears earlier in the file"),
        *(_source_checks(text["source_id"], frame.index) if keyed else []),
        (
            text["reporter_phone"].has_other_than(_PHONE),
            "reporter_phone",
            "reporter_phone: digits, spaces, +, - and brackets only",
        ),
    ]
    for name, limit in (
        ("description", DESCRIPTION_MAX),
        ("address", ADDRESS_MAX),
        ("reporter_name", NAME_MAX),
        ("reporter_phone", PHONE_MAX),
    ):
        checks.extend(_text_checks(text[name], name, limit))
    failed = pd.Series(False, index=frame.index)
    errors: dict[Any, RowError] = {}
    told: dict[str, pd.Series] = {}  # per group of checks, the rows already given a reason in it
    for mask, field_name, message in checks:
        # every reason of a row is listed, but only the first of each group: a missing position is not
        # also "outside the service area", nor a swapped one "out of range"
        group = "position" if field_name in ("lon", "lat") else field_name
        seen = told.setdefault(group, pd.Series(False, index=frame.index))
        new = pd.Series(mask, index=frame.index).fillna(True).astype(bool) & ~seen
        for idx in frame.index[new]:
            reason = f"{message} ({_show(frame, idx, field_name)})"
            if idx in errors:
                errors[idx].message += f"; {reason}"
            else:
                raw = {orig: frame.at[idx, cur] for orig, cur in frame.attrs["original"]}
                errors[idx] = RowError(int(frame.at[idx, "line"]), field_name, reason, raw=raw)
        told[group] = seen | new
        failed |= new
    ok = ~failed
    valid = pd.DataFrame(
        {
            "line": frame["line"][ok],
            "ref": ref[ok],
            "category": cat[ok],
            "lon": lon[ok],
            "lat": lat[ok],
            "description": col["description"][ok],
            "address": col["address"][ok],
            "channel": channel[ok],
            "reported_at": reported_at[ok],
            "closed_at": closed_at[ok],
            "status": status[ok],
            "resolution": resolution.where(status.isin(SOLVED), "")[ok],
            "reporter_name": col["reporter_name"][ok],
            "reporter_phone": col["reporter_phone"][ok],
            "visit_id": visit_code.map(ctx.visits)[ok],
            "source_id": pd.Series(text["source_id"].values if keyed else None, index=frame.index, dtype=object)[ok],
        }
    )
    listed = sorted(errors.values(), key=lambda e: e.line)
    return valid.reset_index(drop=True), listed


def _source_checks(ids: TextColumn, index: pd.Index) -> list[tuple[Any, str, str]]:
    """The checks of the id column (`--id-column`): present, short enough, once in the file."""
    values = pd.Series(ids.values, index=index, dtype=object)
    return [
        (ids.lengths == 0, "source_id", "source_id: the id column is empty"),
        (ids.lengths > SOURCE_ID_MAX, "source_id", f"source_id: at most {SOURCE_ID_MAX} characters"),
        ((ids.lengths > 0) & values.duplicated(), "source_id", "source_id: the same id appears earlier in the file"),
    ]


def _show(frame: pd.DataFrame, idx: Any, field_name: str) -> str:
    columns = {"lon": ("lon", "lat", "point")}.get(field_name, (field_name,))
    shown = " ".join(f"{c}={frame.at[idx, c]!r}" for c in columns if c in frame and frame.at[idx, c] != "")
    return (shown or "empty")[:80]
