"""Time expressions people type ('2h', 'yesterday', ISO 8601) turned into timezone-aware UTC datetimes and ranges.

Relative amounts mean "that long ago": `parse_when('2h')` is two hours before now. 'm' is minutes (never
months). Naive ISO timestamps are taken to be UTC. Anything else falls back to `dateparser` ("3 hours ago",
"last monday"), anchored at the same `now` so tests stay deterministic.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from industrialmind.errors import InvalidInputError

# every spelling of a time unit, in seconds: the one table (the planner's time parser adds months to it)
UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+$")
_MAX_SECONDS = 1000 * 365 * 86400  # a thousand years: more is a typo, and datetime arithmetic would overflow
_EXAMPLES = "ISO 8601 ('2026-11-20T08:00Z'), 'now', 'today', 'yesterday', or an amount ago ('30m', '2h', '7d', '1w')"


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def to_utc(value: datetime) -> datetime:
    """Return value as timezone-aware UTC (a naive value is taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_duration(text: str) -> timedelta | None:
    """Parse '90s', '5m', '2h', '1h30m', '7 days' into a timedelta; None when text is not a duration."""
    t = text.strip().lower()
    if not t or not _DURATION.match(t):
        return None
    total = 0.0
    for amount, unit in _PART.findall(t):
        if unit not in UNIT_SECONDS:
            return None
        total += float(amount) * UNIT_SECONDS[unit]
    if total > _MAX_SECONDS:
        raise InvalidInputError(f"duration {text.strip()!r} is too long: at most {_MAX_SECONDS // 86400 // 365} "
                                "years ('30m', '2h', '7d', '52w')")
    return timedelta(seconds=total)


def parse_interval(text: str | timedelta) -> timedelta:
    """Parse a positive bucket width such as '1m', '5m', '1h', '1d' (InvalidInputError when malformed or zero)."""
    if isinstance(text, timedelta):
        value = text
    else:
        value = parse_duration(str(text))
        if value is None:
            raise InvalidInputError(
                f"malformed interval {text!r}: use an amount and a unit, e.g. '30s', '5m', '1h', '1d' "
                "(units s, m, h, d, w)"
            )
    if value <= timedelta(0):
        raise InvalidInputError(f"interval {text!r} must be longer than zero")
    return value


def parse_when(text: str | datetime | date, now: datetime | None = None) -> datetime:
    """Parse a point in time (ISO 8601, 'now', 'today', 'yesterday', '2h' = two hours ago) into UTC."""
    now = to_utc(now) if now is not None else now_utc()
    if isinstance(text, datetime):
        return to_utc(text)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day, tzinfo=timezone.utc)
    raw = str(text).strip()
    t = raw.lower()
    if not t:
        raise InvalidInputError(f"empty time: use {_EXAMPLES}")
    if t == "now":
        return now
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if t == "today":
        return midnight
    if t == "yesterday":
        return midnight - timedelta(days=1)
    ago = re.sub(r"\s+ago$", "", t)
    amount = parse_duration(ago)
    if amount is not None:
        return now - amount
    iso = _parse_iso(raw)
    if iso is not None:
        return iso
    return _parse_natural(raw, now)


def _parse_iso(text: str) -> datetime | None:
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        return to_utc(datetime.fromisoformat(candidate))
    except ValueError:
        return None


def _parse_natural(text: str, now: datetime) -> datetime:
    try:
        import dateparser
    except ImportError:  # pragma: no cover - dateparser is a core dependency
        dateparser = None
    parsed = None
    if dateparser is not None:
        parsed = dateparser.parse(text, languages=["en"], settings={
            "RELATIVE_BASE": now.replace(tzinfo=None), "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past",
        })
    if parsed is None:
        raise InvalidInputError(f"cannot read the time {text!r}: use {_EXAMPLES}")
    return to_utc(parsed)


def parse_range(start: str | datetime | None, end: str | datetime | None = None, now: datetime | None = None,
                default: timedelta = timedelta(hours=24)) -> tuple[datetime, datetime]:
    """Parse a time range; a missing end is now, a missing start is `default` before end; end must follow start."""
    now = to_utc(now) if now is not None else now_utc()
    end_dt = parse_when(end, now) if end not in (None, "") else now
    start_dt = parse_when(start, now) if start not in (None, "") else end_dt - default
    if end_dt <= start_dt:
        start_from = f"from {start!r}" if start not in (None, "") else "the default"
        end_from = f"from {end!r}" if end not in (None, "") else "now"
        raise InvalidInputError(
            f"the range ends before it starts: start {start_dt.isoformat()} ({start_from}) is not before "
            f"end {end_dt.isoformat()} ({end_from})"
        )
    return start_dt, end_dt


# Round bucket widths, smallest first: a minute up to a week (beyond a week, whole weeks).
ROUND_STEPS_S = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 604800)


def round_step(span: timedelta, buckets: int) -> timedelta:
    """The smallest round bucket width that splits `span` into at most about `buckets` buckets."""
    seconds = span.total_seconds()
    for step in ROUND_STEPS_S:
        if seconds / step <= buckets:
            return timedelta(seconds=step)
    week = ROUND_STEPS_S[-1]
    return timedelta(seconds=week * max(1, round(seconds / week / buckets)))
