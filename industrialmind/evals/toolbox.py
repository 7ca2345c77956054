"""Stand-in tool results for routing evals: deterministic, shaped like the real tools' results (a `summary` that
quotes numbers with units, plus structured data, or {"error", "valid"}), computed from the arguments and the
asset registry. Routing and groundedness can then be measured without a filled data home.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from industrialmind.errors import did_you_mean


def _num(*parts: Any, lo: float = 0.0, hi: float = 100.0) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return round(lo + (hi - lo) * int.from_bytes(digest[:4], "big") / 2**32, 2)


class FakeToolbox:
    """Executes tool calls against the registry with made-up but stable numbers."""

    def __init__(self, assets: list[Any]) -> None:
        self.assets = {a.id: a for a in assets}

    def __call__(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """The result of one call."""
        for key in ("asset_id", "scope_id"):
            value = args.get(key)
            if value and value not in self.assets and not _is_scope(value, self.assets):
                return {"error": f"unknown asset {value!r}" + did_you_mean(value, list(self.assets)),
                        "valid": sorted(self.assets)[:10], "summary": f"unknown asset {value!r}"}
        handler: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, f"_{name}", self._generic(name))
        return handler(args)

    def _sensors(self, asset_id: str, wanted: list[str] | None) -> list[Any]:
        sensors = list(self.assets[asset_id].sensors)
        if wanted:
            sensors = [s for s in sensors if s.id in wanted] or sensors[:1]
        return sensors

    def _latest_readings(self, args: dict[str, Any]) -> dict[str, Any]:
        a = args["asset_id"]
        rows = [{"sensor": s.id, "value": _num(a, s.id, lo=s.normal_min or 0, hi=s.normal_max or 100), "unit": s.unit}
                for s in self._sensors(a, args.get("sensors"))]
        parts = ", ".join(f"{r['sensor']} {r['value']} {r['unit']}".strip() for r in rows[:6])
        return {"summary": f"{a} latest: {parts}", "asset_id": a, "readings": rows}

    def _sensor_history(self, args: dict[str, Any]) -> dict[str, Any]:
        a, sensor = args["asset_id"], args.get("sensor", "")
        unit = next((s.unit for s in self.assets[a].sensors if s.id == sensor), "")
        lo, hi = _num(a, sensor, "min"), _num(a, sensor, "max", lo=100, hi=200)
        mean = round((lo + hi) / 2, 2)
        return {"summary": f"{a} {sensor} from {args.get('start', '24h')} to {args.get('end', 'now')}: min {lo} {unit}, "
                           f"max {hi} {unit}, mean {mean} {unit}",
                "asset_id": a, "sensor": sensor, "stats": {"min": lo, "max": hi, "mean": mean}}

    def _detect_anomalies(self, args: dict[str, Any]) -> dict[str, Any]:
        scope = args.get("scope_id", "")
        n = int(_num(scope, lo=0, hi=3))
        return {"summary": f"{n} anomalous interval(s) on {scope}", "count": n}

    def _failure_modes(self, args: dict[str, Any]) -> dict[str, Any]:
        what = args.get("asset_id") or args.get("asset_type") or "?"
        modes = [{"name": "Bearing wear", "recommended_action": "check lubrication and bearing condition"},
                 {"name": "Cavitation", "recommended_action": "check suction conditions"}]
        return {"summary": f"2 failure mode(s) for {what}: Bearing wear, Cavitation", "failure_modes": modes,
                "sources": ["fmea"]}

    def _search_documents(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"summary": f"2 passage(s) for {args.get('query', '')!r}: Pump manual p.12; Seal procedure SOP-7",
                "passages": [{"text": "Replace the mechanical seal after isolating the pump.",
                              "citation": "Pump manual p.12"},
                             {"text": "Flush the seal chamber before start-up.", "citation": "Seal procedure SOP-7"}],
                "sources": ["Pump manual p.12", "Seal procedure SOP-7"]}

    def _create_work_order(self, args: dict[str, Any]) -> dict[str, Any]:
        wo = f"WO-{int(_num(args.get('asset_id'), args.get('title'), lo=1000, hi=9999))}"
        return {"summary": f"created work order {wo} for {args.get('asset_id')}: '{args.get('title')}' "
                           f"({args.get('priority', 'medium')} priority)", "work_order_id": wo}

    def _train_model(self, args: dict[str, Any]) -> dict[str, Any]:
        job = f"job-{int(_num(args.get('scope_id'), lo=100, hi=999))}"
        return {"summary": f"started training job {job} for {args.get('scope_id')}", "job_id": job}

    def _generic(self, name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def run(args: dict[str, Any]) -> dict[str, Any]:
            n = int(_num(name, sorted(args.items()), lo=1, hi=9))
            what = args.get("asset_id") or args.get("scope_id") or args.get("topic") or "the plant"
            return {"summary": f"{name.replace('_', ' ')} for {what}: {n} item(s)", "count": n}

        return run


def _is_scope(value: str, assets: dict[str, Any]) -> bool:
    return any(value in (a.line_id, a.site_id) for a in assets.values())
