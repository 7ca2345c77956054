"""Batch anomaly detection with the promoted models (ONNX Runtime only: this module never imports torch).

`detect_anomalies(settings, scope_id, start, end)` scores an asset, a line or a whole site from the time-series
store; `detect_frame` scores any wide frame with a bundle; `detect_csv` fits the PCA baseline (NumPy) on the
leading normal part of a user's CSV and scores the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from industrialmind.errors import InvalidInputError, ModelError, NotFoundError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from industrialmind.models.scoring import Scorer

DEFAULT_LOOKBACK = timedelta(hours=24)


def resolve_scope(records, scope_id: str) -> tuple[str, list]:
    """('asset'|'line'|'site', assets) for an asset, line or site id; NotFoundError naming close ids otherwise."""
    assets = list(records.list_assets())
    by_id = {a.id: a for a in assets}
    if scope_id in by_id:
        return "asset", [by_id[scope_id]]
    on_line = [a for a in assets if a.line_id == scope_id]
    if on_line:
        return "line", on_line
    on_site = [a for a in assets if a.site_id == scope_id]
    if on_site:
        return "site", on_site
    choices = list(by_id) + sorted({a.line_id for a in assets if a.line_id}) + sorted({a.site_id for a in assets})
    raise NotFoundError(f"unknown asset, line or site {scope_id!r}" + did_you_mean(scope_id, choices))


def period_of(index: pd.DatetimeIndex, default_s: float = 60.0) -> float:
    """Median sample period of a time index in seconds."""
    if len(index) < 2:
        return default_s
    d = np.diff(index.as_unit("ns").asi8) / 1e9
    d = d[d > 0]
    return float(np.median(d)) if len(d) else default_s


def read_asset(store, asset_id: str, sensors: list[str], start: datetime, end: datetime,
               period_s: float | None) -> pd.DataFrame:
    """A wide frame (ts index, one column per sensor, NaN for gaps) of an asset's sensors from the store."""
    from industrialmind.models.windows import wide_frame

    long = store.range(asset_id, sensors, start, end)
    if long is None or len(long) == 0:
        raise InvalidInputError(f"no data for asset {asset_id!r} between {start.isoformat()} and {end.isoformat()}")
    return wide_frame(long, sensors, period_s)


def detect_frame(scorer: Scorer, frame: pd.DataFrame, asset_id: str = "",
                 since: datetime | None = None) -> list[dict[str, Any]]:
    """Anomalous intervals of a wide frame scored with a bundle (intervals that end before `since` are dropped)."""
    from industrialmind.models.scoring import describe_intervals

    scorer.check_sensors(list(frame.columns), asset_id)
    values = frame[scorer.sensors].to_numpy(np.float32)
    scored = scorer.score(values)
    found = describe_intervals(frame.index, scored, off_ratio=float(scorer.meta.get("off_ratio", 0.8)))
    out = []
    for item in found:
        if since is not None and isinstance(item["end"], datetime) and item["end"] < since:
            continue
        out.append({"asset_id": asset_id, **item, "score": item["peak_score"]} if asset_id else item)
    return out


def detect_anomalies(settings, scope_id: str, start: datetime | None = None,
                     end: datetime | None = None) -> dict[str, Any]:
    """Score an asset, line or site with each asset's promoted model; intervals per asset and a one-line summary.

    Returns {"summary", "scope", "start", "end", "anomalies": [{asset_id, start, end, score, peak_score, threshold,
    top_sensors: [{sensor, contribution}]}], "assets": {asset_id: {"version", "intervals"}}, "unscored":
    {asset_id: reason}}. Assets without a promoted model are listed in "unscored", not an error, unless the scope
    is a single asset.
    """
    from industrialmind.models.registry import fetch_bundle, promoted_version
    from industrialmind.models.scoring import Scorer
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    end = _utc(end) or datetime.now(UTC)
    start = _utc(start) or end - DEFAULT_LOOKBACK
    if end <= start:
        raise InvalidInputError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    records = open_records(settings.resolved.records)
    store = open_timeseries(settings.resolved.timeseries)
    try:
        kind, assets = resolve_scope(records, scope_id)
        anomalies: list[dict[str, Any]] = []
        per_asset: dict[str, Any] = {}
        unscored: dict[str, str] = {}
        for asset in assets:
            try:
                promoted = promoted_version(settings, asset.id)
                if promoted is None:
                    raise ModelError(f"no promoted model (train one with `industrialmind train --asset {asset.id}`)")
                scorer = _cached_scorer(fetch_bundle(settings, asset.id), Scorer)
                # the registry's asset may have lost or renamed sensors since training: say so, not NaN scores
                scorer.check_sensors([s.id for s in asset.sensors], asset.id)
                period = float(scorer.meta.get("period_s") or 60.0)
                warmup = timedelta(seconds=period * (scorer.window + int(scorer.meta.get("smooth", 1))))
                frame = read_asset(store, asset.id, scorer.sensors, start - warmup, end, period)
                found = detect_frame(scorer, frame, asset.id, since=start)
            except (ModelError, InvalidInputError) as exc:
                if kind == "asset":
                    raise
                unscored[asset.id] = str(exc)
                continue
            per_asset[asset.id] = {"version": promoted["version"], "kind": scorer.meta["kind"],
                                   "threshold": scorer.threshold, "intervals": len(found)}
            anomalies.extend(found)
    finally:
        _close(store)
        _close(records)
    anomalies.sort(key=lambda a: -a["score"])
    span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    if anomalies:
        top = anomalies[0]
        sensors = ", ".join(s["sensor"] for s in top["top_sensors"][:2])
        summary = (f"{len(anomalies)} anomalous interval(s) on {len({a['asset_id'] for a in anomalies})} of "
                   f"{len(per_asset)} scored asset(s) of {kind} {scope_id} from {span}; strongest: "
                   f"{top['asset_id']} score {top['score']:.2f} (threshold {top['threshold']:.2f}) driven by {sensors}")
    else:
        summary = f"no anomalies on {len(per_asset)} scored asset(s) of {kind} {scope_id} from {span}"
    if unscored:
        summary += f" ({len(unscored)} asset(s) without a model)"
    return {"summary": summary, "scope": {"kind": kind, "id": scope_id}, "start": start, "end": end,
            "anomalies": anomalies, "assets": per_asset, "unscored": unscored}


_SCORERS: dict[str, Any] = {}


def _cached_scorer(path: Path, scorer_cls):
    # keyed by the versioned folder, so a newly promoted version is loaded on the next call
    key = str(path)
    if key not in _SCORERS:
        _SCORERS[key] = scorer_cls.load(path)
    return _SCORERS[key]


def read_csv(path: Path, timestamp_col: str | None = None) -> pd.DataFrame:
    """Read a user's CSV (',' or ';') into a numeric wide frame indexed by time (or by row number)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"no such CSV file {str(path)!r}")
    try:
        df = pd.read_csv(path, sep=None, engine="python")
    except Exception as exc:
        raise InvalidInputError(f"cannot read {str(path)!r} as CSV: {exc}") from None
    if timestamp_col is None:
        for cand in df.columns:
            if str(cand).lower() in ("ts", "time", "timestamp", "datetime", "date"):
                timestamp_col = cand
                break
    if timestamp_col is not None:
        if timestamp_col not in df.columns:
            raise InvalidInputError(f"no column {timestamp_col!r} in {path.name}" + did_you_mean(timestamp_col,
                                                                                                [str(c) for c in df.columns]))
        df.index = pd.to_datetime(df.pop(timestamp_col), utc=True, errors="coerce")
        df = df[df.index.notna()]
    numeric = df.apply(pd.to_numeric, errors="coerce")
    numeric = numeric.loc[:, numeric.notna().any()]
    # SKAB-style label columns are answers, not inputs
    numeric = numeric.drop(columns=[c for c in numeric.columns if str(c).lower() in ("anomaly", "changepoint",
                                                                                        "label", "labels")])
    if numeric.shape[1] == 0:
        raise InvalidInputError(f"{path.name} has no numeric columns to score")
    numeric.columns = [str(c) for c in numeric.columns]
    return numeric


def detect_csv(path: Path, timestamp_col: str | None = None, train_rows: int | None = None,
               train_until: datetime | None = None, model: str = "pca", work_dir: Path | None = None) -> dict[str, Any]:
    """Fit on the leading normal part of a CSV (default: its first 20 %) and return the anomalous intervals."""
    import tempfile

    from industrialmind.models.scoring import Scorer
    from industrialmind.models.training import ModelConfig, fit_bundle

    frame = read_csv(path, timestamp_col)
    import pandas as pd

    if train_until is not None:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise InvalidInputError("--train-until needs a timestamp column; use --train-rows instead")
        n_train = int((frame.index < _utc(train_until)).sum())
    else:
        n_train = train_rows if train_rows is not None else max(len(frame) // 5, 1)
    if n_train < 20 or n_train >= len(frame):
        raise InvalidInputError(f"need at least 20 training rows and some rows left to score; got {n_train} of "
                                f"{len(frame)} (set --train-rows or --train-until)")
    window = 1 if model == "pca" else min(32, max(8, n_train // 10))
    cfg = ModelConfig(kind=model, window=window, epochs=20)
    with tempfile.TemporaryDirectory(prefix="im-csv-", dir=work_dir) as tmp:
        fit_bundle(frame.iloc[:n_train].to_numpy(np.float32), list(frame.columns), Path(tmp), cfg)
        scorer = Scorer.load(Path(tmp))
        found = detect_frame(scorer, frame)
    summary = (f"{len(found)} anomalous interval(s) in {Path(path).name} ({len(frame)} rows, {frame.shape[1]} "
               f"series; fitted on the first {n_train} rows with {model})")
    return {"summary": summary, "file": str(path), "rows": len(frame), "train_rows": n_train,
            "sensors": list(frame.columns), "model": model, "intervals": found}


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _close(obj) -> None:
    close = getattr(obj, "close", None)
    if callable(close):
        close()
