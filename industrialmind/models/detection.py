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
                     end: datetime | None = None, asset_ids: set[str] | None = None) -> dict[str, Any]:
    """Check an asset, line or site: each asset with its promoted model, else against its sensors' normal ranges.

    Returns {"summary", "scope", "start", "end", "anomalies": [{asset_id, start, end, score, peak_score, threshold,
    top_sensors: [{sensor, contribution}], method: "model"|"limits", ...}], "assets": {asset_id: {"method", ...}},
    "unscored": {asset_id: why it has no model}, "unchecked": {asset_id: why it was not checked at all}}.
    An asset without a promoted model (or whose model no longer fits its sensors) gets the limit check of
    `industrialmind.models.limits` (sustained out-of-range readings, stuck sensors, data gaps). A single asset with
    neither a model nor readings in range raises ModelError saying how to train one. asset_ids, when given, keeps
    only those assets of the scope (the pumps of a line), so the others are neither read nor scored.
    """
    from industrialmind.models.limits import check_limits
    from industrialmind.models.registry import fetch_bundle, promoted_version
    from industrialmind.models.scoring import Scorer
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries

    end = _utc(end) or datetime.now(UTC)
    start = _utc(start) or end - DEFAULT_LOOKBACK
    if end <= start:
        raise InvalidInputError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    records = open_records(settings.resolved.records)
    store = open_timeseries(settings.resolved.timeseries, token=settings.influx_token)
    try:
        kind, assets = resolve_scope(records, scope_id)
        if asset_ids is not None:
            assets = [a for a in assets if a.id in asset_ids]
        anomalies: list[dict[str, Any]] = []
        per_asset: dict[str, Any] = {}
        unscored: dict[str, str] = {}
        fallback: list[tuple[Any, str]] = []
        for asset in assets:
            promoted = None
            try:
                promoted = promoted_version(settings, asset.id)
                if promoted is None:
                    raise ModelError(f"no promoted model for asset {asset.id!r} (train one with "
                                     f"`industrialmind train --asset {asset.id}`)")
                scorer = _cached_scorer(fetch_bundle(settings, asset.id), Scorer)
                # the registry's asset may have lost or renamed sensors since training: say so, not NaN scores
                scorer.check_sensors([s.id for s in asset.sensors], asset.id)
                period = float(scorer.meta.get("period_s") or 60.0)
                warmup = timedelta(seconds=period * (scorer.window + int(scorer.meta.get("smooth", 1))))
                frame = read_asset(store, asset.id, scorer.sensors, start - warmup, end, period)
                found = detect_frame(scorer, frame, asset.id, since=start)
            except ModelError as exc:
                if kind == "asset" and promoted is not None:
                    raise  # a model that no longer fits its asset is worth an error, not a quiet fallback
                unscored[asset.id] = str(exc)
                fallback.append((asset, str(exc)))
                continue
            except InvalidInputError as exc:
                if kind == "asset":
                    raise
                unscored[asset.id] = str(exc)
                fallback.append((asset, str(exc)))
                continue
            for item in found:
                item["method"] = "model"
            per_asset[asset.id] = {"method": "model", "version": promoted["version"], "kind": scorer.meta["kind"],
                                   "threshold": scorer.threshold, "intervals": len(found)}
            anomalies.extend(found)
        unchecked = _limit_fallback(store, fallback, start, end, kind, check_limits, per_asset, anomalies)
    finally:
        _close(store)
        _close(records)
    anomalies.sort(key=lambda a: -(a["score"] / (a.get("threshold") or 1.0)))
    summary = _summary(kind, scope_id, start, end, anomalies, per_asset, unchecked)
    return {"summary": summary, "scope": {"kind": kind, "id": scope_id}, "start": start, "end": end,
            "anomalies": anomalies, "assets": per_asset, "unscored": unscored, "unchecked": unchecked}


def _limit_fallback(store, fallback: list, start: datetime, end: datetime, kind: str, check_limits,
                    per_asset: dict[str, Any], anomalies: list) -> dict[str, str]:
    """Run the limit check on the assets without a usable model; returns {asset_id: why it was not checked}."""
    unchecked: dict[str, str] = {}
    frames = {}
    for asset, why in fallback:
        sensors = [s.id for s in asset.sensors]
        if not sensors:
            unchecked[asset.id] = "no sensors"
            continue
        period = min((s.sample_period_s for s in asset.sensors), default=60.0)
        try:
            frames[asset.id] = read_asset(store, asset.id, sensors, start, end, period)
        except InvalidInputError:
            unchecked[asset.id] = f"no data between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC"
            if kind == "asset":
                raise ModelError(f"{why}; and no readings between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC "
                                 "to check against its normal ranges") from None
    # a feed that stopped early shows as a trailing gap only against the latest reading of the scope, so a
    # demo history that ends an hour ago is not a dropout on every asset
    latest = max((f.index[-1].to_pydatetime() for f in frames.values()), default=None)
    for asset, _why in fallback:
        frame = frames.get(asset.id)
        if frame is None:
            continue
        result = check_limits(frame, asset.sensors, asset.id, since=start, until=latest)
        if not result["checked"]:
            unchecked[asset.id] = ("no normal range on any sensor" if result["no_range"] else
                                   "no readings from any sensor with a normal range")
            # flat lines and gaps were still looked for; keep what they found
        else:
            per_asset[asset.id] = {"method": "limits", "sensors_checked": result["checked"],
                                   "no_range": result["no_range"], "no_data": result["no_data"],
                                   "intervals": len(result["intervals"])}
        anomalies.extend(result["intervals"])
    return unchecked


def _summary(kind: str, scope_id: str, start: datetime, end: datetime, anomalies: list, per_asset: dict,
             unchecked: dict[str, str]) -> str:
    """One paragraph: what was found, by which method, and which assets were not checked and why."""
    span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    by_model = sum(1 for v in per_asset.values() if v["method"] == "model")
    by_limits = len(per_asset) - by_model
    how = f"{len(per_asset)} asset(s) of {kind} {scope_id} checked ({by_model} by model, {by_limits} by normal-range " \
          f"limits) from {span}"
    if anomalies:
        assets = []
        for a in anomalies:
            if a["asset_id"] not in assets:
                assets.append(a["asset_id"])
        parts = []
        for a in anomalies[:3]:
            if a.get("method") == "limits":
                parts.append(f"{a['asset_id']}: {a['detail']}")
            else:
                sensors = ", ".join(s["sensor"] for s in a["top_sensors"][:2])
                parts.append(f"{a['asset_id']}: model score {a['score']:.2f} (threshold {a['threshold']:.2f}) "
                             f"driven by {sensors}")
        summary = (f"{len(anomalies)} anomalous interval(s) on {len(assets)} asset(s) ({', '.join(assets[:8])}"
                   f"{', ...' if len(assets) > 8 else ''}); {how}. Strongest: " + "; ".join(parts))
    else:
        summary = f"no anomalies found; {how}"
    if unchecked:
        reasons: dict[str, list[str]] = {}
        for asset_id, why in unchecked.items():
            reasons.setdefault(why, []).append(asset_id)
        summary += ". Not checked: " + "; ".join(f"{', '.join(ids)} ({why})" for why, ids in reasons.items())
    return summary


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

    import csv
    import io

    from industrialmind.plant.importers.csv_import import read_text

    path = Path(path)
    text = read_text(path)  # clear errors for a missing, empty, binary or non-UTF-8 file, or a folder
    try:
        df = pd.read_csv(io.StringIO(text), sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InvalidInputError(f"cannot read {str(path)!r} as CSV ({exc}): expected a header row, then rows "
                                "separated by ',', ';' or tab") from None
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


CSV_MODELS = ("sensor_z", "pca", "conv_ae", "lstm_ae")


def detect_csv(path: Path, timestamp_col: str | None = None, train_rows: int | None = None,
               train_until: datetime | None = None, model: str = "sensor_z",
               work_dir: Path | None = None) -> dict[str, Any]:
    """Fit on the leading normal part of a CSV (default: its first 20 %) and return the anomalous intervals.

    sensor_z (the default: best of the project's models on SKAB's real recordings, NumPy only) looks at each series
    on its own; pca, conv_ae and lstm_ae model the series jointly (the latter two train a network with torch).
    """
    import tempfile

    from industrialmind.models.scoring import Scorer
    from industrialmind.models.training import ModelConfig, fit_bundle

    if model not in CSV_MODELS:
        hint = did_you_mean(model, CSV_MODELS)
        raise InvalidInputError(f"unknown model {model!r} for --csv" + (hint if "did you mean" in hint else "")
                                + f"; valid: {', '.join(CSV_MODELS)}")
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
    if model == "sensor_z":
        found = _detect_sensor_z(frame, n_train)
    else:
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


def _detect_sensor_z(frame: pd.DataFrame, n_train: int) -> list[dict[str, Any]]:
    from industrialmind.models.scoring import Scored, describe_intervals
    from industrialmind.models.zscore import SensorZConfig, fit_score

    cfg = SensorZConfig()
    z = fit_score(frame.to_numpy(np.float64), cfg, n_train)
    scored = Scored(z.score, z.contributions(frame.shape[1]), z.threshold, list(frame.columns))
    return describe_intervals(frame.index, scored, off_ratio=cfg.off_ratio)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _close(obj) -> None:
    close = getattr(obj, "close", None)
    if callable(close):
        close()
