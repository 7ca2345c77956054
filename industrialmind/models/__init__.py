"""IndustrialMind: anomaly models (PyTorch training, ONNX export, ONNX Runtime scoring, MLflow registry).

The agent's tools look their backends up here: `detect_anomalies`, `start_training_job`, `job_status`. They are
loaded lazily, so importing this package costs nothing.
"""

from __future__ import annotations

from typing import Any

_API = {
    "detect_anomalies": "industrialmind.models.detection",
    "detect_csv": "industrialmind.models.detection",
    "start_training_job": "industrialmind.models.jobs",
    "job_status": "industrialmind.models.jobs",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(name)


__all__ = list(_API)
