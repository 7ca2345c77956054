"""Fixtures of the anomaly-model tests: an MLflow SQLite store migrated once per session and copied per test
(a fresh store migrates for ~7 s)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# tiny models on a shared 2-core machine: one thread avoids oversubscription (torch reads this at import)
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory) -> Path:
    """An empty, fully migrated MLflow SQLite database."""
    import mlflow
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    uri = f"sqlite:///{path}"
    mlflow.set_tracking_uri(uri)
    MlflowClient(tracking_uri=uri, registry_uri=uri).search_experiments()
    return path


@pytest.fixture
def mlflow_home(im_home, mlflow_template) -> Path:
    """This test's IM_HOME with a ready MLflow store at the default place (IM_HOME/mlflow.db)."""
    im_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(mlflow_template, im_home / "mlflow.db")
    return im_home
