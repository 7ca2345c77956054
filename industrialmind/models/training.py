"""Fitting a model bundle from a (time, sensors) array of normal operation: normalise, train, export, calibrate.

The threshold rule (documented in docs/models.md): threshold = margin x the `quantile` of the smoothed scores that the
exported scorer gives the training data itself. Calibrating with the exported scorer, not torch, means the deployed
model and its threshold always agree.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from industrialmind.errors import InvalidInputError, did_you_mean
from industrialmind.models.scoring import META, ONNX_FILE, PCA_FILE, Scorer
from industrialmind.models.windows import Normaliser, make_windows

MODEL_KINDS = ("conv_ae", "lstm_ae", "pca")
# bundle format 2: the ONNX input is channels-first (batch, sensors, window); format 1 bundles took (batch, window,
# sensors) and are still scored (scoring.Scorer.window_errors transposes for them)
FORMAT = 2


@dataclass
class ModelConfig:
    """Hyperparameters of a model and its threshold rule (fixed defaults; docs/models.md says how they were chosen)."""

    kind: str = "conv_ae"
    window: int = 32
    hidden: int = 32
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    patience: int = 5
    seed: int = 0
    smooth: int = 5  # trailing mean over this many steps before thresholding
    quantile: float = 0.99
    margin: float = 1.5
    off_ratio: float = 0.8  # hysteresis: an alarm clears below off_ratio x threshold
    explained: float = 0.9  # PCA: variance kept
    drop_trending: float | None = None  # drop sensors whose training values correlate with time beyond this |r|

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise InvalidInputError(f"unknown model {self.kind!r}" + did_you_mean(self.kind, MODEL_KINDS))
        if self.kind == "pca":
            self.window = 1


@dataclass
class FitResult:
    """What fitting produced: the bundle folder, its metadata, timings and (for networks) the torch module."""

    path: Path
    meta: dict[str, Any]
    net: Any = None
    epoch_seconds: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    parity: float | None = None


def _train_network(z: np.ndarray, cfg: ModelConfig, on_epoch: Callable[[int, int, float], None] | None):
    import torch

    from industrialmind.models.networks import build

    torch.manual_seed(cfg.seed)
    windows = make_windows(z, cfg.window)
    rng = np.random.default_rng(cfg.seed)
    n_val = max(1, len(windows) // 10) if len(windows) >= 10 else 0
    # validation on the last windows in time (not shuffled) so early stopping sees unseen data
    train_w = torch.from_numpy(np.ascontiguousarray(windows[: len(windows) - n_val]))
    val_w = torch.from_numpy(np.ascontiguousarray(windows[len(windows) - n_val:])) if n_val else None
    net = build(cfg.kind, z.shape[1], cfg.window, cfg.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.MSELoss()
    best, best_state, stale, epoch_s, losses = float("inf"), None, 0, [], []
    for epoch in range(cfg.epochs):
        t0 = time.perf_counter()
        net.train()
        order = rng.permutation(len(train_w))
        for i in range(0, len(order), cfg.batch_size):
            batch = train_w[order[i:i + cfg.batch_size]]
            opt.zero_grad()
            loss = loss_fn(net(batch), batch)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            probe = val_w if val_w is not None else train_w
            val = float(loss_fn(net(probe), probe))
        epoch_s.append(time.perf_counter() - t0)
        losses.append(val)
        if on_epoch:
            on_epoch(epoch + 1, cfg.epochs, val)
        if val < best - 1e-6:
            best, stale = val, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    return net.eval(), windows, epoch_s, losses


def fit_bundle(values: np.ndarray, sensors: list[str], out_dir: Path, cfg: ModelConfig | None = None,
               on_epoch: Callable[[int, int, float], None] | None = None, extra_meta: dict | None = None) -> FitResult:
    """Fit a model on normal data (time, sensors) and write a scoring bundle (meta.json + model file) to out_dir."""
    cfg = cfg or ModelConfig()
    values = np.asarray(values, dtype=np.float32)
    if len(values) < cfg.window + 10:
        raise InvalidInputError(f"need at least {cfg.window + 10} training steps for a {cfg.kind} model with window "
                                f"{cfg.window}, got {len(values)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sensors = list(sensors)
    dropped: list[str] = []
    if cfg.drop_trending is not None:
        keep = trend_free(values, cfg.drop_trending)
        dropped = [s for j, s in enumerate(sensors) if j not in keep]
        values, sensors = values[:, keep], [sensors[j] for j in keep]
    normaliser = Normaliser.fit(values, sensors)
    z = normaliser.transform(values)
    result = FitResult(out_dir, {})
    if cfg.kind == "pca":
        from industrialmind.models.pca import PCAModel

        t0 = time.perf_counter()
        PCAModel.fit(z, cfg.explained).save(out_dir / PCA_FILE)
        result.epoch_seconds = [time.perf_counter() - t0]
    else:
        from industrialmind.models.export import export_onnx, parity

        net, windows, result.epoch_seconds, result.losses = _train_network(z, cfg, on_epoch)
        export_onnx(net, len(sensors), cfg.window, out_dir / ONNX_FILE)
        result.net = net
        result.parity = parity(net, out_dir / ONNX_FILE, windows)
    meta = {"format": FORMAT, "kind": cfg.kind, "window": cfg.window, "smooth": cfg.smooth, "threshold": 1.0,
            "off_ratio": cfg.off_ratio, "normaliser": normaliser.to_dict(), "config": asdict(cfg),
            "threshold_rule": f"{cfg.margin} x q{cfg.quantile} of smoothed training scores",
            "dropped_sensors": dropped,
            **(extra_meta or {})}
    (out_dir / META).write_text(json.dumps(meta))
    train_scores = Scorer.load(out_dir).score(values).scores
    finite = train_scores[np.isfinite(train_scores)]
    meta["threshold"] = float(cfg.margin * np.quantile(finite, cfg.quantile)) if len(finite) else 1.0
    meta["train_score_q50"] = float(np.median(finite)) if len(finite) else 0.0
    (out_dir / META).write_text(json.dumps(meta))
    result.meta = meta
    return result


def trend_free(values: np.ndarray, max_abs_r: float) -> list[int]:
    """Indices of the sensors whose training values do not trend with time (|Pearson r| < max_abs_r).

    A sensor still drifting through the whole training span (a slowly warming tank) has no normal range the model
    can learn from it; keeping it turns every later reading into an alarm. At least one sensor is always kept.
    """
    t = np.arange(len(values), dtype=np.float64)
    r = []
    for j in range(values.shape[1]):
        col = values[:, j].astype(np.float64)
        ok = np.isfinite(col)
        if ok.sum() < 3 or np.std(col[ok]) == 0:
            r.append(0.0)
            continue
        r.append(abs(float(np.corrcoef(t[ok], col[ok])[0, 1])))
    keep = [j for j, v in enumerate(r) if v < max_abs_r]
    return keep or [int(np.argmin(r))]
