"""Report and map periods in local days: presets (本月, 上月, 本季度, 本年), the periods a report is compared
with, and the split of a period into whole local months (read from month rollups) and edge days (counted live).

Every period is a pair of local dates [start, end], both inclusive; `validation.period_bounds` turns one into
UTC instants in the deployment's zone, so a period across a change of daylight saving time still starts and
ends at local midnight.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, tzinfo

from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.errors import ValidationError

Period = tuple[date, date]
PRESETS = ("this_month", "last_month", "this_quarter", "this_year")


def local_today(now: datetime | None = None, tz: tzinfo | None = None) -> date:
    """Return today's date in the deployment's zone (or `tz`) at `now` (default: the current instant)."""
    return (now or datetime.now(UTC)).astimezone(tz or local_zone()).date()


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def preset(name: str, today: date) -> Period:
    """Return the period of a preset on local day `today`: this month, quarter or year so far, or last month."""
    if name == "this_month":
        return today.replace(day=1), today
    if name == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if name == "this_quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if name == "this_year":
        return date(today.year, 1, 1), today
    raise ValidationError(f"period: one of {', '.join(PRESETS)}", "period")


def shift_months(day: date, months: int, month_end: bool = False) -> date:
    """Return `day` moved by `months` calendar months (31 March - 1 → 28/29 February); `month_end` keeps the
    last day of a month the last day of the other."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, last if month_end else min(day.day, last))


def _months_spanned(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous(start: date, end: date) -> Period:
    """Return the period just before [start, end] that it is compared with.

    A period starting on the 1st is compared month for month (本月 so far: the same days of last month; a
    quarter: the quarter before); any other period with the same number of days just before it.
    """
    if start.day == 1:
        k = _months_spanned(start, end)
        return shift_months(start, -k), shift_months(end, -k, month_end=end == _month_end(end))
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def last_year(start: date, end: date) -> Period:
    """Return the same period a year earlier (29 February → 28 February; a month's end stays its end)."""
    return shift_months(start, -12), shift_months(end, -12, month_end=end == _month_end(end))


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def split_period(start: date, end: date) -> tuple[Period | None, list[Period]]:
    """Return the whole months inside [start, end] as [first, stop) and the edge ranges [from, to) of days."""
    stop = end + timedelta(days=1)
    m0 = start if start.day == 1 else _first_of_next_month(start)
    m1 = stop.replace(day=1)
    if m0 >= m1:
        return None, [(start, stop)]
    return (m0, m1), [(a, b) for a, b in ((start, m0), (m1, stop)) if a < b]
