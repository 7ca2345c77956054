"""What the terminal app shows besides the chat: the asset tree, an asset's latest readings and trends, and alarms.

`PlantData` reads the stores named by Settings (records for the registry and stored alarms, the time-series store
for readings); `AlarmFeed` tails the alarms topic when a broker is already running. Every method here blocks, so
the app calls them from thread workers, never from the event loop. Trends end at the asset's latest point, not at
the wall clock, so a home whose history stopped yesterday still shows its last hours.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from industrialmind.config import Settings
    from industrialmind.domain.model import Asset

ALARM_KINDS = ("alarm", "anomaly", "alert")
TREND_HOURS = 2.0
TREND_POINTS = 60
# The sensors worth a chart, in order of interest; an asset's own order breaks ties.
KEY_QUANTITIES = ("vibration", "temperature", "pressure", "flow", "current", "level", "power", "speed")


@dataclass
class LineNode:
    """A line of a site with its assets (id, name, criticality) for the sidebar tree."""

    id: str
    name: str
    assets: list[tuple[str, str, str]]


@dataclass
class SiteNode:
    """A site with its lines; assets without a line sit in a pseudo-line named 'other'."""

    id: str
    name: str
    lines: list[LineNode]


@dataclass
class Reading:
    """One sensor's latest value with its unit, normal range and status ('normal', 'low', 'high', 'no data')."""

    sensor: str
    name: str
    quantity: str
    unit: str
    value: float | None
    ts: datetime | None
    status: str
    normal_min: float | None = None
    normal_max: float | None = None


@dataclass
class AssetView:
    """An asset's header facts and latest readings, as the readings panel shows them."""

    id: str
    name: str
    type: str
    line_id: str | None
    criticality: str
    readings: list[Reading]
    as_of: datetime | None
    open_alarms: int = 0

    @property
    def status(self) -> str:
        """'alarm' with an open alarm, 'off-normal' when a reading is out of range, 'no data', else 'normal'."""
        if self.open_alarms:
            return "alarm"
        if not self.readings or all(r.value is None for r in self.readings):
            return "no data"
        if any(r.status in ("low", "high") for r in self.readings):
            return "off-normal"
        return "normal"


@dataclass
class Trend:
    """A sensor's recent values (evenly bucketed) for a sparkline or chart."""

    sensor: str
    unit: str
    values: list[float]
    normal_min: float | None = None
    normal_max: float | None = None
    times: list[datetime] = field(default_factory=list)


@dataclass
class AlarmRow:
    """An alarm as the alarms panel lists it, from the records store or the live topic."""

    id: str
    asset_id: str
    severity: str
    message: str
    start: datetime | None
    state: str = "open"
    source: str = "stored"


class PlantData:
    """Blocking reads of the registry, readings, trends and stored alarms for one Settings (call from workers)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._records: Any = None
        self._timeseries: Any = None
        self._assets: dict[str, Asset] = {}

    # stores open lazily (and once) so building the app costs nothing and a missing store fails in a worker
    def records(self) -> Any:
        """The records store (opened on first use)."""
        with self._lock:
            if self._records is None:
                from industrialmind.stores.records import open_records

                self._records = open_records(self.settings.resolved.records)
            return self._records

    def timeseries(self) -> Any:
        """The time-series store (opened on first use)."""
        with self._lock:
            if self._timeseries is None:
                from industrialmind.stores.timeseries import open_timeseries

                token = self.settings.influx_token.get_secret_value() if self.settings.influx_token else None
                self._timeseries = open_timeseries(self.settings.resolved.timeseries, token=token)
            return self._timeseries

    def tree(self) -> list[SiteNode]:
        """Every site > line > asset of the registry, in registry order."""
        records = self.records()
        sites = []
        for site in records.list_sites():
            assets = records.list_assets(site_id=site.id)
            self._assets.update({a.id: a for a in assets})
            lines = []
            for line in records.list_lines(site_id=site.id):
                members = [(a.id, a.name, a.criticality) for a in assets if a.line_id == line.id]
                lines.append(LineNode(line.id, line.name, members))
            loose = [(a.id, a.name, a.criticality) for a in assets if a.line_id not in {ln.id for ln in lines}]
            if loose:
                lines.append(LineNode("", "other", loose))
            sites.append(SiteNode(site.id, site.name, lines))
        return sites

    def asset(self, asset_id: str) -> Asset:
        """The registry entry of an asset (NotFoundError names close ids)."""
        if asset_id not in self._assets:
            self._assets[asset_id] = self.records().get_asset(asset_id)
        return self._assets[asset_id]

    def view(self, asset_id: str) -> AssetView:
        """The asset's latest readings with statuses against each sensor's normal range."""
        asset = self.asset(asset_id)
        frame = self.timeseries().latest(asset.id, [s.id for s in asset.sensors])
        latest = {row.sensor: (float(row.value), _utc(row.ts)) for row in frame.itertuples(index=False)}
        readings = []
        for s in asset.sensors:
            value, ts = latest.get(s.id, (None, None))
            readings.append(Reading(s.id, s.name, s.quantity, s.unit, value, ts, _status(value, s.normal_min,
                                                                                           s.normal_max),
                                    s.normal_min, s.normal_max))
        stamps = [r.ts for r in readings if r.ts is not None]
        open_alarms = sum(1 for e in self.records().list_events(asset_id=asset.id, kind=list(ALARM_KINDS), limit=20)
                          if e.end is None)
        return AssetView(asset.id, asset.name, asset.type, asset.line_id, asset.criticality, readings,
                         max(stamps) if stamps else None, open_alarms)

    def trends(self, asset_id: str, sensors: list[str] | None = None, hours: float = TREND_HOURS,
               points: int = TREND_POINTS, end: datetime | None = None) -> list[Trend]:
        """Bucketed means of the asset's key sensors over the `hours` before its latest point (or `end`)."""
        asset = self.asset(asset_id)
        chosen = [s for s in asset.sensors if sensors is None or s.id in sensors]
        if sensors is None:
            chosen = key_sensors(chosen)
        if not chosen:
            return []
        store = self.timeseries()
        if end is None:
            bounds = store.bounds(asset=asset.id)
            if bounds is None:
                return [Trend(s.id, s.unit, [], s.normal_min, s.normal_max) for s in chosen]
            end = bounds[1] + timedelta(seconds=1)
        start = end - timedelta(hours=hours)
        step = timedelta(seconds=max(60, int((end - start).total_seconds() // points)))
        frame = store.downsample(asset.id, [s.id for s in chosen], start, end, step)
        out = []
        for s in chosen:
            rows = frame[frame["sensor"] == s.id] if len(frame) else frame
            values = [float(v) for v in rows["mean"]] if len(rows) else []
            times = [_utc(t) for t in rows["ts"]] if len(rows) else []
            out.append(Trend(s.id, s.unit, values, s.normal_min, s.normal_max, times))
        return out

    def stored_alarms(self, limit: int = 50) -> list[AlarmRow]:
        """Alarm, anomaly and alert events of the records store, newest first."""
        rows = []
        for e in self.records().list_events(kind=list(ALARM_KINDS), limit=limit):
            rows.append(AlarmRow(e.id, e.asset_id, e.severity, e.message, _utc(e.start),
                                 "open" if e.end is None else "cleared", "stored"))
        return rows

    def close(self) -> None:
        """Close the stores that were opened."""
        for store in (self._records, self._timeseries):
            if store is not None and hasattr(store, "close"):
                try:
                    store.close()
                except Exception:  # noqa: BLE001, S110 - closing is best effort on exit
                    pass
        self._records = self._timeseries = None


def key_sensors(sensors: list[Any], limit: int = 4) -> list[Any]:
    """Up to `limit` sensors of the most telling quantities (vibration first), keeping the asset's order."""
    def rank(item: tuple[int, Any]) -> tuple[int, int]:
        i, s = item
        q = s.quantity if s.quantity in KEY_QUANTITIES else ""
        return (KEY_QUANTITIES.index(q) if q else len(KEY_QUANTITIES), i)

    picked = sorted(enumerate(sensors), key=rank)[:limit]
    return [s for _, s in sorted(picked, key=lambda item: item[0])]


class AlarmFeed:
    """Tails the alarms topic of a broker that is already running (IM_KAFKA_BOOTSTRAP, or the one `industrialmind
    up` recorded under IM_HOME); never starts a broker, so the app opens instantly with no servers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def bootstrap(self) -> str | None:
        """The bootstrap address of a running broker, or None when the live feed is off."""
        if self.settings.kafka_bootstrap:
            return self.settings.kafka_bootstrap
        from industrialmind.stores.broker import running_broker

        info = running_broker(self.settings.home)
        return info.bootstrap if info is not None else None

    def run(self, on_alarm: Callable[[AlarmRow], None], stop: Callable[[], bool], poll_s: float = 0.5) -> None:
        """Poll new alarms (from the end of the topic) until stop() is true; call on_alarm for each."""
        bootstrap = self.bootstrap()
        if bootstrap is None:
            return
        from confluent_kafka import OFFSET_END, TopicPartition

        from industrialmind.stores.streams import Streams

        streams = Streams(bootstrap, self.settings.kafka_topic_prefix)
        topic = streams.topic("alarms")
        # assigned partitions, not a subscription: no group join (~3 s), nothing committed, and it starts at the end,
        # so the panel shows what happens while it is open (on Tansu, whose end offset can lag a batch, a few
        # recent alarms may show again)
        consumer = streams.consumer(f"im-tui-{uuid.uuid4().hex[:8]}")
        try:
            assigned = False
            while not stop():
                if not assigned:
                    found = consumer.list_topics(topic, timeout=2.0).topics.get(topic)
                    if found is None or found.error is not None or not found.partitions:
                        _wait(poll_s * 4, stop)  # no alarms topic until the stack creates it
                        continue
                    consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in found.partitions])
                    assigned = True
                msg = consumer.poll(poll_s)
                if msg is None or msg.error() is not None:
                    continue
                row = parse_alarm(msg.value())
                if row is not None:
                    on_alarm(row)
        finally:
            consumer.close()


def _wait(seconds: float, stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not stop():
        time.sleep(0.05)


def parse_alarm(raw: bytes | str | None) -> AlarmRow | None:
    """An AlarmRow from an alarms-topic message (AlarmV1 JSON), or None when it does not parse."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or "asset_id" not in data:
        return None
    start = data.get("start")
    try:
        when = _utc(datetime.fromisoformat(start)) if isinstance(start, str) else None
    except ValueError:
        when = None
    return AlarmRow(str(data.get("id", "")), str(data["asset_id"]), str(data.get("severity", "warning")),
                    str(data.get("message", "")), when, str(data.get("state", "raised")), "live")


def _status(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return "no data"
    if low is not None and value < low:
        return "low"
    if high is not None and value > high:
        return "high"
    return "normal"


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return None
