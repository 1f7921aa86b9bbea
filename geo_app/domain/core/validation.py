"""Input checks shared by every way data comes in; each error names the offending field."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil import parser as date_parser

from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.errors import ValidationError

_TAG = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:", re.IGNORECASE)
_YEAR = re.compile(r"(?<![0-9-])(19|20|21)[0-9]{2}(?![0-9])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: object, field: str, max_len: int, required: bool = False) -> str | None:
    """Return stripped text, refusing wrong types, over-long text, markup and control characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{field}: is required", field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field}: must be text", field)
    value = value.strip()
    if len(value) > max_len:
        raise ValidationError(f"{field}: at most {max_len} characters (got {len(value)})", field)
    if _TAG.search(value):
        raise ValidationError(f"{field}: HTML or script is not allowed", field)
    if _CONTROL.search(value):
        raise ValidationError(f"{field}: control characters are not allowed", field)
    return value


_EMAIL = re.compile(r"^[^@\s()<>,;\"']+@[^@\s()<>,;\"']+\.[^@\s()<>,;\"']+$")


def clean_email(value: object, field: str = "email", max_len: int = 254) -> str | None:
    """Return a stripped e-mail address, or None for none; refuse anything not shaped like one."""
    email = clean_text(value, field, max_len)
    if email is not None and not _EMAIL.match(email):
        raise ValidationError(f"{field}: not an e-mail address", field)
    return email


def parse_coordinate(value: Any, field: str, low: float, high: float) -> float:
    """Return a finite float within [low, high], refusing strings of words, NaN and infinities."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field}: a number is required", field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: must be a number", field) from None
    if isinstance(value, str) and len(value) > 40:
        raise ValidationError(f"{field}: at most 40 characters", field)
    if not math.isfinite(number):
        raise ValidationError(f"{field}: must be a finite number", field)
    if not low <= number <= high:
        raise ValidationError(f"{field}: must be between {low} and {high}", field)
    return number


def parse_lonlat(lon: Any, lat: Any) -> tuple[float, float]:
    """Return (lon, lat) checked for type and range."""
    return parse_coordinate(lon, "lon", -180, 180), parse_coordinate(lat, "lat", -90, 90)


# Dates beyond these are typing mistakes or probes: a period ending 9999-12-31 overflows a day later.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _in_calendar(day: date, field: str) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(f"{field}: must be between {EARLIEST} and {LATEST}", field)


def parse_int(value: object, field: str, low: int = 0, high: int = 2**63 - 1) -> int:
    """Return an integer within [low, high] from an int or a string of ASCII digits (no '²', no 5,000 digits)."""
    if isinstance(value, bool):
        raise ValidationError(f"{field}: must be a whole number", field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,19}", value.strip()):
        number = int(value.strip())
    else:
        raise ValidationError(f"{field}: must be a whole number", field)
    if not low <= number <= high:
        raise ValidationError(f"{field}: must be between {low} and {high}", field)
    return number


def parse_datetime(value: object, field: str, tz: tzinfo | None = None) -> datetime:
    """Return an aware datetime from ISO 8601 or a common format; naive times are local (`tz` or the deployment's)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        if len(value) > 64 or not _YEAR.search(value):  # dateutil reads "-1-01-01" as 2001: demand the year
            raise ValidationError(f"{field}: not a date/time with a four-digit year: {value[:40]!r}", field)
        try:
            parsed = date_parser.parse(value.strip())
        except (ValueError, OverflowError):
            raise ValidationError(f"{field}: not a date/time: {value[:40]!r}", field) from None
    else:
        raise ValidationError(f"{field}: a date/time is required", field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or local_zone())
    _in_calendar(parsed.date(), field)
    return parsed


def parse_date(value: object, field: str) -> date:
    """Return a date from YYYY-MM-DD."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        text = str(value)
        # fromisoformat also takes 20200501 and 2020-W18-5; the API promises YYYY-MM-DD, nothing looser
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValidationError(f"{field}: must be a date YYYY-MM-DD", field)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"{field}: must be a date YYYY-MM-DD", field) from None
    _in_calendar(day, field)
    return day


def period_bounds(start: date, end: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """Return [start 00:00, day after end 00:00) in local time, as UTC datetimes; refuse end < start."""
    if end < start:
        raise ValidationError("end: the period ends before it starts", "end")
    tz = tz or local_zone()
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    return lo.astimezone(UTC), hi.astimezone(UTC)
