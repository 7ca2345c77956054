"""`industrialmind bench skab --data DIR`: SKAB's own protocol for every anomaly model, beside the published
leaderboard.

Protocol (as the SKAB repository's notebooks and core/metrics.py): per file, fit on the first 400 rows, score the
whole file; F1 / FAR / MAR over all labelled points of all 34 files together (training rows included); the NAB
changepoint score from the same labels. Hyperparameters (window 32, trailing smoothing 10, threshold 1.5 x the 99th
percentile of the training scores, drop sensors trending with time in the training rows |r| >= 0.5) were chosen on
valve1/ only, so the table also reports valve2/ + other/ (18 files never used for any choice) on their own.

sensor_z (NumPy only, see models/zscore.py SensorZConfig) is a batch model: per-sensor z-scores (training mean/std;
trending levels dropped as above; slow sensors, lag-1 autocorrelation >= 0.9 in the training rows, i.e. the
thermal channels, enter as their 30-row rate of change instead of their level), |z| smoothed by a centred 25-row
mean (it looks 12 s ahead, which a batch benchmark may; the streaming scorer stays causal), each over its own
training p99, max over features; threshold 2.5 x p99 of the training scores, hysteresis 0.8, then a 20-row
off-delay. Chosen on valve1/ only, like the others.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path("/work/shared/data/skab")
LEADERBOARD = [
    {"name": "Conv-AE (published)", "f1": 0.78, "far": 13.55, "mar": 28.02, "nab": 23.61},
    {"name": "MSET (published)", "f1": 0.78, "far": 39.73, "mar": 14.13, "nab": None},
    {"name": "T-squared+Q PCA (published)", "f1": 0.76, "far": 26.62, "mar": 24.92, "nab": 25.35},
    {"name": "LSTM-AE (published)", "f1": 0.74, "far": 29.96, "mar": 25.92, "nab": 23.51},
]
TUNE_GROUP = "valve1"


def _data_dir(data: Path | None) -> Path:
    from industrialmind.errors import InvalidInputError

    if data is not None:
        return Path(data)
    for cand in (DEFAULT_DATA, Path(__file__).resolve().parents[3] / "shared" / "data" / "skab"):
        if cand.is_dir():
            return cand
    raise InvalidInputError("no SKAB data found: pass --data DIR (the SKAB repository's data/ folder)")


def run(settings, quick: bool = False, data: Path | None = None, **options: Any) -> dict[str, Any]:
    """Run every model over SKAB; quick: two files per group and 3 epochs (a smoke test, not a result)."""
    import torch

    from industrialmind.models import skab

    torch.set_num_threads(1)  # 400-row fits are too small to gain from threads
    files = skab.load(_data_dir(data))
    if quick:
        seen: dict[str, int] = {}
        picked = []
        for f in files:
            group = f.name.split("/")[0]
            if seen.get(group, 0) < 2:
                picked.append(f)
                seen[group] = seen.get(group, 0) + 1
        files = picked
    held = [i for i, f in enumerate(files) if not f.name.startswith(TUNE_GROUP + "/")]
    tune = [i for i in range(len(files)) if i not in held]
    rows = []
    for name, cfg in skab.default_configs(quick).items():
        t0 = time.perf_counter()
        preds = skab.predict_all(files, cfg)
        seconds = time.perf_counter() - t0
        all_m = skab.metrics(files, preds)
        held_m = skab.metrics([files[i] for i in held], [preds[i] for i in held]) if held else None
        tune_m = skab.binary_metrics([files[i].anomaly for i in tune], [preds[i] for i in tune]) if tune else None
        rows.append({"name": name, "f1": all_m["f1"], "far": all_m["far"], "mar": all_m["mar"],
                     "nab": all_m["nab"]["Standard"], "nab_profiles": all_m["nab"],
                     "held_out": {k: held_m[k] for k in ("f1", "far", "mar")} | {"nab": held_m["nab"]["Standard"]}
                     if held_m else None,
                     "tuning": {k: tune_m[k] for k in ("f1", "far", "mar")} if tune_m else None,
                     "confusion": {k: all_m[k] for k in ("tp", "tn", "fp", "fn")}, "seconds": round(seconds, 1)})
    return {"models": rows, "leaderboard": LEADERBOARD, "files": len(files), "held_out_files": len(held),
            "quick": quick, "tuned_on": TUNE_GROUP,
            "target": {"f1": 0.85, "far_max": 10.0, "mar_max": 20.0},
            "protocol": "fit on the first 400 rows of each file; F1/FAR/MAR over all points of all files; "
                        "NAB standard profile, 30 s windows centred on changepoints"}


def render(result: dict[str, Any]):
    """Our models (all files and held-out files) beside the published leaderboard."""
    from rich.table import Table

    table = Table("model", "F1", "FAR %", "MAR %", "NAB", f"{result['tuned_on']}/ F1 / FAR / MAR",
                  "held-out F1 / FAR / MAR", "s",
                  title=f"SKAB ({result['files']} files; held-out = {result['held_out_files']} files outside "
                        f"{result['tuned_on']}/){' QUICK' if result['quick'] else ''}")
    for r in result["models"]:
        h, t = r["held_out"], r.get("tuning")
        table.add_row(r["name"], f"{r['f1']:.2f}", f"{r['far']:.2f}", f"{r['mar']:.2f}", f"{r['nab']:.2f}",
                      f"{t['f1']:.2f} / {t['far']:.2f} / {t['mar']:.2f}" if t else "-",
                      f"{h['f1']:.2f} / {h['far']:.2f} / {h['mar']:.2f}" if h else "-", f"{r['seconds']:.0f}")
    for r in result["leaderboard"]:
        table.add_row(f"[dim]{r['name']}[/]", f"{r['f1']:.2f}", f"{r['far']:.2f}", f"{r['mar']:.2f}",
                      f"{r['nab']:.2f}" if r["nab"] is not None else "-", "", "", "")
    return table
