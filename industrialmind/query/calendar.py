"""Calendar arithmetic in a time zone: a period ('2019', '2020-06', '2020-06-15', '2020-W23') as a [start, end)
window, a time typed without an offset, and the day / week / month / year buckets of a window, each as exact
UTC instants so both SQL engines (and both time-series backends) compare plain UTC timestamps.

Buckets are computed here, not by the databases: SQLite has no time zones, so a month of a plant in New York is
only right when its bounds are computed in Python (zoneinfo) and handed to the query as parameters.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from industrialmind.query.model import query_error

MAX_BUCKETS = 1_000
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH_NAMES = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                                  "nov", "dec"))}
_NAMED_MONTH = re.compile(r"^([a-z]{3,9})\.?\s+(\d{4})$|^(\d{4})\s+([a-z]{3,9})$", re.IGNORECASE)
PERIOD_EXAMPLES = ["'2019'", "'2020-06'", "'June 2020'", "'2020-06-15'", "'2020-W23'"]


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone a name gives ('UTC' when empty); InvalidInputError naming close zones when unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        from zoneinfo import available_timezones

        from industrialmind.query.model import unknown

        raise unknown("time zone", name, sorted(available_timezones())) from None


def _local(y: int, m: int = 1, d: int = 1, tz: ZoneInfo | None = None) -> datetime:
    # an invalid date in the text ('2020-13') is the caller's error, said in its terms
    return datetime(y, m, d, tzinfo=tz or UTC)


def period(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A calendar period as [start, end) in UTC: a year, a month ('2020-06', 'June 2020'), a day, an ISO week."""
    t = str(text).strip()
    try:
        if m := _YEAR.match(t):
            y = int(m.group(1))
            return _utc(_local(y, tz=tz)), _utc(_local(y + 1, tz=tz))
        if m := _MONTH.match(t):
            y, mo = int(m.group(1)), int(m.group(2))
            return _utc(_local(y, mo, tz=tz)), _utc(_next_month(_local(y, mo, tz=tz)))
        if m := _NAMED_MONTH.match(t):
            name, y = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            mo = _MONTH_NAMES.get(name[:3].lower())
            if mo is not None:
                start = _local(int(y), mo, tz=tz)
                return _utc(start), _utc(_next_month(start))
        if m := _DAY.match(t):
            start = _local(int(m.group(1)), int(m.group(2)), int(m.group(3)), tz=tz)
            return _utc(start), _utc(_add_days(start, 1))
        if m := _WEEK.match(t):
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            start = _local(monday.year, monday.month, monday.day, tz=tz)
            return _utc(start), _utc(_add_days(start, 7))
    except ValueError as exc:
        raise query_error(f"cannot read the period {text!r}: {exc}", PERIOD_EXAMPLES) from None
    raise query_error(f"cannot read the period {text!r}: use a year, a month, a day or an ISO week, e.g. "
                      + ", ".join(PERIOD_EXAMPLES), PERIOD_EXAMPLES)


def is_period(text: str) -> bool:
    """Whether text is a calendar period this module reads (rather than an instant)."""
    t = str(text).strip()
    named = _NAMED_MONTH.match(t)
    return bool(_YEAR.match(t) or _MONTH.match(t) or _WEEK.match(t) or _DAY.match(t)
                or (named and (named.group(1) or named.group(4))[:3].lower() in _MONTH_NAMES))


def instant(value: datetime | str, tz: ZoneInfo, now: datetime, end: bool = False) -> datetime:
    """A time as aware UTC: a datetime (naive = in tz), a period (its start, or its end with end=True), ISO 8601
    without an offset (in tz), with one, or relative ('30d', 'now', 'yesterday': timeutil.parse_when)."""
    if isinstance(value, datetime):
        return _utc(value if value.tzinfo else value.replace(tzinfo=tz))
    text = str(value).strip()
    if is_period(text):
        bounds = period(text, tz)
        return bounds[1] if end else bounds[0]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        return _utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=tz))
    except ValueError:
        pass
    from industrialmind.errors import InvalidInputError
    from industrialmind.timeutil import parse_when

    try:
        return parse_when(text, now=now)
    except InvalidInputError:
        raise query_error(f"cannot read the time {text!r}: use ISO 8601 ('2020-06-01T00:00'), a period ("
                          + ", ".join(PERIOD_EXAMPLES) + ") or a relative time ('30d', 'now')",
                          ["2020-06-01T00:00", *PERIOD_EXAMPLES, "30d", "now"]) from None


def bucket_start(t: datetime, unit: str, tz: ZoneInfo) -> datetime:
    """The local start of the bucket holding t (weeks start on Monday, as ISO weeks do)."""
    local = t.astimezone(tz)
    if unit == "year":
        return _local(local.year, tz=tz)
    if unit == "month":
        return _local(local.year, local.month, tz=tz)
    day = _local(local.year, local.month, local.day, tz=tz)
    if unit == "week":
        return _add_days(day, -day.weekday())
    return day


def bucket_label(start: datetime, unit: str) -> str:
    """How a bucket reads: '2020', '2020-06', '2020-W23', '2020-06-15' (its local start)."""
    if unit == "year":
        return f"{start.year}"
    if unit == "month":
        return f"{start.year}-{start.month:02d}"
    if unit == "week":
        year, week, _ = start.date().isocalendar()
        return f"{year}-W{week:02d}"
    return start.date().isoformat()


def buckets(start: datetime, end: datetime, unit: str, tz: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    """The buckets covering [start, end): (label, start UTC, end UTC), the first starting at or before start."""
    out: list[tuple[str, datetime, datetime]] = []
    local = bucket_start(start, unit, tz)
    while _utc(local) < end:
        nxt = _step(local, unit)
        out.append((bucket_label(local, unit), _utc(local), _utc(nxt)))
        if len(out) > MAX_BUCKETS:
            raise query_error(f"grouping by {unit} from {start:%Y-%m-%d} to {end:%Y-%m-%d} makes more than "
                              f"{MAX_BUCKETS:,} buckets: group by a longer bucket or narrow the window",
                              [b for b in ("week", "month", "year") if b != unit])
        local = nxt
    return out


def _step(local: datetime, unit: str) -> datetime:
    if unit == "year":
        return _local(local.year + 1, tz=local.tzinfo)
    if unit == "month":
        return _next_month(local)
    return _add_days(local, 7 if unit == "week" else 1)


def _next_month(local: datetime) -> datetime:
    y, m = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return _local(y, m, tz=local.tzinfo)


def _add_days(local: datetime, days: int) -> datetime:
    # calendar days, not 24-hour spans: a day across a DST change is 23 or 25 hours long
    d = local.date() + timedelta(days=days)
    return _local(d.year, d.month, d.day, tz=local.tzinfo)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
