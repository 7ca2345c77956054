"""Windowing and per-sensor normalisation: the data layout every anomaly model shares (NumPy only, no torch).

Arrays are (time, sensors) float32; windows are channels-first (n_windows, sensors, window), a zero-copy view of
the series. A window's score belongs to its last time step, so scoring is causal and a streaming scorer gives the
same answer as a batch one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from industrialmind.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

# a sensor whose training spread is below this is treated as constant (scaled by 1, not by ~0)
_MIN_STD = 1e-6


@dataclass
class Normaliser:
    """Per-sensor standardisation fitted on training data: (x - mean) / std, NaNs filled with the training mean."""

    sensors: list[str]
    mean: np.ndarray = field(repr=False)
    std: np.ndarray = field(repr=False)

    @classmethod
    def fit(cls, values: np.ndarray, sensors: list[str]) -> Normaliser:
        """Fit mean and std per sensor, ignoring NaNs; a sensor with no finite value is an error."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != len(sensors):
            raise InvalidInputError(f"expected a (time, {len(sensors)}) array, got shape {values.shape}")
        finite = np.isfinite(values)
        empty = [s for s, ok in zip(sensors, finite.any(axis=0)) if not ok]
        if empty:
            raise InvalidInputError(f"no finite training values for sensor(s) {empty!r}")
        mean = np.nanmean(np.where(finite, values, np.nan), axis=0)
        std = np.nanstd(np.where(finite, values, np.nan), axis=0)
        std = np.where(std < _MIN_STD, 1.0, std)
        return cls(list(sensors), mean.astype(np.float32), std.astype(np.float32))

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Standardise; NaN and inf (dropouts) become 0, i.e. the training mean, so a gap never crashes scoring."""
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[1] != len(self.sensors):
            raise InvalidInputError(f"expected a (time, {len(self.sensors)}) array, got shape {values.shape}")
        z = (values - self.mean) / self.std
        return np.where(np.isfinite(z), z, 0.0).astype(np.float32)

    def to_dict(self) -> dict:
        """JSON-able form, stored beside the ONNX file."""
        return {"sensors": self.sensors, "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Normaliser:
        """Inverse of to_dict."""
        return cls(list(data["sensors"]), np.asarray(data["mean"], np.float32), np.asarray(data["std"], np.float32))


def make_windows(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Sliding channels-first windows (n, sensors, window) over a (time, sensors) array: a zero-copy view."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    if len(values) < window:
        raise InvalidInputError(f"need at least {window} time steps for one window, got {len(values)}")
    return np.lib.stride_tricks.sliding_window_view(values, window, axis=0)[::stride]


def period_of(index: pd.DatetimeIndex, default_s: float = 60.0) -> float:
    """Median sample period of a time index in seconds."""
    if len(index) < 2:
        return default_s
    d = np.diff(index.as_unit("ns").asi8) / 1e9
    d = d[d > 0]
    return float(np.median(d)) if len(d) else default_s


def wide_frame(long: pd.DataFrame, sensors: list[str] | None = None, period_s: float | None = None) -> pd.DataFrame:
    """Pivot a long frame (ts, sensor, value) to a wide one indexed by ts, one column per sensor, on a regular grid.

    With period_s the frame is resampled to that period (mean) so gaps show up as NaN rows instead of vanishing.
    """
    import pandas as pd

    if long.empty:
        raise InvalidInputError("no data in the requested range")
    wide = long.pivot_table(index="ts", columns="sensor", values="value", aggfunc="mean").sort_index()
    wide.index = pd.to_datetime(wide.index, utc=True)
    if sensors is not None:
        wide = wide.reindex(columns=sensors)
    if period_s:
        wide = wide.resample(pd.Timedelta(seconds=period_s)).mean()
    wide.columns.name = None
    return wide
