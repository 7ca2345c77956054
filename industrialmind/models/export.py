"""ONNX export of a trained network (torch.onnx.export, dynamo=False: much faster than the dynamo exporter) and the
parity check against torch that training records as a metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def export_onnx(net, n_sensors: int, window: int, path: Path) -> Path:
    """Export ScoreHead(net) with a dynamic batch axis: input 'x' (batch, sensors, window) -> 'errors' (batch, sensors)."""
    import torch

    from industrialmind.models.networks import ScoreHead

    head = ScoreHead(net).eval()
    example = torch.zeros(2, n_sensors, window)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(head, (example,), str(path), input_names=["x"], output_names=["errors"],
                          dynamic_axes={"x": {0: "batch"}, "errors": {0: "batch"}}, opset_version=17,
                          dynamo=False)
    return path


def parity(net, onnx_path: Path, windows: np.ndarray) -> float:
    """Largest absolute difference between torch and ONNX Runtime per-sensor errors on these windows."""
    import torch

    from industrialmind.models.networks import ScoreHead
    from industrialmind.models.scoring import open_session

    head = ScoreHead(net).eval()
    x = np.ascontiguousarray(windows[:256], dtype=np.float32)
    with torch.no_grad():
        expected = head(torch.from_numpy(x)).numpy()
    got = open_session(onnx_path).run(None, {"x": x})[0]
    return float(np.max(np.abs(expected - got))) if len(x) else 0.0
