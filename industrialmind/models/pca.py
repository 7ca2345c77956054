"""The PCA baseline: Hotelling's T-squared plus the Q (squared prediction error) statistic, in NumPy only.

Fitted on standardised training points; the score of a point is T2/T2_limit + Q/Q_limit (each limit a training
quantile), so both statistics count equally and 2.0 means "both at their limit". A sensor's contribution is its
share of Q plus its (clipped) share of T2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from industrialmind.errors import ModelError


@dataclass
class PCAModel:
    """Principal axes, their variances and the training limits of T2 and Q."""

    components: np.ndarray  # (k, sensors)
    variances: np.ndarray  # (k,)
    t2_limit: float
    q_limit: float

    @classmethod
    def fit(cls, z: np.ndarray, explained: float = 0.9, limit_quantile: float = 0.99) -> PCAModel:
        """Fit on standardised training points (time, sensors), keeping the axes that explain `explained` variance."""
        z = np.asarray(z, dtype=np.float64)
        centred = z - z.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        var = s**2 / max(len(z) - 1, 1)
        ratio = np.cumsum(var) / max(var.sum(), 1e-12)
        k = int(np.searchsorted(ratio, explained) + 1)
        k = min(max(k, 1), max(z.shape[1] - 1, 1))
        model = cls(vt[:k].astype(np.float64), np.maximum(var[:k], 1e-9), 1.0, 1.0)
        t2, q, _ = model.statistics(z)
        model.t2_limit = float(max(np.quantile(t2, limit_quantile), 1e-9))
        model.q_limit = float(max(np.quantile(q, limit_quantile), 1e-9))
        return model

    def statistics(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """T2 (time,), Q (time,) and per-sensor contributions (time, sensors) of standardised points."""
        z = np.asarray(z, dtype=np.float64)
        t = z @ self.components.T  # scores on the kept axes
        t2 = np.sum(t**2 / self.variances, axis=1)
        residual = z - t @ self.components
        q = np.sum(residual**2, axis=1)
        t2_contrib = np.clip(z * ((t / self.variances) @ self.components), 0.0, None)
        contrib = residual**2 / self.q_limit + t2_contrib / self.t2_limit
        return t2, q, contrib

    def score(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-point score T2/T2_lim + Q/Q_lim and per-sensor contributions."""
        t2, q, contrib = self.statistics(z)
        return t2 / self.t2_limit + q / self.q_limit, contrib

    def save(self, path: Path) -> None:
        """Write the model as a .npz file."""
        np.savez(path, components=self.components, variances=self.variances,
                 limits=np.array([self.t2_limit, self.q_limit]))

    @classmethod
    def load(cls, path: Path) -> PCAModel:
        """Read a model written by save; a missing or corrupt file raises ModelError."""
        try:
            with np.load(path) as data:
                return cls(data["components"], data["variances"], float(data["limits"][0]), float(data["limits"][1]))
        except FileNotFoundError:
            raise ModelError(f"PCA model file {str(path)!r} is missing") from None
        except Exception as exc:  # np.load raises several types for a damaged archive
            raise ModelError(f"PCA model file {str(path)!r} is corrupt: {exc}") from None
