"""The deployment's local time zone: naive times, report days, rollup months and map periods are read in it.

It is configuration, set once when the app is built (`create_app` from the TIMEZONE setting); the domain
reads it here rather than taking a literal, so that no place's zone is written into the code.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_zone: ZoneInfo | None = None


def set_zone(name: str) -> None:
    """Make `name` (an IANA zone such as Europe/Helsinki) the local time zone of the domain."""
    global _zone
    try:
        _zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"TIMEZONE: unknown time zone {name!r}") from err


def zone() -> ZoneInfo:
    """Return the local time zone; fail loudly when the app has not configured one."""
    if _zone is None:
        raise RuntimeError("the deployment's time zone is not configured (create_app sets it from TIMEZONE)")
    return _zone


def zone_name() -> str:
    """Return the local time zone's IANA name, for SQL's AT TIME ZONE."""
    return zone().key
