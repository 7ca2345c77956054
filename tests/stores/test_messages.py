"""Telemetry and alarm message schemas: encoding, the vectorised batch decoder, and its agreement with pydantic."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from industrialmind.stores.messages import (
    DLQ_OFFSET,
    DLQ_REASON,
    AlarmV1,
    TelemetryV1,
    dead_letter_headers,
    decode_telemetry,
    encode_point,
    encode_telemetry,
    header_dict,
    reason_of,
)

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def _frame(n: int = 10) -> pd.DataFrame:
    return pd.DataFrame({
        "asset": [f"P-{i % 3}" for i in range(n)],
        "sensor": ["flow", "vibration_de"] * (n // 2) + ["flow"] * (n % 2),
        "ts": pd.date_range(T0, periods=n, freq="1min", tz="UTC"),
        "value": np.linspace(0.5, 9.5, n),
        "quality": np.array([0, 1, 2, 0, 0, 0, 0, 0, 0, 0][:n] + [0] * max(n - 10, 0), dtype="int8"),
    })


def test_encode_telemetry_roundtrips_through_decode():
    """A frame encoded to messages decodes back to the same points, with the store's column types."""
    frame = _frame(10)
    keys, values = encode_telemetry(frame)
    assert keys[0] == b"P-0"
    batch = decode_telemetry(values)
    assert batch.fast_path and not batch.rejected
    pd.testing.assert_frame_equal(batch.points, frame.astype({"ts": "datetime64[ns, UTC]"}), check_dtype=False)
    assert str(batch.points["ts"].dtype) == "datetime64[ns, UTC]"
    assert str(batch.points["quality"].dtype) == "int8"


def test_encode_telemetry_writes_nan_as_null():
    """A missing value (NaN) travels as JSON null and comes back as NaN."""
    frame = _frame(2)
    frame.loc[1, "value"] = np.nan
    _, values = encode_telemetry(frame)
    assert json.loads(values[1])["value"] is None
    assert np.isnan(decode_telemetry(values).points["value"].iloc[1])


def test_encode_telemetry_rejects_infinite_values():
    """An infinite value cannot be sent: encoding says so instead of producing invalid JSON."""
    frame = _frame(2)
    frame.loc[0, "value"] = np.inf
    with pytest.raises(ValueError, match="finite"):
        encode_telemetry(frame)


def test_encode_point_matches_the_model():
    """encode_point produces what TelemetryV1 validates, with ts in UTC microseconds and a Z."""
    raw = encode_point("C-201", "discharge_temp", T0 + timedelta(microseconds=5), 101.5, 1)
    point = TelemetryV1.model_validate_json(raw)
    assert point.ts == T0 + timedelta(microseconds=5)
    assert json.loads(raw)["ts"] == "2026-11-26T06:00:00.000005Z"
    assert point.to_json() == raw


def test_telemetry_rejects_naive_timestamps():
    """A timestamp without a zone is rejected with a reason that says so."""
    raw = b'{"v":1,"asset":"P-101","sensor":"flow","ts":"2026-11-26T06:00:00","value":1.0}'
    assert "timezone" in reason_of(raw)


def test_telemetry_converts_offsets_to_utc():
    """A timestamp with an offset is stored in UTC."""
    raw = b'{"v":1,"asset":"P-101","sensor":"flow","ts":"2026-11-26T08:00:00+02:00","value":1.0}'
    batch = decode_telemetry([raw])
    assert batch.points["ts"].iloc[0] == pd.Timestamp("2026-11-26T06:00:00Z")


def test_decode_rejects_each_bad_message_with_its_reason():
    """Malformed messages are rejected one by one with pydantic's reason; the good ones in the batch are kept in order."""
    _, good = encode_telemetry(_frame(6))
    bad = {
        1: b"not json at all",
        2: b'{"v":2,"asset":"P-1","sensor":"flow","ts":"2026-11-26T06:00:00Z","value":1}',
        4: b'{"v":1,"asset":"","sensor":"flow","ts":"2026-11-26T06:00:00Z","value":1}',
    }
    values = [bad.get(i, v) for i, v in enumerate(good)]
    values.append(None)
    batch = decode_telemetry(values)
    assert [r.index for r in batch.rejected] == [1, 2, 4, 6]
    reasons = {r.index: r.reason for r in batch.rejected}
    assert "JSON" in reasons[1]
    assert "v:" in reasons[2]
    assert "asset" in reasons[4]
    assert "empty" in reasons[6]
    expected = decode_telemetry([good[i] for i in (0, 3, 5)]).points
    pd.testing.assert_frame_equal(batch.points, expected)


def test_decode_ignores_unknown_fields():
    """Extra fields from a newer v1 producer are ignored, not rejected."""
    raw = b'{"v":1,"asset":"P-1","sensor":"flow","ts":"2026-11-26T06:00:00Z","value":2.5,"unit":"m3/h"}'
    batch = decode_telemetry([raw])
    assert not batch.rejected and batch.points["value"].iloc[0] == 2.5


def test_decode_refuses_a_message_holding_two_lines():
    """A message with a raw newline cannot shift the rows of the vectorised path: it is judged on its own."""
    _, good = encode_telemetry(_frame(3))
    sneaky = good[0] + b"\n" + good[1]
    batch = decode_telemetry([sneaky, good[2]])
    assert [r.index for r in batch.rejected] == [0]
    assert len(batch.points) == 1


_field_values = st.one_of(st.none(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5),
                          st.sampled_from(["2026-11-26T06:00:00Z", "2026-11-26T06:00:00", "2026-11-26T06:00:00+01:00",
                                           "2026-13-01T00:00:00Z", "2026-11-26 06:00:00.5Z", "P-101", ""]))


@st.composite
def _message(draw) -> bytes:
    fields = {"v": 1, "asset": "P-101", "sensor": "flow", "ts": "2026-11-26T06:00:00Z", "value": 1.5, "quality": 0}
    for name in list(fields):
        choice = draw(st.integers(0, 5))
        if choice == 0:
            del fields[name]
        elif choice == 1:
            fields[name] = draw(_field_values)
    if draw(st.integers(0, 12)) == 0:
        return draw(st.binary(max_size=20))
    return json.dumps(fields).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_message(), min_size=1, max_size=12))
def test_decode_accepts_exactly_what_the_model_accepts(messages):
    """Over arbitrary batches, the vectorised decoder accepts exactly the messages TelemetryV1 accepts, with equal values."""
    batch = decode_telemetry(messages)
    expected_ok = [i for i, m in enumerate(messages) if reason_of(m) is None]
    assert sorted(set(range(len(messages))) - {r.index for r in batch.rejected}) == expected_ok
    assert len(batch.points) == len(expected_ok)
    for row, i in zip(batch.points.itertuples(), expected_ok):
        point = TelemetryV1.model_validate_json(messages[i])
        assert (row.asset, row.sensor, row.quality) == (point.asset, point.sensor, point.quality)
        assert row.ts == pd.Timestamp(point.ts)
        assert (np.isnan(row.value) and point.value is None) or row.value == point.value


def test_alarm_roundtrips_to_event():
    """An alarm message converts to the records store's Event and back."""
    alarm = AlarmV1(id="a1", asset_id="P-101", severity="critical", message="bearing", start=T0,
                    sensors=["vibration_de"], score=3.2, threshold=1.0, source="scorer")
    again = AlarmV1.model_validate_json(alarm.to_json())
    assert again == alarm
    event = again.to_event()
    assert (event.asset_id, event.kind, event.severity, event.start) == ("P-101", "anomaly", "critical", T0)
    assert AlarmV1.from_event(event, threshold=1.0).id == "a1"


def test_dead_letter_headers_carry_reason_and_origin():
    """Dead-letter headers name the reason and the source topic, partition, offset and group."""
    headers = header_dict(dead_letter_headers("bad ts", "im.telemetry", 2, 41, "im-ingest"))
    assert headers[DLQ_REASON] == "bad ts"
    assert headers[DLQ_OFFSET] == "41"
    assert headers["im-dlq-topic"] == "im.telemetry" and headers["im-dlq-group"] == "im-ingest"
