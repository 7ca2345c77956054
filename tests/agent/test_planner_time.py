"""Time expressions of the offline planner, read against a fixed now (Thursday 2026-11-26 10:00 UTC)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from industrialmind.agent._planner.timeparse import parse_time_range

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("text,start,end", [
    ("since midnight", "2026-11-26T00:00", None),
    ("P-101 vib last 2 days", "2026-11-24T10:00", None),
    ("between 3 and 5pm yesterday", "2026-11-25T15:00", "2026-11-25T17:00"),
    ("this week", "2026-11-23T00:00", None),
    ("last week", "2026-11-16T00:00", "2026-11-23T00:00"),
    ("over the past hour", "2026-11-26T09:00", None),
    ("yesterday", "2026-11-25T00:00", "2026-11-26T00:00"),
    ("overnight", "2026-11-25T18:00", "2026-11-26T06:00"),
    ("since 6am", "2026-11-26T06:00", None),
    ("on Monday", "2026-11-23T00:00", "2026-11-24T00:00"),
    ("from Nov 20 to Nov 22", "2026-11-20T00:00", "2026-11-23T00:00"),
    ("last month", "2026-10-01T00:00", "2026-11-01T00:00"),
    ("in the last 30 min", "2026-11-26T09:30", None),
    ("how many work orders did the chillers get last year", "2025-01-01T00:00", "2026-01-01T00:00"),
    ("alarms this year so far", "2026-01-01T00:00", None),
    ("over the past year", "2025-11-26T10:00", None),
    ("failures in the past 3 years", "2023-11-27T10:00", None),
])
def test_parse_time_range_reads_expressions(text, start, end):
    """Relative and absolute expressions become UTC ranges relative to the fixed now (end None: until now)."""
    found = parse_time_range(text, NOW)
    assert found is not None
    assert found.start == _utc(start)
    assert found.end == (_utc(end) if end else None)
    assert found.start.tzinfo is not None


@pytest.mark.parametrize("text", ["what's P-101 doing rn", "compare P-101 and P-102", "open 3 work orders"])
def test_parse_time_range_ignores_text_without_time(text):
    """Questions with no time expression give no range (ids and counts are not times)."""
    assert parse_time_range(text, NOW) is None


def test_time_range_as_args_fills_end_with_now():
    """An open range ends now when turned into tool arguments."""
    args = parse_time_range("since midnight", NOW).as_args(NOW)
    assert args == {"start": "2026-11-26T00:00:00+00:00", "end": "2026-11-26T10:00:00+00:00"}


def test_planner_reads_every_unit_of_the_one_table():
    """The planner's units are timeutil's table (plus months): each spelling there reads as the same amount here."""
    from datetime import timedelta

    from industrialmind.timeutil import UNIT_SECONDS, parse_duration

    for unit, seconds in UNIT_SECONDS.items():
        found = parse_time_range(f"last 2 {unit}", NOW)
        assert found is not None, unit
        assert NOW - found.start == timedelta(seconds=2 * seconds) == parse_duration(f"2{unit}"), unit
    assert NOW - parse_time_range("past 2 months", NOW).start == timedelta(days=60)
    assert parse_duration("2 months") is None  # 'm' is minutes on the command line; months only for the planner
