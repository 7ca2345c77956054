"""`industrialmind bench scoring`: ONNX Runtime vs PyTorch eager scoring throughput on the same model and batch,
p99 latency of scoring one asset's window, and training time per epoch (conv_ae and lstm_ae).

The headline is batch 256 (what `detect` and training calibration feed per call; `detect` uses up to 1024); a sweep
over batch sizes 1-1024 shows where each runtime wins, since the streaming scorer sends small batches.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

SWEEP = (1, 16, 256, 1024)


def _throughput(fn, batch: np.ndarray, min_s: float) -> float:
    fn(batch)  # warm-up
    n, t0 = 0, time.perf_counter()
    while True:
        fn(batch)
        n += len(batch)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_s:
            return n / elapsed


def _bench_kind(kind: str, quick: bool, threads: int) -> dict[str, Any]:
    import tempfile
    from pathlib import Path

    import torch

    from industrialmind.models.networks import ScoreHead
    from industrialmind.models.scoring import Scorer
    from industrialmind.models.training import ModelConfig, fit_bundle

    sensors, window, batch_size = 8, 64, 256
    rng = np.random.default_rng(0)
    t = np.arange(4000 if not quick else 400)[:, None]
    train = (np.sin(t / (10 + np.arange(sensors))) + 0.1 * rng.normal(size=(len(t), sensors))).astype(np.float32)
    cfg = ModelConfig(kind=kind, window=window, epochs=1 if quick else 3, patience=10)
    with tempfile.TemporaryDirectory(prefix="im-bench-") as tmp:
        fit = fit_bundle(train, [f"s{i}" for i in range(sensors)], Path(tmp), cfg)
        scorer = Scorer.load(Path(tmp), threads=threads)
        batch = rng.normal(size=(batch_size, sensors, window)).astype(np.float32)
        head = ScoreHead(fit.net).eval()
        torch.set_num_threads(threads)

        def torch_run(x):
            with torch.inference_mode():
                return head(torch.from_numpy(x)).numpy()

        min_s = 0.2 if quick else 2.0
        onnx_wps = _throughput(scorer.window_errors, batch, min_s)
        torch_wps = _throughput(torch_run, batch, min_s)
        one = batch[:1]
        lat = []
        for _ in range(50 if quick else 2000):
            t0 = time.perf_counter()
            scorer.window_errors(one)
            lat.append((time.perf_counter() - t0) * 1000)
        lat_t = []
        for _ in range(20 if quick else 500):
            t0 = time.perf_counter()
            torch_run(one)
            lat_t.append((time.perf_counter() - t0) * 1000)
        diff = float(np.max(np.abs(scorer.window_errors(batch) - torch_run(batch))))
        sweep = []
        for size in SWEEP:
            x = rng.normal(size=(size, sensors, window)).astype(np.float32)
            o, t = _throughput(scorer.window_errors, x, min_s / 2), _throughput(torch_run, x, min_s / 2)
            sweep.append({"batch": size, "onnx_windows_per_s": round(o), "torch_windows_per_s": round(t),
                          "ratio": round(o / t, 2)})
    return {"kind": kind, "onnx_windows_per_s": round(onnx_wps), "torch_windows_per_s": round(torch_wps),
            "ratio": round(onnx_wps / torch_wps, 2), "p99_ms": round(float(np.percentile(lat, 99)), 3),
            "p50_ms": round(float(np.percentile(lat, 50)), 3),
            "torch_p99_ms": round(float(np.percentile(lat_t, 99)), 3),
            "train_s_per_epoch": round(float(np.mean(fit.epoch_seconds)), 3),
            "train_windows": len(train) - window + 1, "max_abs_diff": diff, "sweep": sweep}


def run(settings, quick: bool = False, **options: Any) -> dict[str, Any]:
    """Measure both networks; the top-level keys are the conv_ae figures (the default model)."""
    threads = int(options.get("threads", 2))
    rows = [_bench_kind(kind, quick, threads) for kind in ("conv_ae", "lstm_ae")]
    main = rows[0]
    return {"onnx_windows_per_s": main["onnx_windows_per_s"], "torch_windows_per_s": main["torch_windows_per_s"],
            "ratio": main["ratio"], "p99_ms": main["p99_ms"], "train_s_per_epoch": main["train_s_per_epoch"],
            "batch": 256, "window": 64, "sensors": 8, "threads": threads, "quick": quick, "models": rows}


def render(result: dict[str, Any]):
    """A table: windows/s for ONNX Runtime and torch, their ratio, latency and training time."""
    from rich.table import Table

    table = Table("model", "ONNX win/s", "torch win/s", "ratio", "p99 ms, 1 win", "torch p99", "s/epoch", "|diff|",
                  title=f"anomaly scoring: batch {result['batch']}, {result['sensors']} sensors x {result['window']} "
                        f"steps, {result['threads']} threads (ratio target >= 1.5; training: "
                        f"{result['models'][0]['train_windows']} windows per epoch)")
    for r in result["models"]:
        table.add_row(r["kind"], f"{r['onnx_windows_per_s']:,}", f"{r['torch_windows_per_s']:,}", f"{r['ratio']:.2f}x",
                      f"{r['p99_ms']:.3f}", f"{r['torch_p99_ms']:.3f}",
                      f"{r['train_s_per_epoch']:.3f}", f"{r['max_abs_diff']:.0e}")
    sweep = Table("model", *(f"batch {r['batch']}" for r in result["models"][0]["sweep"]),
                  title="ONNX Runtime / torch throughput ratio by batch size")
    for r in result["models"]:
        sweep.add_row(r["kind"], *(f"{s['ratio']:.2f}x ({s['onnx_windows_per_s'] / 1000:.0f}k/"
                                   f"{s['torch_windows_per_s'] / 1000:.0f}k)" for s in r["sweep"]))
    from rich.console import Group

    return Group(table, sweep)
