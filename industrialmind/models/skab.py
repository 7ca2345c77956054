"""The SKAB protocol (Skoltech Anomaly Benchmark), matching the SKAB repository's notebooks and core/metrics.py.

Per file (every CSV except anomaly-free/): fit on the first 400 rows, score the whole file, turn scores into 0/1
labels. Outlier detection: TP/FP/TN/FN summed over all points of all files together (the training rows included,
as SKAB's evaluation does), F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN), MAR = FN / (FN + TP).
Changepoints: predicted changepoints are |diff| of the labels (the first label counts as a change); NAB score with
30 s windows centred on each true changepoint, 'cut right window' on overlaps, SKAB's "improved" scaled sigmoid,
Standard / LowFP / LowFN profiles, normalised to 100 (perfect) and 0 (no detection) over all files together.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from industrialmind.errors import InvalidInputError
from industrialmind.models.zscore import SensorZConfig, fit_score, lag1_autocorrelation, smooth_centred

__all__ = ["SensorZConfig", "lag1_autocorrelation", "smooth_centred"]  # the benchmark's model, defined in zscore

TRAIN_ROWS = 400
NAB_PROFILES = {"Standard": (1.0, -0.11, -1.0), "LowFP": (1.0, -0.22, -1.0), "LowFN": (1.0, -0.11, -2.0)}


@dataclass
class SkabFile:
    """One SKAB experiment: its name, timestamps, sensor values and labels."""

    name: str
    ts: object  # pandas DatetimeIndex
    values: np.ndarray
    sensors: list[str]
    anomaly: np.ndarray
    changepoint: np.ndarray


def find_root(data: Path) -> Path:
    """The folder holding valve1/, valve2/, other/ (either data itself or data/data)."""
    for cand in (data, data / "data"):
        if (cand / "valve1").is_dir() or (cand / "other").is_dir():
            return cand
    raise InvalidInputError(f"no SKAB data under {str(data)!r}: expected valve1/, valve2/ and other/ folders")


def load(data: Path, groups: tuple[str, ...] = ("valve1", "valve2", "other")) -> list[SkabFile]:
    """Read the SKAB CSVs (';'-separated, 'datetime' index) of these groups, in a stable order."""
    import pandas as pd

    root = find_root(Path(data))
    files = []
    for group in groups:
        for path in sorted((root / group).glob("*.csv"), key=lambda p: (len(p.stem), p.stem)):
            df = pd.read_csv(path, sep=";", index_col="datetime", parse_dates=True)
            labels = df[["anomaly", "changepoint"]].fillna(0).astype(int)
            x = df.drop(columns=["anomaly", "changepoint"])
            files.append(SkabFile(f"{group}/{path.stem}", df.index, x.to_numpy(np.float32), list(x.columns),
                                  labels["anomaly"].to_numpy(), labels["changepoint"].to_numpy()))
    if not files:
        raise InvalidInputError(f"no SKAB CSV files under {str(root)!r}")
    return files


def binary_metrics(true: list[np.ndarray], pred: list[np.ndarray]) -> dict[str, float]:
    """SKAB's 'binary' metric over all points of all files: F1, FAR % and MAR % (rounded as SKAB does)."""
    t = np.concatenate(true).astype(bool)
    p = np.concatenate(pred).astype(bool)
    tp, tn = int((t & p).sum()), int((~t & ~p).sum())
    fp, fn = int((~t & p).sum()), int((t & ~p).sum())
    return {"f1": round(tp / (tp + (fn + fp) / 2), 4) if tp + fn + fp else 0.0,
            "far": round(100 * fp / (fp + tn), 2) if fp + tn else 0.0,
            "mar": round(100 * fn / (fn + tp), 2) if fn + tp else 0.0,
            "tp": tp, "tn": tn, "fp": fp, "fn": fn}


def _nab_scale(start: float, detect: float, end: float, a_tp: float, a_fp: float, detail: int = 1000) -> float:
    x = np.linspace(-np.pi / 2, np.pi / 2, detail)
    y = (a_tp - a_fp) / 2 * -1 * np.tanh(x) / np.tanh(np.pi / 2) + (a_tp - a_fp) / 2 + a_fp
    event = int((detect - start) / (end - start) * detail) if end > start else 0
    return float(y[min(event, detail - 1)])


def nab_score(files: list[SkabFile], pred: list[np.ndarray], window_s: float = 30.0) -> dict[str, float]:
    """SKAB's NAB changepoint score (Standard, LowFP, LowFN) for 0/1 outlier labels per file."""
    import pandas as pd

    matrix = np.zeros((3, 3))
    for f, labels in zip(files, pred):
        t = pd.DatetimeIndex(f.ts).as_unit("ns").asi8 / 1e9
        labels = np.asarray(labels, dtype=np.int64)
        cp_pred = np.abs(np.diff(labels, prepend=labels[:1]))
        cp_pred[0] = labels[0]
        times_pred = t[cp_pred == 1]
        bounds = [[v - window_s / 2, v + window_s / 2] for v in t[f.changepoint == 1]]
        for i in range(len(bounds) - 1):  # 'cut right window'
            bounds[i + 1][0] = max(bounds[i][1], bounds[i + 1][0])
        fps, fns, tps = 0, 0, []
        if bounds:
            fps += int((times_pred < bounds[0][0]).sum())
            for i, (a, b) in enumerate(bounds):
                inside = times_pred[(times_pred >= a) & (times_pred <= b)]
                if len(inside) == 0:
                    fns += 1
                else:
                    tps.append((a, inside[0], b))
                if i + 1 < len(bounds):
                    fps += int(((times_pred > b) & (times_pred < bounds[i + 1][0])).sum())
            fps += int((times_pred > bounds[-1][1]).sum())
        else:
            fps += len(times_pred)
        for k, (a_tp, a_fp, a_fn) in enumerate(NAB_PROFILES.values()):
            score = a_fp * fps + a_fn * fns + sum(_nab_scale(a, d, b, a_tp, a_fp) for a, d, b in tps)
            matrix[:, k] += [score, len(bounds) * a_fn, len(bounds) * a_tp]
    return {name: round(100 * (matrix[0, k] - matrix[1, k]) / (matrix[2, k] - matrix[1, k]), 2)
            for k, name in enumerate(NAB_PROFILES)}


def predict_file(f: SkabFile, cfg, work: Path, min_steps: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Fit on the file's first 400 rows, score all rows; return (0/1 labels, smoothed scores)."""
    from industrialmind.models.scoring import Scorer, find_intervals, flags_from_intervals
    from industrialmind.models.training import fit_bundle

    out = work / f.name.replace("/", "_") / cfg.kind
    fit_bundle(f.values[:TRAIN_ROWS], f.sensors, out, cfg)
    scorer = Scorer.load(out)
    scored = scorer.score(f.values[:, [f.sensors.index(s) for s in scorer.sensors]])
    spans = find_intervals(scored.scores, scored.threshold, cfg.off_ratio, min_steps=min_steps)
    return flags_from_intervals(len(f.values), spans), scored.scores


def sensor_z_scores(values: np.ndarray, cfg: SensorZConfig, train_rows: int = TRAIN_ROWS
                    ) -> tuple[np.ndarray, float, list[int]]:
    """Row scores, threshold and kept sensor indices of the sensor_z model fitted on the leading train_rows."""
    scored = fit_score(values, cfg, train_rows)
    return scored.score, scored.threshold, scored.kept


def predict_file_z(f: SkabFile, cfg: SensorZConfig) -> tuple[np.ndarray, np.ndarray]:
    """The sensor_z model on one file: (0/1 labels, scores)."""
    from industrialmind.models.scoring import find_intervals, flags_from_intervals

    score, threshold, _ = sensor_z_scores(f.values, cfg)
    spans = [(a, min(b + cfg.hold, len(score) - 1)) for a, b in find_intervals(score, threshold, cfg.off_ratio)]
    return flags_from_intervals(len(score), spans), score


def predict_all(files: list[SkabFile], cfg, on_file: Callable[[str], None] | None = None) -> list[np.ndarray]:
    """0/1 labels of every file under one model configuration (fit per file on its first 400 rows)."""
    preds = []
    with tempfile.TemporaryDirectory(prefix="im-skab-") as tmp:
        for f in files:
            if isinstance(cfg, SensorZConfig):
                preds.append(predict_file_z(f, cfg)[0])
            else:
                preds.append(predict_file(f, cfg, Path(tmp))[0])
            if on_file:
                on_file(f.name)
    return preds


def metrics(files: list[SkabFile], preds: list[np.ndarray]) -> dict:
    """Binary metrics plus the NAB score of predictions over these files together."""
    result = binary_metrics([f.anomaly for f in files], preds)
    result["nab"] = nab_score(files, preds)
    return result


def evaluate(files: list[SkabFile], cfg, on_file: Callable[[str], None] | None = None) -> dict:
    """Run one model configuration over the files; binary metrics plus the NAB score."""
    return metrics(files, predict_all(files, cfg, on_file))


def default_configs(quick: bool = False) -> dict[str, object]:
    """The model configurations the benchmark reports; fixed before looking at the test files (see docs/models.md)."""
    from industrialmind.models.training import ModelConfig

    epochs = 3 if quick else 30
    base = ModelConfig(window=SKAB_WINDOW, smooth=SKAB_SMOOTH, quantile=SKAB_QUANTILE, margin=SKAB_MARGIN,
                       epochs=epochs, drop_trending=SKAB_DROP_TRENDING)
    return {
        "conv_ae": base,
        "lstm_ae": replace(base, kind="lstm_ae"),
        "pca": replace(base, kind="pca"),
        "sensor_z": SensorZConfig(),
    }


# chosen on valve1/ only (see bench/skab.py for the split); kept fixed for the reported numbers
SKAB_WINDOW = 32
SKAB_SMOOTH = 10
SKAB_QUANTILE = 0.99
SKAB_MARGIN = 1.5
SKAB_DROP_TRENDING = 0.5


def is_nan(value: float) -> bool:
    """True for NaN."""
    return isinstance(value, float) and math.isnan(value)
