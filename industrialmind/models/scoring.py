"""Scoring with ONNX Runtime only (never torch): load a model bundle, score a series, find anomalous intervals.

A model bundle is a folder: meta.json (kind, sensors, window, normaliser, threshold rule) plus model.onnx for the
autoencoders or pca.npz for the PCA baseline. Scores are causal: the score at step t uses the window ending at t,
smoothed by a trailing mean over `smooth` steps; an interval opens when the score crosses the threshold and closes
when it falls below `off_ratio` x threshold (hysteresis), so one fault gives one interval, not many.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from industrialmind.errors import ModelError, did_you_mean
from industrialmind.models.windows import Normaliser, make_windows

META = "meta.json"
ONNX_FILE = "model.onnx"
PCA_FILE = "pca.npz"
BATCH = 1024


def smooth_trailing(scores: np.ndarray, span: int) -> np.ndarray:
    """Causal trailing mean over `span` steps (NaNs ignored); span 1 returns the input."""
    if span <= 1:
        return scores
    finite = np.isfinite(scores)
    vals = np.where(finite, scores, 0.0)
    csum = np.concatenate([[0.0], np.cumsum(vals)])
    ccnt = np.concatenate([[0], np.cumsum(finite)])
    idx = np.arange(1, len(scores) + 1)
    lo = np.maximum(idx - span, 0)
    cnt = ccnt[idx] - ccnt[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (csum[idx] - csum[lo]) / cnt
    return np.where(cnt > 0, out, np.nan)


@dataclass
class Scored:
    """Per-step scores (time,) with NaN before the first full window, and per-sensor contributions (time, sensors)."""

    scores: np.ndarray
    contributions: np.ndarray
    threshold: float
    sensors: list[str]


@dataclass
class Scorer:
    """A loaded model bundle that scores (time, sensors) arrays with ONNX Runtime or NumPy."""

    path: Path
    meta: dict[str, Any]
    normaliser: Normaliser
    _session: Any = field(default=None, repr=False)
    _pca: Any = field(default=None, repr=False)

    @classmethod
    def load(cls, path: str | Path, threads: int = 2) -> Scorer:
        """Open a bundle folder; a missing folder, missing file or corrupt model raises ModelError."""
        path = Path(path)
        meta_file = path / META
        if not meta_file.is_file():
            raise ModelError(f"no anomaly model at {str(path)!r} ({META} is missing); train one with `industrialmind train`")
        try:
            meta = json.loads(meta_file.read_text())
            normaliser = Normaliser.from_dict(meta["normaliser"])
        except (ValueError, KeyError) as exc:
            raise ModelError(f"model metadata {str(meta_file)!r} is corrupt: {exc}") from None
        scorer = cls(path, meta, normaliser)
        if meta["kind"] == "pca":
            from industrialmind.models.pca import PCAModel

            scorer._pca = PCAModel.load(path / PCA_FILE)
        else:
            scorer._session = open_session(path / ONNX_FILE, threads)
        return scorer

    @property
    def sensors(self) -> list[str]:
        """Sensor ids the model was trained on, in input order."""
        return self.normaliser.sensors

    @property
    def window(self) -> int:
        """Window length in steps (1 for PCA)."""
        return int(self.meta["window"])

    @property
    def threshold(self) -> float:
        """Alarm threshold on the smoothed score."""
        return float(self.meta["threshold"])

    def check_sensors(self, available: list[str], asset_id: str = "") -> None:
        """Raise ModelError when the data lacks sensors the model was trained on (the asset changed since)."""
        missing = [s for s in self.sensors if s not in set(available)]
        if missing:
            who = f"asset {asset_id!r}" if asset_id else "the data"
            hint = did_you_mean(missing[0], available) if available else ""
            raise ModelError(f"the model was trained on sensor(s) {missing!r} that {who} no longer has"
                             f"{hint}; retrain it with `industrialmind train`")

    def window_errors(self, windows: np.ndarray) -> np.ndarray:
        """Per-sensor reconstruction error (n, sensors) of already-normalised (n, sensors, window) windows, in batches."""
        out = []
        name = self._session.get_inputs()[0].name
        legacy = int(self.meta.get("format", 1)) < 2  # format 1 networks take (n, window, sensors)
        for i in range(0, len(windows), BATCH):
            batch = windows[i:i + BATCH]
            batch = np.ascontiguousarray(batch.transpose(0, 2, 1) if legacy else batch, dtype=np.float32)
            out.append(self._session.run(None, {name: batch})[0])
        return np.concatenate(out) if out else np.zeros((0, len(self.sensors)), np.float32)

    def raw(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unsmoothed per-step scores and contributions of a raw (time, sensors) array in the model's sensor order."""
        z = self.normaliser.transform(values)
        n = len(z)
        if self._pca is not None:
            score, contrib = self._pca.score(z)
            return score.astype(np.float64), contrib
        scores = np.full(n, np.nan)
        contrib = np.full((n, len(self.sensors)), np.nan)
        if n >= self.window:
            err = self.window_errors(make_windows(z, self.window))
            scores[self.window - 1:] = err.sum(axis=1)
            contrib[self.window - 1:] = err
        return scores, contrib

    def score(self, values: np.ndarray) -> Scored:
        """Smoothed per-step scores of a raw (time, sensors) array; NaN/inf readings are taken as the training mean."""
        values = np.asarray(values, dtype=np.float32)
        scores, contrib = self.raw(values)
        span = int(self.meta.get("smooth", 1))
        return Scored(smooth_trailing(scores, span), contrib, self.threshold, self.sensors)


def open_session(onnx_path: Path, threads: int = 2):
    """An ONNX Runtime session on the CPU; a missing or corrupt file raises ModelError."""
    import onnxruntime as ort

    if not onnx_path.is_file():
        raise ModelError(f"ONNX model file {str(onnx_path)!r} is missing; retrain or re-register the model")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # ORT_ENABLE_ALL (the default, stated so nobody lowers it) includes the NCHWc layout transformer that makes the
    # conv autoencoder's 2-D convolutions ~2x faster than ORT_ENABLE_EXTENDED on x86
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        raise ModelError(f"ONNX model file {str(onnx_path)!r} is corrupt or unreadable: {exc}") from None


def find_intervals(flags_or_scores: np.ndarray, threshold: float, off_ratio: float = 0.8,
                   min_steps: int = 1, merge_gap: int = 0) -> list[tuple[int, int]]:
    """Index ranges [start, end] (inclusive) where the score is high, with hysteresis.

    An interval opens when score > threshold and closes at the first step where score < off_ratio x threshold;
    NaN steps (warm-up) keep the state. Intervals closer than merge_gap steps are merged; shorter than min_steps
    dropped.
    """
    scores = np.asarray(flags_or_scores, dtype=np.float64)
    off = threshold * off_ratio
    spans: list[list[int]] = []
    active = False
    for i, s in enumerate(scores):
        if not np.isfinite(s):
            if active:
                spans[-1][1] = i
            continue
        if not active and s > threshold:
            active = True
            spans.append([i, i])
        elif active:
            if s < off:
                active = False
            else:
                spans[-1][1] = i
    merged: list[list[int]] = []
    for span in spans:
        if merged and span[0] - merged[-1][1] - 1 <= merge_gap:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [(a, b) for a, b in merged if b - a + 1 >= min_steps]


def describe_intervals(timestamps: Any, scored: Scored, top: int = 3, off_ratio: float = 0.8,
                       min_steps: int = 1, merge_gap: int = 0) -> list[dict[str, Any]]:
    """Anomalous intervals as dicts: start, end, peak_score, threshold, top_sensors [{sensor, contribution}].

    start and end are UTC datetimes for a time index, row positions (int) for any other index.
    """
    import pandas as pd

    index = pd.Index(timestamps)
    ts = index.tz_convert("UTC") if isinstance(index, pd.DatetimeIndex) and index.tz else \
        index.tz_localize("UTC") if isinstance(index, pd.DatetimeIndex) else None
    out = []
    for a, b in find_intervals(scored.scores, scored.threshold, off_ratio, min_steps, merge_gap):
        seg = scored.scores[a:b + 1]
        contrib = np.nan_to_num(scored.contributions[a:b + 1]).sum(axis=0)
        total = float(contrib.sum()) or 1.0
        order = np.argsort(-contrib)[:top]
        out.append({
            "start": ts[a].to_pydatetime() if ts is not None else int(a),
            "end": ts[b].to_pydatetime() if ts is not None else int(b),
            "peak_score": round(float(np.nanmax(seg)), 4),
            "threshold": round(float(scored.threshold), 4),
            "top_sensors": [{"sensor": scored.sensors[j], "contribution": round(float(contrib[j]) / total, 3)}
                            for j in order],
        })
    return out


def flags_from_intervals(n: int, intervals: list[tuple[int, int]]) -> np.ndarray:
    """A 0/1 array of length n marking the steps inside the intervals."""
    flags = np.zeros(n, dtype=np.int8)
    for a, b in intervals:
        flags[a:b + 1] = 1
    return flags
