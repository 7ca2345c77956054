"""Kafka message schemas: versioned pydantic models for telemetry and alarms, and the dead-letter headers.

Telemetry (topic `<prefix>telemetry`, key = asset id, value = compact JSON, one point per message)::

    {"v": 1, "asset": "P-101", "sensor": "vibration_de", "ts": "2026-11-26T06:00:00.000000Z",
     "value": 2.31, "quality": 0}

- `v` is the schema version (1); a consumer rejects versions it does not know.
- `ts` is ISO 8601 with a zone (`Z` or `+HH:MM`); naive timestamps are rejected, every ts is stored as UTC.
- `value` is a finite number, or null for a missing sample (stored as NaN); `quality` is 0 good, 1 suspect, 2 bad.
- Unknown extra fields are ignored, so v1 producers may add fields without breaking v1 consumers.

Alarms (topic `<prefix>alarms`, key = asset id): `AlarmV1`, the same fields as `plant.model.Event` plus `v`,
`state` ('raised' or 'cleared') and `threshold`.

Dead letters (topic `<prefix>deadletter`): the original key and value bytes, unchanged, with headers
`im-dlq-reason` (why it was rejected), `im-dlq-topic`, `im-dlq-partition`, `im-dlq-offset`, `im-dlq-group` and
`im-dlq-at` (ISO 8601 UTC).

`decode_telemetry` validates a whole batch at once: a vectorised Arrow path for the common case, and the
pydantic model, one message at a time, for the rows the fast path cannot accept (so each rejected message gets
the model's own reason). Both paths accept exactly the same messages (tests/stores/test_messages.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from industrialmind.stores._points import empty_points

if TYPE_CHECKING:
    import pandas as pd

TELEMETRY_VERSION = 1
ALARM_VERSION = 1
MAX_ID_LENGTH = 128

DLQ_REASON = "im-dlq-reason"
DLQ_TOPIC = "im-dlq-topic"
DLQ_PARTITION = "im-dlq-partition"
DLQ_OFFSET = "im-dlq-offset"
DLQ_GROUP = "im-dlq-group"
DLQ_AT = "im-dlq-at"


class TelemetryV1(BaseModel):
    """One telemetry point: asset, sensor, timezone-aware timestamp, value and quality (schema version 1)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: Literal[1] = TELEMETRY_VERSION
    asset: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    sensor: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    ts: AwareDatetime
    value: float | None = Field(default=None, allow_inf_nan=False)
    quality: Literal[0, 1, 2] = 0

    @field_validator("ts")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(timezone.utc)

    @field_validator("quality", mode="before")
    @classmethod
    def _null_quality_is_good(cls, value: Any) -> Any:
        # A null quality means "not stated", as a missing one does (the vectorised path cannot tell them apart).
        return 0 if value is None else value

    def to_json(self) -> bytes:
        """The compact JSON bytes a producer sends (same layout as `encode_telemetry`)."""
        return encode_point(self.asset, self.sensor, self.ts, self.value, self.quality)


class AlarmV1(BaseModel):
    """An alarm or anomaly raised (or cleared) by the streaming scorer; mirrors `plant.model.Event`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: Literal[1] = ALARM_VERSION
    id: str = Field(min_length=1)
    asset_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    kind: Literal["alarm", "alert", "anomaly"] = "anomaly"
    state: Literal["raised", "cleared"] = "raised"
    severity: Literal["info", "warning", "critical"] = "warning"
    message: str = ""
    start: AwareDatetime
    end: AwareDatetime | None = None
    sensors: list[str] = Field(default_factory=list)
    score: float | None = Field(default=None, allow_inf_nan=False)
    threshold: float | None = Field(default=None, allow_inf_nan=False)
    source: str = ""

    @field_validator("start", "end")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return value.astimezone(timezone.utc) if value is not None else None

    def to_json(self) -> bytes:
        """The JSON bytes a producer sends."""
        return self.model_dump_json(exclude_none=True).encode()

    def to_event(self):
        """The records-store Event for this alarm."""
        from industrialmind.domain.model import Event

        return Event(id=self.id, asset_id=self.asset_id, kind=self.kind, severity=self.severity,
                     message=self.message, start=self.start, end=self.end, sensors=list(self.sensors),
                     score=self.score, source=self.source)

    @classmethod
    def from_event(cls, event: Any, state: Literal["raised", "cleared"] = "raised",
                   threshold: float | None = None) -> AlarmV1:
        """An alarm message from a records-store Event."""
        return cls(id=event.id, asset_id=event.asset_id, kind=event.kind if event.kind in ("alarm", "alert")
                   else "anomaly", state=state, severity=event.severity, message=event.message,
                   start=event.start, end=event.end, sensors=list(event.sensors), score=event.score,
                   threshold=threshold, source=event.source)


def format_ts(ts: datetime) -> str:
    """ISO 8601 UTC with microseconds and a 'Z' (the telemetry wire format)."""
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {ts!r} has no timezone; telemetry timestamps must be timezone-aware")
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _format_value(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if math.isinf(value):
        raise ValueError(f"telemetry value {value!r} is not finite")
    return repr(float(value))


def encode_point(asset: str, sensor: str, ts: datetime, value: float | None, quality: int = 0) -> bytes:
    """One telemetry message as compact JSON bytes (NaN becomes null)."""
    import json

    return (f'{{"v":1,"asset":{json.dumps(asset)},"sensor":{json.dumps(sensor)},"ts":"{format_ts(ts)}",'
            f'"value":{_format_value(value)},"quality":{int(quality)}}}').encode()


def encode_telemetry(points: pd.DataFrame) -> tuple[list[bytes], list[bytes]]:
    """Encode a long frame (asset, sensor, ts, value[, quality]) to (keys, values) for the telemetry topic.

    Vectorised: timestamps are formatted once per column, not per row; NaN values become null.
    """
    import json

    import numpy as np
    import pandas as pd

    n = len(points)
    if n == 0:
        return [], []
    ts = pd.to_datetime(points["ts"], utc=True)
    ts_text = ts.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").tolist()
    values = points["value"].to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError("telemetry values must be finite (found inf)")
    value_text = [("null" if v != v else repr(v)) for v in values.tolist()]
    quality = (points["quality"].to_numpy(dtype="int64") if "quality" in points else np.zeros(n, "int64")).tolist()
    assets = points["asset"].astype(str).tolist()
    sensors = points["sensor"].astype(str).tolist()
    # json.dumps is needed only for ids with characters JSON must escape; cache per distinct id.
    quoted: dict[str, str] = {}

    def q(s: str) -> str:
        out = quoted.get(s)
        if out is None:
            out = quoted[s] = json.dumps(s)
        return out

    values_out = [
        f'{{"v":1,"asset":{q(a)},"sensor":{q(s)},"ts":"{t}","value":{v},"quality":{k}}}'.encode()
        for a, s, t, v, k in zip(assets, sensors, ts_text, value_text, quality)
    ]
    keys = [a.encode() for a in assets]
    return keys, values_out


@dataclass
class Rejected:
    """A message that failed validation: its position in the batch and the reason."""

    index: int
    reason: str


@dataclass
class DecodedBatch:
    """The result of decoding a batch: a points frame of the valid messages and the rejected ones."""

    points: pd.DataFrame
    rejected: list[Rejected] = field(default_factory=list)
    fast_path: bool = True


def _arrow_schema():
    import pyarrow as pa

    return pa.schema([("v", pa.int64()), ("asset", pa.string()), ("sensor", pa.string()), ("ts", pa.string()),
                      ("value", pa.float64()), ("quality", pa.int64())])


def reason_of(value: bytes | None) -> str | None:
    """Validate one telemetry message with the pydantic model: None when valid, else a one-line reason."""
    if value is None:
        return "empty message (null value)"
    try:
        TelemetryV1.model_validate_json(value)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        parts = []
        for err in errors[:3]:
            loc = ".".join(str(x) for x in err.get("loc", ())) or "message"
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        return f"invalid telemetry v{TELEMETRY_VERSION}: " + "; ".join(parts) + more
    return None


def _fast_decode(values: list[bytes]):
    """Vectorised decode: (arrow table with ts cast to UTC, mask of rows that passed every check) or None."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    n = len(values)
    try:
        buf = b"\n".join(values)
    except TypeError:  # a None (tombstone) value
        return None
    # One message per line: a message with a raw newline, or an empty one, would shift the rows.
    if buf.count(b"\n") != n - 1 or not all(values):
        return None
    try:
        table = pj.read_json(pa.BufferReader(buf),
                             parse_options=pj.ParseOptions(explicit_schema=_arrow_schema(),
                                                           unexpected_field_behavior="ignore"),
                             read_options=pj.ReadOptions(block_size=max(1 << 20, len(buf) + 1)))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.num_rows != n:
        return None
    ts_text = table.column("ts")
    zoned = pc.fill_null(pc.match_substring_regex(ts_text, r"(Z|[+-]\d\d:?\d\d)$"), False)
    ok = pc.and_(zoned, pc.fill_null(pc.equal(table.column("v"), 1), False))
    for name in ("asset", "sensor"):
        length = pc.utf8_length(table.column(name))
        ok = pc.and_(ok, pc.fill_null(pc.and_(pc.greater_equal(length, 1),
                                               pc.less_equal(length, MAX_ID_LENGTH)), False))
    quality = pc.fill_null(table.column("quality"), 0)
    ok = pc.and_(ok, pc.and_(pc.greater_equal(quality, 0), pc.less_equal(quality, 2)))
    value = table.column("value")
    ok = pc.and_(ok, pc.or_(pc.is_null(value), pc.is_finite(value)))
    good_ts = pc.if_else(ok, ts_text, pa.scalar(None, pa.string()))
    try:
        ts = pc.cast(good_ts, pa.timestamp("ns", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table.set_column(table.schema.get_field_index("ts"), "ts", ts).set_column(
        table.schema.get_field_index("quality"), "quality", quality), ok


def _frame(table) -> pd.DataFrame:
    import pandas as pd
    import pyarrow.compute as pc

    return pd.DataFrame({
        "asset": table.column("asset").to_pandas(),
        "sensor": table.column("sensor").to_pandas(),
        "ts": table.column("ts").to_pandas(),
        "value": table.column("value").to_pandas(),
        "quality": pc.cast(table.column("quality"), "int8").to_pandas(),
    })


def _slow_decode(values: list[bytes | None], indices: list[int]) -> tuple[pd.DataFrame, list[Rejected]]:
    """Validate the given messages one at a time with the pydantic model."""
    import pandas as pd

    rows: dict[str, list] = {"asset": [], "sensor": [], "ts": [], "value": [], "quality": []}
    rejected: list[Rejected] = []
    for i in indices:
        raw = values[i]
        if raw is None:
            rejected.append(Rejected(i, "empty message (null value)"))
            continue
        try:
            point = TelemetryV1.model_validate_json(raw)
        except ValidationError:
            rejected.append(Rejected(i, reason_of(raw) or "invalid"))
            continue
        rows["asset"].append(point.asset)
        rows["sensor"].append(point.sensor)
        rows["ts"].append(point.ts)
        rows["value"].append(float("nan") if point.value is None else point.value)
        rows["quality"].append(point.quality)
    if not rows["asset"]:
        return empty_points(), rejected
    frame = pd.DataFrame({
        "asset": pd.Series(rows["asset"], dtype="str"), "sensor": pd.Series(rows["sensor"], dtype="str"),
        "ts": pd.to_datetime(pd.Series(rows["ts"]), utc=True).astype("datetime64[ns, UTC]"),
        "value": pd.Series(rows["value"], dtype="float64"), "quality": pd.Series(rows["quality"], dtype="int8"),
    })
    return frame, rejected


def decode_telemetry(values: list[bytes | None]) -> DecodedBatch:
    """Decode and validate a batch of telemetry message values into a points frame plus the rejected messages.

    The frame has the store's columns (asset, sensor, ts datetime64[ns, UTC], value float64, quality int8), in
    message order; rejected messages carry their batch index and the pydantic model's reason.
    """
    import pandas as pd

    if not values:
        return DecodedBatch(empty_points())
    fast = _fast_decode(values)  # type: ignore[arg-type]
    if fast is None:
        frame, rejected = _slow_decode(values, list(range(len(values))))
        return DecodedBatch(frame, rejected, fast_path=False)
    import numpy as np

    table, ok = fast
    mask = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    if mask.all():
        return DecodedBatch(_frame(table))
    good = _frame(table.filter(ok))
    bad_idx = np.flatnonzero(~mask).tolist()
    # A row the vectorised checks refused may still be valid to pydantic (e.g. an exotic timestamp layout):
    # the model decides, so both paths accept the same messages.
    extra, rejected = _slow_decode(values, bad_idx)
    if len(extra):
        good_pos = np.flatnonzero(mask)
        ok_bad = [i for i in bad_idx if i not in {r.index for r in rejected}]
        good = good.set_axis(good_pos)
        extra = extra.set_axis(ok_bad)
        good = pd.concat([good, extra]).sort_index()
    return DecodedBatch(good.reset_index(drop=True), rejected)


def dead_letter_headers(reason: str, topic: str, partition: int, offset: int, group: str) -> list[tuple[str, bytes]]:
    """Headers of a dead-lettered message: why it was rejected and where it came from."""
    now = datetime.now(timezone.utc).isoformat()
    return [(DLQ_REASON, reason.encode()), (DLQ_TOPIC, topic.encode()), (DLQ_PARTITION, str(partition).encode()),
            (DLQ_OFFSET, str(offset).encode()), (DLQ_GROUP, group.encode()), (DLQ_AT, now.encode())]


def header_dict(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka headers as a str -> str dict (last one wins)."""
    return {k: (v.decode(errors="replace") if isinstance(v, bytes) else str(v)) for k, v in (headers or [])}
