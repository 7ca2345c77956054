"""The 'sensor_z' model: per-sensor z-scores, centred smoothing, the worst sensor over its own limit (NumPy only).

A batch model with nothing to train beyond means, spreads and quantiles, so it fits any series in milliseconds and
needs no torch. It is the best of the project's models on SKAB (see docs/models.md and docs/benchmarks.md), and what
`industrialmind detect --csv` uses by default. Its smoothing is centred (it looks `smooth // 2` rows ahead), which
suits a recorded series; the streaming scorer uses the causal ONNX models instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SensorZConfig:
    """Settings of the sensor_z model (chosen on SKAB's valve1/ files only; see docs/models.md).

    The levels of sensors trending with time in the training rows (|r| >= drop_trending) are dropped. Slow sensors
    (lag-1 autocorrelation of the training rows >= slow_lag1: the thermal channels, whose level drifts beyond any
    range a short training span can show) enter as their rate of change (first difference, centred mean over
    slow_diff_span rows) instead of their level, trending or not. Each feature is standardised with its training
    mean/std, its |z| smoothed by a centred mean over `smooth` rows and divided by its own training `quantile`;
    the row score is the maximum over features. Threshold: margin x the training quantile of that score; an
    interval closes below off_ratio x threshold and is then held for `hold` more rows (an alarm off-delay, used by
    the SKAB benchmark only: SKAB's labels end some seconds after the signal recovers).
    """

    smooth: int = 25
    quantile: float = 0.99
    margin: float = 2.5
    off_ratio: float = 0.8
    drop_trending: float | None = 0.5
    slow_lag1: float | None = 0.9
    slow_diff_span: int = 30
    hold: int = 20
    kind: str = "sensor_z"


@dataclass
class ZScored:
    """What sensor_z gives a series: the row score, its threshold, and each feature's share of it.

    features: (time, n_features) smoothed |z| over the feature's own training limit; feature_sensor maps each
    feature to the column it came from (a slow sensor's feature is its rate); kept: columns whose level or rate
    is used (a trending, fast column is dropped).
    """

    score: np.ndarray
    threshold: float
    features: np.ndarray
    feature_sensor: list[int]
    kept: list[int]

    def contributions(self, n_sensors: int) -> np.ndarray:
        """(time, n_sensors): each column's worst feature (0 for a dropped column)."""
        out = np.zeros((len(self.score), n_sensors))
        for k, j in enumerate(self.feature_sensor):
            out[:, j] = np.maximum(out[:, j], np.nan_to_num(self.features[:, k]))
        return out


def smooth_centred(values: np.ndarray, span: int) -> np.ndarray:
    """Centred moving mean along axis 0 over `span` rows (shifted inwards at the edges), NaNs ignored."""
    values = np.asarray(values, dtype=np.float64)
    if span <= 1:
        return values
    squeeze = values.ndim == 1
    v = values[:, None] if squeeze else values
    finite = np.isfinite(v)
    csum = np.concatenate([np.zeros((1, v.shape[1])), np.cumsum(np.where(finite, v, 0.0), axis=0)])
    ccnt = np.concatenate([np.zeros((1, v.shape[1])), np.cumsum(finite, axis=0)])
    # the window keeps its full length at the edges (shifted inwards, not cut), so an edge row's mean is no noisier
    # than any other's and the file's last rows do not alarm on noise
    span = min(span, len(v))
    lo = np.clip(np.arange(len(v)) - (span - 1) // 2, 0, len(v) - span)
    hi = lo + span
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (csum[hi] - csum[lo]) / (ccnt[hi] - ccnt[lo])
    return out[:, 0] if squeeze else out


def lag1_autocorrelation(values: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each column (0 for a constant or too-short column); NaN rows are ignored."""
    values = np.asarray(values, dtype=np.float64)
    out = np.zeros(values.shape[1])
    for j in range(values.shape[1]):
        a, b = values[:-1, j], values[1:, j]
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() >= 3 and np.std(a[ok]) > 0 and np.std(b[ok]) > 0:
            out[j] = float(np.corrcoef(a[ok], b[ok])[0, 1])
    return out


def fit_score(values: np.ndarray, cfg: SensorZConfig, train_rows: int) -> ZScored:
    """Fit sensor_z on the leading train_rows of a (time, sensors) array and score every row."""
    from industrialmind.models.training import trend_free
    from industrialmind.models.windows import Normaliser

    values = np.asarray(values, dtype=np.float64)
    keep = list(range(values.shape[1]))
    if cfg.drop_trending is not None:
        keep = trend_free(values[:train_rows], cfg.drop_trending)
    # a slow sensor enters as its rate even when its level trends (and was dropped above): the rate of a warming
    # tank is steady where its level is not
    slow = [j for j, r in enumerate(lag1_autocorrelation(values[:train_rows]))
            if cfg.slow_lag1 is not None and r >= cfg.slow_lag1]
    level = [j for j in keep if j not in slow]
    features = values[:, level]
    if slow:
        rate = np.diff(values[:, slow], axis=0, prepend=values[:1, slow])
        features = np.hstack([features, smooth_centred(rate, cfg.slow_diff_span)])
    names = [str(j) for j in level] + [f"d{j}" for j in slow]
    norm = Normaliser.fit(features[:train_rows], names)
    z = np.abs(smooth_centred(norm.transform(features), cfg.smooth))
    limit = np.quantile(z[:train_rows], cfg.quantile, axis=0)
    ratio = z / np.where(limit < 1e-6, 1.0, limit)
    score = ratio.max(axis=1)
    threshold = float(cfg.margin * np.quantile(score[:train_rows], cfg.quantile))
    return ZScored(score, threshold, ratio, level + slow, sorted(set(level) | set(slow)))
