"""Calendar periods and buckets in a plant's time zone, as exact UTC bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from industrialmind.errors import InvalidInputError
from industrialmind.query.calendar import buckets, instant, is_period, period, zone

NY = zone("America/New_York")
NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)


def test_period_reads_years_months_days_and_iso_weeks_in_the_zone():
    """'2019' in New York starts at 05:00 UTC; June 2020 (EDT) at 04:00; an ISO week runs Monday to Monday."""
    assert period("2019", NY) == (datetime(2019, 1, 1, 5, tzinfo=UTC), datetime(2020, 1, 1, 5, tzinfo=UTC))
    june = (datetime(2020, 6, 1, 4, tzinfo=UTC), datetime(2020, 7, 1, 4, tzinfo=UTC))
    assert period("2020-06", NY) == period("June 2020", NY) == period("jun 2020", NY) == june
    assert period("2020-06-15", zone("UTC")) == (datetime(2020, 6, 15, tzinfo=UTC), datetime(2020, 6, 16, tzinfo=UTC))
    assert period("2020-W23", zone("UTC")) == (datetime(2020, 6, 1, tzinfo=UTC), datetime(2020, 6, 8, tzinfo=UTC))
    assert is_period("2020-W23") and not is_period("2020-06-15T10:00")


def test_period_and_zone_errors_name_the_accepted_forms():
    """A malformed period or an unknown zone is one InvalidInputError saying what is accepted."""
    with pytest.raises(InvalidInputError, match="2020-06"):
        period("the summer", NY)
    with pytest.raises(InvalidInputError, match="month must be in 1..12"):
        period("2020-13", NY)
    with pytest.raises(InvalidInputError, match="America/New_York"):
        zone("America/New_Yrok")


def test_buckets_follow_calendar_days_across_dst():
    """Day buckets over the March DST change stay local midnights (the short day is 23 h), labelled locally."""
    days = buckets(datetime(2020, 3, 7, 5, tzinfo=UTC), datetime(2020, 3, 10, 4, tzinfo=UTC), "day", NY)
    assert [d[0] for d in days] == ["2020-03-07", "2020-03-08", "2020-03-09"]
    assert (days[1][2] - days[1][1]).total_seconds() == 23 * 3600
    months = buckets(*period("2020", NY), "month", NY)
    assert len(months) == 12 and months[0][0] == "2020-01" and months[-1][2] == datetime(2021, 1, 1, 5, tzinfo=UTC)
    weeks = buckets(datetime(2020, 6, 3, tzinfo=UTC), datetime(2020, 6, 10, tzinfo=UTC), "week", zone("UTC"))
    assert [w[0] for w in weeks] == ["2020-W23", "2020-W24"] and weeks[0][1] == datetime(2020, 6, 1, tzinfo=UTC)


def test_buckets_refuse_too_many():
    """Days over 14 years are more buckets than allowed: the error suggests a longer bucket."""
    with pytest.raises(InvalidInputError, match="longer bucket") as info:
        buckets(datetime(2010, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), "day", NY)
    assert "month" in info.value.valid


def test_instant_reads_naive_times_in_the_zone_and_keeps_offsets():
    """A naive time is local, one with an offset is exact, a period is its start (or end), relative is from now."""
    assert instant("2020-06-01T00:00", NY, NOW) == datetime(2020, 6, 1, 4, tzinfo=UTC)
    assert instant("2020-06-01T00:00Z", NY, NOW) == datetime(2020, 6, 1, tzinfo=UTC)
    assert instant("2020", NY, NOW, end=True) == datetime(2021, 1, 1, 5, tzinfo=UTC)
    assert instant("2h", NY, NOW) == datetime(2026, 11, 26, 8, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="cannot read the time"):
        instant("someday soon", NY, NOW)
