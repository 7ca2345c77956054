"""The generic CSV parser: delimiters, timestamp and sensor columns, time zones, bad rows and clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.plant.importers.csv_import import detect_delimiter, parse_csv

BAD = (
    "time,temp_C,pressure_bar,status\n"
    "2024-01-01 00:00:00,20.5,1.2,ok\n"       # row 2: good
    "2024-01-01 00:01:00,abc,1.3,ok\n"        # row 3: bad value
    "not-a-date,21,1.4,ok\n"                  # row 4: bad timestamp
    "2024-01-01 00:03:00,22,1.5\n"            # row 5: a field short
    "\n"                                      # row 6: empty
    "2024-01-01 00:04:00,23,,ok\n"            # row 7: good, pressure missing
    "2024-01-01 00:05:00,,,ok\n"              # row 8: no sensor values
    "2024-01-01 00:06:00,24,1.7,ok\n"         # row 9: repeated instant, superseded by row 10
    "2024-01-01 00:06:00,25,1.8,ok\n"         # row 10: good
)


def test_parse_csv_reports_exact_skipped_rows_and_reasons(write_csv):
    """Each bad row is reported by its 1-based row number (header = row 1) with its reason; the rest is kept."""
    parsed = parse_csv(write_csv(BAD))
    assert [(s.row, s.reason) for s in parsed.skipped] == [
        (3, "column 'temp_C': 'abc' is not a number"),
        (4, "unparseable timestamp 'not-a-date' in column 'time'"),
        (5, "expected 4 fields, found 3"),
        (6, "empty row"),
        (8, "no sensor values"),
        (9, "same timestamp as row 10, which is kept"),
    ]
    assert list(parsed.frame.index) == [2, 7, 10]
    assert parsed.frame["temp_C"].tolist() == [20.5, 23.0, 25.0]
    assert parsed.timestamp_col == "time" and parsed.sensor_cols == ["temp_C", "pressure_bar"]
    assert parsed.ignored_columns == ["status"]


def test_parse_csv_semicolon_decimal_comma_and_zone(write_csv):
    """';' files with decimal commas parse, and naive times are read in the zone given (spring-forward gap shifted)."""
    path = write_csv("ts;temp;flow\n2024-03-31T01:30:00;1,5;2\n2024-03-31T02:30:00;2,5;3\n"
                     "2024-03-31T12:00:00+02:00;3;4\n")
    parsed = parse_csv(path, tz="Europe/Berlin")
    assert parsed.delimiter == ";"
    assert parsed.frame["temp"].tolist() == [1.5, 2.5, 3.0]
    assert parsed.frame["ts"].tolist() == [pd.Timestamp("2024-03-31 00:30", tz="UTC"),
                                           pd.Timestamp("2024-03-31 01:00", tz="UTC"),
                                           pd.Timestamp("2024-03-31 10:00", tz="UTC")]


def test_parse_csv_tab_epoch_seconds(write_csv):
    """A tab-separated file with an epoch column reads the numbers as Unix seconds in UTC."""
    parsed = parse_csv(write_csv("epoch\tvib\n1700000000\t1\n1700000060\t2\n"))
    assert parsed.delimiter == "\t" and parsed.timestamp_col == "epoch"
    assert parsed.frame["ts"].iloc[0] == pd.Timestamp("2023-11-14 22:13:20", tz="UTC")


def test_parse_csv_autodetects_first_parseable_time_column(write_csv):
    """With no time-like name, the first column whose values parse as times is the timestamp column."""
    parsed = parse_csv(write_csv("tag,when_read,value\nA,01/02/2024 10:00,1\nA,01/02/2024 10:01,2\n"))
    assert parsed.timestamp_col == "when_read"
    assert parsed.frame["ts"].iloc[0] == pd.Timestamp("2024-01-02 10:00", tz="UTC")
    assert parsed.ignored_columns == ["tag"]


def test_parse_csv_sensor_cols_limit_the_columns(write_csv):
    """Given sensor columns, only those are imported."""
    parsed = parse_csv(write_csv("time,a,b\n2024-01-01,1,2\n"), sensor_cols=["b"])
    assert parsed.sensor_cols == ["b"] and "a" not in parsed.frame


def test_detect_delimiter_prefers_consistent_width():
    """The delimiter that keeps every line at the header's width wins."""
    assert detect_delimiter("a;b;c\n1,5;2,5;3\n") == ";"
    assert detect_delimiter("a,b\n1,2\n") == ","


def test_parse_csv_missing_file_is_clear(tmp_path):
    """A missing file is a NotFoundError that names the path."""
    with pytest.raises(NotFoundError, match="nope.csv' does not exist"):
        parse_csv(tmp_path / "nope.csv")


def test_parse_csv_empty_file_is_clear(write_csv):
    """An empty file says it is empty and what was expected."""
    with pytest.raises(InvalidInputError, match="is empty: expected a header row"):
        parse_csv(write_csv("  \n"))


def test_parse_csv_header_only_is_clear(write_csv):
    """A header without data rows says so and names the columns."""
    with pytest.raises(InvalidInputError, match=r"has a header \(time, temp\) but no data rows"):
        parse_csv(write_csv("time,temp\n"))


def test_parse_csv_no_timestamp_column_names_columns_seen(write_csv):
    """A file with no parseable time column names the columns it saw."""
    with pytest.raises(InvalidInputError, match="no timestamp column found .*columns seen: 'a', 'b'"):
        parse_csv(write_csv("a,b\n1,2\n3,4\n"))


def test_parse_csv_unknown_timestamp_col_suggests_closest(write_csv):
    """--timestamp-col not in the header names the closest header names."""
    with pytest.raises(InvalidInputError, match="timestamp column 'tme' is not in the header.*did you mean 'time'"):
        parse_csv(write_csv("time,temp\n2024-01-01,1\n"), timestamp_col="tme")


def test_parse_csv_unknown_sensor_col_suggests_closest(write_csv):
    """An unknown sensor column names the closest header names."""
    with pytest.raises(InvalidInputError, match="sensor column 'tmp' is not in the header.*'temp'"):
        parse_csv(write_csv("time,temp\n2024-01-01,1\n"), sensor_cols=["tmp"])


def test_parse_csv_unknown_zone_suggests_closest(write_csv):
    """An unknown --tz names the closest IANA zones."""
    with pytest.raises(InvalidInputError, match="unknown time zone 'Europe/Berln'.*Europe/Berlin"):
        parse_csv(write_csv("time,temp\n2024-01-01,1\n"), tz="Europe/Berln")


def test_parse_csv_all_rows_bad_is_an_error(write_csv):
    """When no row can be imported, the error says so and shows the first reasons."""
    with pytest.raises(InvalidInputError, match=r"no row .* could be imported \(2 skipped; row 2: unparseable"):
        parse_csv(write_csv("time,temp\nx-1,1\ny-2,2\n"), timestamp_col="time")


def test_parse_csv_ignores_a_row_index_column(write_csv):
    """A pandas-style unnamed index column is reported as ignored, not imported as a sensor."""
    parsed = parse_csv(write_csv(",time,temp\n0,2024-01-01,1\n1,2024-01-02,2\n"))
    assert parsed.sensor_cols == ["temp"] and parsed.ignored_columns == ["column_1"]


def test_parse_csv_refuses_binary_junk(tmp_path):
    """Random bytes named .csv are refused as binary instead of crashing the csv module."""
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InvalidInputError, match="binary, not text"):
        parse_csv(path)


def test_parse_csv_stray_carriage_return_is_invalid_input(write_csv):
    """A carriage return inside an unquoted field is a clear InvalidInputError, not a _csv.Error."""
    path = write_csv("x")
    path.write_bytes(b"time,temp\n2024-01-01 00:00:00,1\r5\n")
    with pytest.raises(InvalidInputError, match="cannot be read as CSV"):
        parse_csv(path)
