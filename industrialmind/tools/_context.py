"""What every tool shares: the opened stores (cached per context, never module globals), argument resolution
(asset ids in any spelling, sensor words, times) and the error/result conventions.

A tool never raises for a bad argument or a missing backend: it returns {"error": ..., "valid": [...]}, which the
graph hands back to the model as a ToolMessage so the model can correct itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from industrialmind.domain.vocabulary import match_sensors, resolve_sensor

if TYPE_CHECKING:
    from industrialmind.config import Settings
    from industrialmind.domain.model import Asset, Line, Sensor


class ToolUnavailable(Exception):
    """A backend a tool needs is not installed, not built yet or not reachable; the message says which."""


class ToolArgError(Exception):
    """A tool argument names nothing valid; carries the closest valid choices."""

    def __init__(self, message: str, valid: list[str] | None = None) -> None:
        super().__init__(message)
        self.valid = valid or []


def error(message: str, valid: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """The one shape of a tool's error result: a message naming the bad value, and the valid choices."""
    return {"error": message, "valid": list(valid or []), "summary": message, **extra}


def closest(value: str, choices: list[str], limit: int = 3) -> list[str]:
    """The closest choices to value (rapidfuzz WRatio), best first; empty when nothing is close."""
    from rapidfuzz import fuzz, process, utils

    found = process.extract(value, sorted(set(choices)), scorer=fuzz.WRatio, processor=utils.default_process,
                            limit=limit)
    return [c for c, score, _ in found if score >= 60]


_LOOKALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _key(text: str) -> str:
    """Spelling-insensitive key for ids: 'p101', 'P 101', 'p-101' -> 'P101'."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def fmt(value: float | None, unit: str = "") -> str:
    """A number as people read it in a summary: 3 significant decimals at most, with its unit."""
    if value is None:
        return "n/a"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def parse_duration(text: str) -> timedelta:
    """'15m', '1h', '2 days' -> timedelta (industrialmind.timeutil); ToolArgError naming the accepted forms."""
    from industrialmind.errors import InvalidInputError
    from industrialmind.timeutil import parse_interval

    try:
        return parse_interval(text)
    except InvalidInputError:
        raise ToolArgError(f"cannot read the interval {text!r}", ["30s", "5m", "1h", "1d", "1w"]) from None


def parse_time(text: str | datetime | None, now: datetime, default: datetime | None = None) -> datetime | None:
    """An ISO 8601 time or a relative one ('24h' = 24 hours before now, 'now', 'yesterday') as aware UTC."""
    from industrialmind.errors import InvalidInputError
    from industrialmind.timeutil import parse_when

    if text is None or text == "":
        return default
    try:
        return parse_when(text, now=now)
    except InvalidInputError:
        raise ToolArgError(f"cannot read the time {text!r}",
                           ["ISO 8601 like '2026-11-25T14:00:00Z'", "relative like '24h', '7d'", "'now'",
                            "'yesterday'"]) from None


class ToolContext:
    """The opened stores and the asset registry for one Settings; tools receive it, it is closed with the agent."""

    def __init__(self, settings: Settings, now: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self._now = now
        self._records: Any = None
        self._timeseries: Any = None
        self._graph: Any = None
        self._assets: list[Asset] | None = None
        self._lines: list[Line] | None = None
        # set by the graph's act node to the tool call id, so actions are idempotent per call
        self.current_call_id: str | None = None
        # one tool at a time per context: front ends run turns in worker threads, and the cached store
        # connections (DuckDB, SQLite, Ladybug) are not safe to share between threads at once
        import threading

        self.lock = threading.RLock()

    def now(self) -> datetime:
        """The reference 'now' of relative times (overridable in tests and replays)."""
        return self._now() if self._now else datetime.now(UTC)

    # --- stores, opened lazily and cached -------------------------------------------------------------------
    def records(self) -> Any:
        """The records store (asset registry, work orders, events, jobs)."""
        if self._records is None:
            from industrialmind.stores.records import open_records

            self._records = open_records(self.settings.resolved.records)
        return self._records

    def timeseries(self) -> Any:
        """The time-series store."""
        if self._timeseries is None:
            from industrialmind.stores.timeseries import open_timeseries

            self._timeseries = open_timeseries(self.settings.resolved.timeseries,
                                               token=self.settings.influx_token)
        return self._timeseries

    def graph(self) -> Any:
        """The knowledge-graph store (read-only use)."""
        if self._graph is None:
            from industrialmind.stores.graph import open_settings_graph

            self._graph = open_settings_graph(self.settings, read_only=True)
        return self._graph

    def close(self) -> None:
        """Close every store this context opened."""
        for store in (self._records, self._timeseries, self._graph):
            close = getattr(store, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass
        self._records = self._timeseries = self._graph = None

    # --- the asset registry --------------------------------------------------------------------------------
    def assets(self) -> list[Asset]:
        """Every known asset: the records store's registry, else the demo plant's model."""
        if self._assets is None:
            assets: list = list(self.records().list_assets())
            if not assets:
                from industrialmind.plant.demo import demo_plant

                plant = demo_plant()
                assets, self._lines = list(plant.assets), list(plant.lines)
            self._assets = [a if hasattr(a, "sensors") else _as_asset(a) for a in assets]
        return self._assets

    def lines(self) -> list[Line]:
        """Known lines (from the records store when it has them, else the demo plant)."""
        if self._lines is None:
            lines: list = list(self.records().list_lines())
            if not lines:
                from industrialmind.plant.demo import demo_plant

                lines = list(demo_plant().lines)
            self._lines = lines
        return self._lines

    def asset(self, asset_id: str) -> Asset:
        """Resolve an asset by id in any spelling, name or alias; ToolArgError names the closest ids."""
        assets = self.assets()
        text = str(asset_id or "").strip()
        key = _key(text)
        for a in assets:
            if a.id == text:
                return a
        for a in assets:
            if _key(a.id) == key or a.name.lower() == text.lower() or text.lower() in (x.lower() for x in a.aliases):
                return a
        ids = [a.id for a in assets]
        # letters people type for digits ('P-1O1', 'P-l01') rank first; then spelling distance, then names
        lookalike = [i for i in ids if _key(i) == key.translate(_LOOKALIKE)]
        near = lookalike + [n for n in closest(text, ids) if n not in lookalike]
        if not near:
            by_name = closest(text, [a.name for a in assets])
            near = [a.id for a in assets if a.name in by_name]
        near = near[:3]
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ToolArgError(f"unknown asset {text!r}{hint}", near or ids[:10])

    def scope(self, scope_id: str) -> tuple[str, str, list[Asset]]:
        """Resolve an asset, line or site id to (kind, canonical id, its assets)."""
        text = str(scope_id or "").strip()
        assets = self.assets()
        sites = sorted({a.site_id for a in assets})
        for s in sites:
            if _key(s) == _key(text):
                return "site", s, [a for a in assets if a.site_id == s]
        for line in self.lines():
            names = [line.id, line.name, *getattr(line, "aliases", [])]
            if any(_key(n) == _key(text) or n.lower() == text.lower() for n in names):
                return "line", line.id, [a for a in assets if a.line_id == line.id]
        try:
            a = self.asset(text)
            return "asset", a.id, [a]
        except ToolArgError:
            choices = [a.id for a in assets] + [line.id for line in self.lines()] + sites
            near = closest(text, choices)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ToolArgError(f"unknown asset, line or site {text!r}{hint}", near or choices[:10]) from None

    def sensors(self, asset: Asset, words: list[str] | str | None) -> list[Sensor]:
        """Resolve sensor ids or words ('temp', 'vib', 'amps') on an asset; ToolArgError names its sensors."""
        if words is None or words == [] or words == "":
            return list(asset.sensors)
        if isinstance(words, str):
            words = [w for w in re.split(r"\s*,\s*", words) if w]
        found: list = []
        for word in words:
            for s in match_sensors(asset, word):
                if s not in found:
                    found.append(s)
        return found

    def sensor(self, asset: Asset, word: str) -> Sensor:
        """The one sensor of an asset a word means, by the linker the planner shares (`domain.vocabulary.
        resolve_sensor`: 'P-101 vibration' is vibration_de, the drive end); ToolArgError naming the asset's
        sensors when nothing is close."""
        found = resolve_sensor(asset, word)
        if found is not None:
            return found
        ids = [s.id for s in asset.sensors]
        near = closest(word, ids)
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise ToolArgError(f"asset {asset.id!r} has no sensor {word!r}{hint}", near or ids)

    def request_id(self, *parts: Any) -> str:
        """An idempotency key for an action: the tool call id when the graph runs it, else a content hash."""
        if self.current_call_id:
            return self.current_call_id
        return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _as_asset(row: Any) -> Asset:
    from industrialmind.domain.model import Asset

    return Asset.model_validate(row)
