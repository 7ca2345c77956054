"""The plant simulator: physically plausible telemetry for every sensor of a plant, with injected, labelled faults.

The model, in short: each line has a load (a daily cycle peaking in the afternoon, a weekend dip, slow random
swings); each asset sees its line's load delayed by its position in the process flow (downstream follows
upstream); a motor sees the load of the machine it drives; temperatures follow load through a thermal lag and
follow the ambient temperature's day; pumps feel their feed tank's level as suction head. Each sensor is a
function of those (see `_physics.py`) plus slow sensor wander and white measurement noise. Faults (see
`faults.py`) add their effect on top as they unfold.

Every random number is counter-based (a hash of seed, series and timestamp) and the fault schedule is a function
of the seed and a fixed epoch, so `generate(a, c)` equals `generate(a, b)` followed by `generate(b, c)`, value for
value: the live stream and the backfill agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from industrialmind.plant import _physics, _signals
from industrialmind.plant.faults import EFFECTS, Episode, FaultSpec, resolve, schedule, shape
from industrialmind.domain.model import FaultLabel, Plant, utc

if TYPE_CHECKING:
    import pandas as pd

QUALITY_GOOD, QUALITY_SUSPECT, QUALITY_BAD = 0, 1, 2
MAX_CELLS = 60_000_000  # points in one generate() call; beyond that, iterate in chunks
_HOP_LAG_S = 180  # material takes about three minutes per hop down a line
_THERMAL_OFFSETS_S = (0, 600, 1200, 1800, 2400)  # a 20-minute mean delay for temperatures
_WANDER = 0.03  # slow sensor and process wander, fraction of the normal span


class Simulator:
    """Telemetry for a plant: `generate(start, end)` gives a long frame; `fault_labels` gives the ground truth.

    faults=None injects the automatic schedule (several faults a week); a list injects exactly those faults (an
    empty list gives a healthy plant).
    """

    def __init__(self, plant: Plant, seed: int = 1, faults: list[FaultSpec] | None = None) -> None:
        self.plant = plant
        self.seed = int(seed)
        self._explicit = None if faults is None else [resolve(plant, f, self.seed) for f in faults]
        self._build()

    # ----------------------------------------------------------------------------------------------- structure
    def _build(self) -> None:
        plant, seed = self.plant, self.seed
        assets = plant.assets
        index = {a.id: i for i, a in enumerate(assets)}
        cols, sensor_asset, sensor_id, lo, span, noise = {}, [], [], [], [], []
        for a in assets:
            for s in a.sensors:
                cols[(a.id, s.id)] = len(sensor_id)
                sensor_asset.append(a.id)
                sensor_id.append(s.id)
                low = s.normal_min if s.normal_min is not None else 0.0
                high = s.normal_max if s.normal_max is not None else low + 1.0
                lo.append(low)
                span.append(max(high - low, 1e-6))
                noise.append(_physics.NOISE.get(s.quantity, _physics.DEFAULT_NOISE))
        self.columns: dict[tuple[str, str], int] = cols
        self.series_asset = np.array(sensor_asset, dtype=object)
        self.series_sensor = np.array(sensor_id, dtype=object)
        self._lo, self._span, self._noise = np.array(lo), np.array(span), np.array(noise)
        self._white_keys = np.array([_signals.key(seed, "white", a, s) for a, s in cols], dtype=np.uint64)
        self._wander_keys = np.array([_signals.key(seed, "wander", a, s) for a, s in cols], dtype=np.uint64)

        process = [f for f in plant.flows if f.medium != "shaft power"]
        driven = {a.id: str(a.attributes["drives"]) for a in assets if a.attributes.get("drives") in index}
        self._load_of = np.array([index[driven.get(a.id, a.id)] for a in assets])
        self._lag_s = np.array([_depth(a.id, a.line_id, process, assets) * _HOP_LAG_S for a in assets])
        self._lag_s = self._lag_s[self._load_of]  # a motor runs in step with its machine
        feeds = {f.target: f.source for f in process if f.source in index and assets[index[f.source]].type == "tank"}
        self._feed_tank = np.array([index.get(feeds.get(a.id, ""), -1) for a in assets])
        self._tanks = [i for i, a in enumerate(assets) if a.type == "tank"]
        self._asset_keys = np.array([_signals.key(seed, "asset", a.id) for a in assets], dtype=np.uint64)
        self._level_keys = np.array([_signals.key(seed, "level", a.id) for a in assets], dtype=np.uint64)
        self._lines = sorted({a.line_id or "" for a in assets})
        self._line_of = np.array([self._lines.index(a.line_id or "") for a in assets])
        self._line_keys = np.array([_signals.key(seed, "line", ln) for ln in self._lines], dtype=np.uint64)
        self._ambient_key = np.array([_signals.key(seed, "ambient", plant.site.id)], dtype=np.uint64)

        # assets grouped by type: (asset indices, {sensor id: (row in the block, column)})
        groups: dict[str, tuple[list[int], dict[str, list[tuple[int, int]]]]] = {}
        for i, a in enumerate(assets):
            idx, by_sensor = groups.setdefault(a.type, ([], {}))
            for s in a.sensors:
                by_sensor.setdefault(s.id, []).append((len(idx), cols[(a.id, s.id)]))
            idx.append(i)
        self._groups = groups

    @property
    def sensor_count(self) -> int:
        """Number of simulated series (asset, sensor)."""
        return len(self.series_sensor)

    # ----------------------------------------------------------------------------------------------- faults
    def episodes(self, start: datetime, end: datetime) -> list[Episode]:
        """Fault episodes overlapping [start, end), explicit or from the automatic schedule."""
        start, end = utc(start), utc(end)
        if self._explicit is not None:
            eps = [e for e in self._explicit if e.end > start and e.start < end]
        else:
            eps = schedule(self.plant, self.seed, start, end)
        return sorted(eps, key=lambda e: (e.start, e.asset_id, e.fault))

    def fault_labels(self, start: datetime, end: datetime) -> list[FaultLabel]:
        """Ground-truth labels of the faults overlapping [start, end) (whole episodes, not clipped)."""
        return [e.label() for e in self.episodes(start, end)]

    def active_faults(self, at: datetime) -> list[FaultLabel]:
        """Faults in progress at one instant."""
        at = utc(at)
        return [e.label() for e in self.episodes(at, at + timedelta(seconds=1)) if e.start <= at < e.end]

    # ----------------------------------------------------------------------------------------------- signals
    def _line_load(self, t: np.ndarray, cache: dict) -> np.ndarray:
        """Load of every line at times t, shape (T, lines); utilities follow the process lines' mean."""
        key = t[0] if t.size else 0, t.size
        if key in cache:
            return cache[key]
        hours = (t % 86400) / 3600.0
        daily = np.sin(2 * np.pi * (hours - 8.0) / 24.0)
        weekday = (np.floor_divide(t, 86400) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        weekend = (weekday >= 5).astype(float)
        slow = _signals.smooth_noise(self._line_keys, t, 7200)
        fast = _signals.smooth_noise(self._line_keys ^ np.uint64(0x5A5A), t, 1200)
        load = 0.74 + 0.09 * daily[:, None] + 0.08 * slow + 0.03 * fast
        for j, name in enumerate(self._lines):
            # the dry end packs on weekdays only; utilities follow the process and the weather
            load[:, j] -= (0.10 if name.startswith("L3") else 0.03) * weekend
        util = [j for j, name in enumerate(self._lines) if name.startswith("U")]
        proc = [j for j in range(len(self._lines)) if j not in util]
        if util and proc:
            mean = load[:, proc].mean(axis=1)
            load[:, util] = (0.3 + 0.6 * mean + 0.05 * self._ambient(t))[:, None] + 0.05 * slow[:, util]
        cache[key] = np.clip(load, 0.3, 1.0)
        return cache[key]

    def _ambient(self, t: np.ndarray) -> np.ndarray:
        """Ambient temperature anomaly, about -1 at dawn to +1 in mid-afternoon, with weather swings."""
        hours = (t % 86400) / 3600.0
        weather = _signals.smooth_noise(self._ambient_key, t, 6 * 3600)[:, 0]
        return np.clip(0.75 * np.sin(2 * np.pi * (hours - 9.0) / 24.0) + 0.5 * weather, -1.4, 1.4)

    def _loads(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each asset's load g and thermally lagged load gl, both in [0, 1], shape (T, assets)."""
        cache: dict = {}
        n = len(self.plant.assets)
        g = np.empty((t.size, n))
        gl = np.empty((t.size, n))
        own = _signals.smooth_noise(self._asset_keys, t, 3600)
        for lag in np.unique(self._lag_s):
            which = np.flatnonzero(self._lag_s == lag)
            lines = self._line_of[self._load_of[which]]
            base = self._line_load(t - lag, cache)[:, lines]
            g[:, which] = base * (1.0 + 0.03 * own[:, self._load_of[which]])
            gl[:, which] = np.mean([self._line_load(t - lag - off, cache)[:, lines] for off in _THERMAL_OFFSETS_S],
                                   axis=0)
        to_g = lambda u: np.clip((u - 0.45) / 0.55, 0.0, 1.0)
        return to_g(g), to_g(gl)

    def _levels(self, t: np.ndarray) -> np.ndarray:
        """Tank level positions, shape (T, assets) (0.5 for non-tanks): slow swings around mid-range."""
        keys = self._level_keys[self._tanks]
        lvl = np.full((t.size, len(self.plant.assets)), 0.5)
        lvl[:, self._tanks] = (0.5 + 0.3 * _signals.smooth_noise(keys, t, 4 * 3600)
                               + 0.05 * _signals.smooth_noise(keys ^ np.uint64(0xA5A5), t, 1800))
        return lvl

    def _positions(self, t: np.ndarray) -> np.ndarray:
        """Fault-free positions in each sensor's normal range, shape (T, S)."""
        g, gl = self._loads(t)
        a = self._ambient(t)[:, None]
        lvl = self._levels(t)
        feed = np.where(self._feed_tank[None, :] >= 0, lvl[:, np.maximum(self._feed_tank, 0)], 0.5)
        pos = np.empty((t.size, self.sensor_count))
        for atype, (idx, by_sensor) in self._groups.items():
            model = _physics.MODELS.get(atype, _physics.generic)
            lo = {s: np.array([self._lo[c] for _, c in rows]) for s, rows in by_sensor.items()}
            hi = {s: lo[s] + np.array([self._span[c] for _, c in rows]) for s, rows in by_sensor.items()}
            first = self.plant.assets[idx[0]]
            out = model(g=g[:, idx], gl=gl[:, idx], a=a, lvl=feed[:, idx], own_lvl=lvl[:, idx], lo=lo, hi=hi,
                        sensor_ids=[s.id for s in first.sensors], quantities=[s.quantity for s in first.sensors])
            for sid, rows in by_sensor.items():
                block = out.get(sid)
                if block is None:  # a sensor the model does not know: follow load
                    block = 0.1 + 0.8 * g[:, idx]
                block = np.broadcast_to(block, (t.size, len(idx)))
                for row, col in rows:
                    pos[:, col] = block[:, row]
        return pos

    def _compute(self, t: np.ndarray, with_stuck: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Values and quality flags at integer epoch seconds t, shape (T, S)."""
        pos = self._positions(t)
        pos += _WANDER * _signals.smooth_noise(self._wander_keys, t, 3 * 3600)
        noise_mult = np.ones_like(pos)
        quality = np.zeros(pos.shape, dtype=np.int8)
        if t.size == 0:
            return pos, quality
        start, end = _dt(int(t[0])), _dt(int(t[-1]) + 1)
        episodes = self.episodes(start, end)
        for ep in episodes:
            i0, i1, r = _rows(t, ep)
            if i0 == i1:
                continue
            atype = self.plant.asset(ep.asset_id).type
            if ep.fault == "sensor_drift":
                for sid in ep.sensors:
                    pos[i0:i1, self.columns[(ep.asset_id, sid)]] += ep.sign * ep.severity * 0.9 * r
            elif ep.fault in EFFECTS.get(atype, {}):
                for sid, shp, mag, mult in EFFECTS[atype][ep.fault]:
                    col = self.columns.get((ep.asset_id, sid))
                    if col is None:
                        continue
                    grow = shape(shp, r)
                    pos[i0:i1, col] += ep.severity * mag * grow
                    noise_mult[i0:i1, col] *= 1.0 + (mult - 1.0) * grow
        values = self._lo + self._span * pos
        values += self._span * self._noise * noise_mult * _signals.normal(self._white_keys, t)
        for ep in episodes:
            i0, i1, _ = _rows(t, ep)
            if i0 == i1:
                continue
            cols = [self.columns[(ep.asset_id, s)] for s in ep.sensors]
            if ep.fault == "stuck_sensor" and with_stuck:
                frozen, _ = self._compute(np.array([_epoch_s(ep.start)]), with_stuck=False)
                values[i0:i1, cols] = frozen[0, cols]
            elif ep.fault == "dropout" and with_stuck:
                # comm loss comes and goes in five-minute blocks: most of the episode is missing
                k = np.array([_signals.key(self.seed, "dropout", ep.asset_id, ep.start.isoformat())], dtype=np.uint64)
                lost = _signals.uniform(k, np.floor_divide(t[i0:i1], 300))[:, 0] < 0.8 * ep.severity
                rows = np.arange(i0, i1)[lost]
                values[np.ix_(rows, cols)] = np.nan
                quality[np.ix_(rows, cols)] = QUALITY_BAD
        return values, quality

    # ----------------------------------------------------------------------------------------------- frames
    def _grid(self, start: datetime, end: datetime, step: timedelta) -> np.ndarray:
        from industrialmind.errors import InvalidInputError

        start, end = utc(start), utc(end)
        if end <= start:
            raise InvalidInputError(f"end {end.isoformat()} is not after start {start.isoformat()}")
        step_s = int(step.total_seconds())
        if step_s < 1 or step_s != step.total_seconds():
            raise InvalidInputError(f"step must be a whole number of seconds >= 1, got {step!r}")
        import math

        s0, s1 = math.ceil(start.timestamp()), end.timestamp()
        first = -(-s0 // step_s) * step_s  # aligned to multiples of step, so chunks meet without gaps or overlap
        t = np.arange(first, math.ceil(s1), step_s, dtype=np.int64)
        t = t[t < s1]
        if t.size * self.sensor_count > MAX_CELLS:
            raise InvalidInputError(
                f"{t.size} steps x {self.sensor_count} sensors is too many points for one window; use a coarser "
                f"step or iter_chunks() (at most {MAX_CELLS:,} points)")
        return t

    def wide(self, start: datetime, end: datetime, step: timedelta = timedelta(minutes=1)) -> pd.DataFrame:
        """Values as a wide frame: index ts (UTC), columns (asset, sensor); NaN where a dropout lost the point."""
        import pandas as pd

        t = self._grid(start, end, step)
        values, _ = self._compute(t)
        columns = pd.MultiIndex.from_arrays([self.series_asset, self.series_sensor], names=["asset", "sensor"])
        index = pd.DatetimeIndex((t * 1_000_000_000).astype("datetime64[ns]"), name="ts").tz_localize("UTC")
        return pd.DataFrame(values, index=index, columns=columns)

    def generate(self, start: datetime, end: datetime, step: timedelta = timedelta(minutes=1)) -> pd.DataFrame:
        """Long frame of every sensor with start <= ts < end: asset, sensor, ts (UTC), value (float64), quality (int8).

        Rows are ordered by ts, then by the plant's asset and sensor order, so frames of consecutive windows
        concatenate into the frame of the whole window. Dropouts are rows with value NaN and quality 2.
        """
        import pandas as pd

        t = self._grid(start, end, step)
        values, quality = self._compute(t)
        s = self.sensor_count
        ts = pd.DatetimeIndex(np.repeat((t * 1_000_000_000).astype("datetime64[ns]"), s)).tz_localize("UTC")
        return pd.DataFrame({
            "asset": pd.array(np.tile(self.series_asset, t.size), dtype="str"),
            "sensor": pd.array(np.tile(self.series_sensor, t.size), dtype="str"),
            "ts": ts,
            "value": values.ravel(),
            "quality": quality.ravel(),
        })

    def iter_chunks(self, start: datetime, end: datetime, chunk: timedelta = timedelta(hours=6),
                    step: timedelta = timedelta(minutes=1)) -> Iterator[pd.DataFrame]:
        """Yield generate() frames of consecutive windows of length chunk covering [start, end)."""
        start, end = utc(start), utc(end)
        if chunk <= timedelta(0):
            from industrialmind.errors import InvalidInputError

            raise InvalidInputError(f"chunk must be positive, got {chunk!r}")
        a = start
        while a < end:
            b = min(a + chunk, end)
            frame = self.generate(a, b, step)
            if len(frame):
                yield frame
            a = b


def _depth(asset_id: str, line_id: str | None, flows, assets) -> int:
    """Hops from the head of the asset's line along process flows inside the line (0 at the head)."""
    members = {a.id for a in assets if a.line_id == line_id}
    incoming = {m: [f.source for f in flows if f.target == m and f.source in members] for m in members}
    heads = [m for m in sorted(members) if not incoming[m]] or sorted(members)[:1]
    depth = {h: 0 for h in heads}
    frontier = list(heads)
    while frontier:
        nxt = []
        for node in frontier:
            for f in flows:
                if f.source == node and f.target in members and f.target not in depth:
                    depth[f.target] = depth[node] + 1
                    nxt.append(f.target)
        frontier = nxt
    return depth.get(asset_id, 0)


def _epoch_s(when: datetime) -> int:
    return int(utc(when).timestamp() // 1)


def _dt(seconds: int) -> datetime:

    return datetime.fromtimestamp(seconds, tz=UTC)


def _rows(t: np.ndarray, ep: Episode) -> tuple[int, int, np.ndarray]:
    """Row range of t inside an episode and the episode's progress r in [0, 1) on those rows."""
    s0 = ep.start.timestamp()
    s1 = ep.end.timestamp()
    i0 = int(np.searchsorted(t, s0, side="left"))
    i1 = int(np.searchsorted(t, s1, side="left"))
    r = (t[i0:i1] - s0) / (s1 - s0)
    return i0, i1, r
