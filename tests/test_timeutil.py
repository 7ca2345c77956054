"""Time expressions: ISO 8601, relative amounts, named days, ranges and intervals, always UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from industrialmind.errors import InvalidInputError
from industrialmind.timeutil import now_utc, parse_interval, parse_range, parse_when

NOW = datetime(2026, 11, 26, 14, 30, 15, tzinfo=timezone.utc)


def test_now_utc_is_timezone_aware():
    """now_utc returns an aware datetime in UTC."""
    assert now_utc().utcoffset() == timedelta(0)


@pytest.mark.parametrize("text,expected", [
    ("2h", NOW - timedelta(hours=2)),
    ("30m", NOW - timedelta(minutes=30)),
    ("7d", NOW - timedelta(days=7)),
    ("1w", NOW - timedelta(weeks=1)),
    ("90s", NOW - timedelta(seconds=90)),
    ("1h30m", NOW - timedelta(minutes=90)),
    ("2 hours ago", NOW - timedelta(hours=2)),
])
def test_parse_when_relative_means_that_long_ago(text, expected):
    """A relative amount is that long before now, with 'm' meaning minutes."""
    assert parse_when(text, now=NOW) == expected


def test_parse_when_named_days_are_utc_midnights():
    """'now', 'today' and 'yesterday' are now, today's and yesterday's UTC midnight."""
    assert parse_when("now", now=NOW) == NOW
    assert parse_when("today", now=NOW) == datetime(2026, 11, 26, tzinfo=timezone.utc)
    assert parse_when("Yesterday", now=NOW) == datetime(2026, 11, 25, tzinfo=timezone.utc)


def test_parse_when_iso_with_and_without_zone():
    """ISO 8601 with 'Z', with an offset and naive (taken as UTC) all come back as UTC."""
    assert parse_when("2026-11-20T08:00:00Z") == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert parse_when("2026-11-20T10:00:00+02:00") == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert parse_when("2026-11-20 08:00") == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert parse_when("2026-11-20") == datetime(2026, 11, 20, tzinfo=timezone.utc)


def test_parse_when_converts_aware_datetimes_to_utc():
    """An aware datetime in another zone is converted to UTC, a naive one is taken as UTC."""
    cet = timezone(timedelta(hours=1))
    assert parse_when(datetime(2026, 1, 1, 1, tzinfo=cet)) == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_when(datetime(2026, 1, 1)).tzinfo == timezone.utc


def test_parse_when_rejects_gibberish_with_examples():
    """An unreadable time raises InvalidInputError quoting it and showing valid forms."""
    with pytest.raises(InvalidInputError, match=r"'blorp'.*ISO 8601"):
        parse_when("blorp", now=NOW)


def test_parse_range_defaults_to_the_last_day():
    """With no start, the range is the default length before end; with no end, end is now."""
    assert parse_range(None, None, now=NOW) == (NOW - timedelta(hours=24), NOW)
    assert parse_range("2h", None, now=NOW) == (NOW - timedelta(hours=2), NOW)


def test_parse_range_end_before_start_names_both():
    """An end before the start raises InvalidInputError naming both ends."""
    with pytest.raises(InvalidInputError) as info:
        parse_range("2026-11-20T10:00Z", "2026-11-20T08:00Z", now=NOW)
    message = str(info.value)
    assert "2026-11-20T10:00:00+00:00" in message and "2026-11-20T08:00:00+00:00" in message


@pytest.mark.parametrize("text,expected", [
    ("5m", timedelta(minutes=5)), ("1h", timedelta(hours=1)), ("30s", timedelta(seconds=30)),
    ("1d", timedelta(days=1)), ("15 min", timedelta(minutes=15)),
])
def test_parse_interval_reads_amount_and_unit(text, expected):
    """Intervals are an amount and a unit."""
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["5", "fast", "0m", "5 parsecs"])
def test_parse_interval_rejects_malformed_or_zero(text):
    """A malformed or zero interval raises InvalidInputError quoting it."""
    with pytest.raises(InvalidInputError, match=repr(text)):
        parse_interval(text)


def test_parse_when_refuses_absurd_durations():
    """'99999999d' ago is refused with the longest accepted amount instead of overflowing datetime."""
    with pytest.raises(InvalidInputError, match="too long"):
        parse_when("99999999d")


def test_parse_range_says_now_for_a_default_end():
    """A start in the future is refused naming the default end as 'now', not as None."""
    with pytest.raises(InvalidInputError, match=r"\(now\)") as info:
        parse_range("9999-01-01T00:00:00", None)
    assert "None" not in str(info.value)
