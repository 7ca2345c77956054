"""Small in-memory stand-ins for the records and time-series stores, following their contracts, for tool and graph
tests that must not depend on another room's backend being finished. Records can persist to a JSON file so a test can
check an action across a process restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from industrialmind.domain.model import Event, WorkOrder

T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


class FakeRecords:
    """Work orders, events and jobs in memory (or in a JSON file when path is given); create is idempotent."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.work_orders: list[WorkOrder] = [
            WorkOrder(id="WO-1", asset_id="P-101", title="Replace seal", priority="high", status="closed",
                      kind="corrective", created_at=T0 - timedelta(days=20), completed_at=T0 - timedelta(days=19)),
            WorkOrder(id="WO-2", asset_id="P-101", title="Inspect bearing", priority="medium", status="open",
                      kind="corrective", created_at=T0 - timedelta(days=5), due_at=T0 - timedelta(days=1)),
            WorkOrder(id="WO-3", asset_id="C-201", title="Oil change", priority="low", status="closed",
                      kind="preventive", created_at=T0 - timedelta(days=3), completed_at=T0 - timedelta(days=3)
                      + timedelta(hours=4)),
        ]
        self.events = [Event(id="E-1", asset_id="P-101", kind="anomaly", severity="critical", message="vibration high",
                             start=T0 + timedelta(hours=6), end=T0 + timedelta(hours=7), sensors=["vibration_de"])]
        self.created: dict[str, WorkOrder] = {}
        if path is not None and path.exists():
            for row in json.loads(path.read_text()):
                wo = WorkOrder.model_validate(row["wo"])
                self.created[row["request_id"]] = wo

    def list_assets(self) -> list:
        """No registry of its own: the tools fall back to the demo plant."""
        return []

    def list_lines(self, site_id: str | None = None) -> list:
        """No lines of its own either, like an empty records store."""
        return []

    def list_work_orders(self, asset_id: str | None = None, **_: Any) -> list[WorkOrder]:
        """Work orders, optionally of one asset."""
        rows = self.work_orders + list(self.created.values())
        return [w for w in rows if asset_id is None or w.asset_id == asset_id]

    def create_work_order(self, asset_id: str, title: str, description: str, priority: str,
                          request_id: str | None = None) -> WorkOrder:
        """Create once per request_id."""
        if request_id in self.created:
            return self.created[request_id]
        wo = WorkOrder(id=f"WO-{100 + len(self.created)}", asset_id=asset_id, title=title, description=description,
                       priority=priority, created_at=NOW)
        self.created[request_id or wo.id] = wo
        if self.path is not None:
            self.path.write_text(json.dumps([{"request_id": k, "wo": v.model_dump(mode="json")}
                                             for k, v in self.created.items()]))
        return wo

    def list_events(self, asset_id: str | None = None, since: datetime | None = None, **_: Any) -> list[Event]:
        """Events, optionally of one asset and since a time."""
        return [e for e in self.events if (asset_id is None or e.asset_id == asset_id)
                and (since is None or e.start >= since)]

    def list_jobs(self) -> list:
        """No jobs."""
        return []


class FakeTimeseries:
    """P-101's vibration_de and bearing_temp, one point a minute over the day before NOW."""

    def __init__(self) -> None:
        ts = pd.date_range(T0, NOW, freq="1min", inclusive="left", tz="UTC")
        vib = [2.0 + (i % 60) / 100 for i in range(len(ts))]
        vib[400] = 9.5  # a spike at 06:40
        self.frame = pd.concat([
            pd.DataFrame({"ts": ts, "sensor": "vibration_de", "value": vib}),
            pd.DataFrame({"ts": ts, "sensor": "bearing_temp", "value": [60.0] * len(ts)}),
        ], ignore_index=True)

    def latest(self, asset: str, sensors: list[str] | None = None, measurement: str = "telemetry") -> pd.DataFrame:
        """Last value per sensor."""
        f = self.frame if asset == "P-101" else self.frame.iloc[0:0]
        if sensors:
            f = f[f["sensor"].isin(sensors)]
        return f.sort_values("ts").groupby("sensor", as_index=False).last()[["sensor", "ts", "value"]]

    def range(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
              measurement: str = "telemetry") -> pd.DataFrame:
        """Raw points start <= ts < end."""
        f = self.frame if asset == "P-101" else self.frame.iloc[0:0]
        f = f[(f["ts"] >= start) & (f["ts"] < end)]
        if sensors:
            f = f[f["sensor"].isin(sensors)]
        return f.sort_values(["sensor", "ts"]).reset_index(drop=True)

    def downsample(self, asset: str, sensors: list[str] | None, start: datetime, end: datetime,
                   interval: timedelta, measurement: str = "telemetry") -> pd.DataFrame:
        """Per-bucket mean/min/max/last/count."""
        f = self.range(asset, sensors, start, end)
        if f.empty:
            return pd.DataFrame(columns=["ts", "sensor", "mean", "min", "max", "last", "count"])
        f = f.assign(bucket=f["ts"].dt.floor(pd.Timedelta(interval)))
        g = f.groupby(["sensor", "bucket"])["value"].agg(["mean", "min", "max", "last", "count"]).reset_index()
        return g.rename(columns={"bucket": "ts"})

    def close(self) -> None:
        """Nothing to release."""


def install(monkeypatch: Any, records: FakeRecords | None = None, timeseries: FakeTimeseries | None = None,
            now: datetime = NOW) -> tuple[FakeRecords, FakeTimeseries]:
    """Make every ToolContext use these fakes and a fixed 'now'."""
    from industrialmind.tools._context import ToolContext

    records = records or FakeRecords()
    timeseries = timeseries or FakeTimeseries()
    monkeypatch.setattr(ToolContext, "records", lambda self: records)
    monkeypatch.setattr(ToolContext, "timeseries", lambda self: timeseries)
    monkeypatch.setattr(ToolContext, "now", lambda self: now)
    return records, timeseries
