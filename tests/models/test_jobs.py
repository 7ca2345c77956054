"""Training jobs and detection over the real embedded stores (DuckDB time series, SQLite records, MLflow)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.models.simdata import ASSET, T0


@pytest.fixture
def stores(mlflow_home):
    """The demo plant registered, three simulated days of P-101 stored, and their fault labels recorded."""
    from industrialmind.config import get_settings
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator
    from industrialmind.stores.records import open_records
    from industrialmind.stores.timeseries import open_timeseries
    from tests.models.simdata import fault_specs

    settings = get_settings()
    settings.ensure_home()
    sim = Simulator(demo_plant(), seed=3, faults=fault_specs())
    end = T0 + timedelta(days=3)
    points = sim.generate(T0, end)
    points = points[points["asset"] == ASSET]
    records = open_records(settings.resolved.records)
    records.save_plant(demo_plant())
    records.replace_fault_labels(sim.fault_labels(T0, end), source="simulator")
    records.close()
    ts = open_timeseries(settings.resolved.timeseries)
    ts.write(points)
    ts.close()
    return settings


def test_training_job_records_progress_registers_and_detect_finds_faults(stores):
    """A foreground job goes queued -> succeeded with an MLflow run id; detect then reports both fault episodes
    of the last day on the asset and on its line, naming the top sensors."""
    from industrialmind.models import detect_anomalies, job_status, start_training_job

    job_id = start_training_job(stores, ASSET, T0, T0 + timedelta(days=3), model="pca", background=False)
    job = job_status(stores, job_id)
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["mlflow_run_id"]
    metrics = job["result"]["assets"][ASSET]["metrics"]
    assert metrics["eval_recall"] == 1.0 and metrics["eval_episodes"] == 2
    found = detect_anomalies(stores, ASSET, T0 + timedelta(days=2), T0 + timedelta(days=3))
    hits = [a for a in found["anomalies"] if a["start"] < T0 + timedelta(days=2, hours=17)]
    assert len(hits) >= 2, found["summary"]
    assert all(a["asset_id"] == ASSET and a["top_sensors"] for a in found["anomalies"])
    line = detect_anomalies(stores, "L1", T0 + timedelta(days=2), T0 + timedelta(days=3))
    assert line["scope"]["kind"] == "line" and ASSET in line["assets"] and line["unscored"]
    assert "anomalous interval" in line["summary"]


def test_detect_unknown_scope_names_close_ids(stores):
    """A misspelt asset id is a NotFoundError that suggests the real one."""
    from industrialmind.errors import NotFoundError
    from industrialmind.models import detect_anomalies

    with pytest.raises(NotFoundError, match="P-101"):
        detect_anomalies(stores, "P-1O1")


def test_detect_asset_without_model_says_how_to_train(stores):
    """Detecting on an asset with no promoted model is a ModelError naming the train command."""
    from industrialmind.errors import ModelError
    from industrialmind.models import detect_anomalies

    with pytest.raises(ModelError, match="industrialmind train"):
        detect_anomalies(stores, ASSET)


@pytest.mark.slow  # a background training job in another process
def test_background_training_job_survives_its_caller(stores):
    """A background job runs in a detached process and reaches 'succeeded' on its own."""
    from industrialmind.models import job_status, start_training_job

    job_id = start_training_job(stores, ASSET, T0, T0 + timedelta(days=2), model="pca", background=True)
    deadline = time.monotonic() + 150
    status = job_status(stores, job_id)
    while status["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1)
        status = job_status(stores, job_id)
    log = (stores.home / "logs" / f"job-{job_id}.log").read_text()
    assert status["status"] == "succeeded", log[-2000:]


def test_detect_with_model_trained_on_other_sensors_is_a_clear_error(stores):
    """When the asset no longer has a sensor its model was trained on, detect raises ModelError naming it."""
    from industrialmind.errors import ModelError
    from industrialmind.models import detect_anomalies, start_training_job
    from industrialmind.stores.records import open_records

    start_training_job(stores, ASSET, T0, T0 + timedelta(days=2), model="pca", background=False)
    records = open_records(stores.resolved.records)
    plant = records.load_plant("DEMO")
    asset = plant.asset(ASSET)
    asset.sensors = [s for s in asset.sensors if s.id != "bearing_temp"]
    records.save_plant(plant)
    records.close()
    with pytest.raises(ModelError, match="bearing_temp"):
        detect_anomalies(stores, ASSET, T0 + timedelta(days=2), T0 + timedelta(days=3))


def test_detect_line_reports_model_and_limit_results_together(stores):
    """On a line, the asset with a model is scored by it and a neighbour without one is checked against its
    normal ranges: its sustained over-range current is reported with method 'limits' next to the model's results,
    and the summary counts both methods and names the assets that had no data."""
    import pandas as pd

    from industrialmind.models import detect_anomalies, start_training_job
    from industrialmind.stores.timeseries import open_timeseries

    start_training_job(stores, ASSET, T0, T0 + timedelta(days=3), model="pca", background=False)
    ts = pd.date_range(T0 + timedelta(days=2), T0 + timedelta(days=3), freq="60s", tz="UTC", inclusive="left")
    current = 60.0 + (ts >= T0 + timedelta(days=2, hours=6)) * (ts < T0 + timedelta(days=2, hours=7)) * 50.0
    store = open_timeseries(stores.resolved.timeseries)
    store.write(pd.DataFrame({"ts": ts, "asset": "M-101", "sensor": "current", "value": current}))
    store.close()
    line = detect_anomalies(stores, "L1", T0 + timedelta(days=2), T0 + timedelta(days=3))
    methods = {a["asset_id"]: a["method"] for a in line["anomalies"]}
    assert methods.get(ASSET) == "model" and methods.get("M-101") == "limits", line["summary"]
    limit = next(a for a in line["anomalies"] if a["asset_id"] == "M-101")
    assert limit["sensor"] == "current" and limit["observed"] == 110.0
    assert limit["start"] == T0 + timedelta(days=2, hours=6) and limit["normal_max"] is not None
    assert line["assets"]["M-101"]["method"] == "limits" and line["assets"][ASSET]["method"] == "model"
    assert "1 by model, 1 by normal-range limits" in line["summary"] and "Not checked: " in line["summary"]
    assert "P-102" in line["unchecked"] and "no data" in line["unchecked"]["P-102"]


def test_train_refuses_zero_or_negative_epochs():
    """`train --epochs 0` is a usage error (exit 2) instead of silently training with the default 30 epochs."""
    from typer.testing import CliRunner

    from industrialmind.cli import app

    for epochs in ("0", "-3"):
        result = CliRunner().invoke(app, ["train", "--asset", "P-101", "--epochs", epochs])
        assert result.exit_code == 2 and "--epochs" in result.output, result.output


def test_score_refuses_a_negative_duration():
    """`score --duration -1` is a usage error instead of a run that ends at once with exit code 0."""
    from typer.testing import CliRunner

    from industrialmind.cli import app

    result = CliRunner().invoke(app, ["score", "--duration", "-1"])
    assert result.exit_code == 2 and "--duration" in result.output
