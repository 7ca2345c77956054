"""ONNX Runtime scoring: intervals with hysteresis, robustness to bad files, changed sensors and dropouts."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from industrialmind.errors import ModelError
from industrialmind.models.scoring import Scorer, find_intervals, smooth_trailing
from industrialmind.models.windows import make_windows
from industrialmind.models.training import ModelConfig, fit_bundle
from tests.models.simdata import split


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A tiny conv_ae bundle trained on the healthy pump days."""
    path = tmp_path_factory.mktemp("bundle")
    train, _, sensors, _ = split()
    fit_bundle(train, sensors, path, ModelConfig(window=16, hidden=16, epochs=2))
    return path


def test_find_intervals_uses_hysteresis_so_one_episode_is_one_interval():
    """A score that dips just below the threshold but stays above off_ratio x threshold stays one interval."""
    scores = np.array([0, 0, 2, 2, 0.9, 2, 2, 0, 0, 2, 0], dtype=float)
    assert find_intervals(scores, 1.0, off_ratio=0.8) == [(2, 6), (9, 9)]
    assert find_intervals(scores, 1.0, off_ratio=1.0) == [(2, 3), (5, 6), (9, 9)]


def test_smooth_trailing_is_causal_and_ignores_nans():
    """The trailing mean at t uses only steps up to t and skips NaN warm-up steps."""
    out = smooth_trailing(np.array([np.nan, 1.0, 3.0, 5.0]), 2)
    assert np.isnan(out[0]) and out[1] == 1.0 and out[2] == 2.0 and out[3] == 4.0


def test_scorer_missing_folder_is_a_clear_model_error(tmp_path):
    """Loading a folder with no model names the folder and says how to train one."""
    with pytest.raises(ModelError, match="industrialmind train"):
        Scorer.load(tmp_path / "nothing")


def test_scorer_missing_onnx_file_is_a_clear_model_error(bundle, tmp_path):
    """A bundle whose ONNX file was deleted raises ModelError naming the file."""
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    (copy / "model.onnx").unlink()
    with pytest.raises(ModelError, match="missing"):
        Scorer.load(copy)


def test_scorer_corrupt_onnx_file_is_a_clear_model_error(bundle, tmp_path):
    """A truncated ONNX file raises ModelError saying it is corrupt, not an onnxruntime traceback."""
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    data = (copy / "model.onnx").read_bytes()
    (copy / "model.onnx").write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="corrupt"):
        Scorer.load(copy)


def test_scorer_corrupt_metadata_is_a_clear_model_error(bundle, tmp_path):
    """Garbage in meta.json raises ModelError."""
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(bundle, copy)
    (copy / "meta.json").write_text("{not json")
    with pytest.raises(ModelError, match="corrupt"):
        Scorer.load(copy)


def test_scorer_rejects_data_without_the_trained_sensors(bundle):
    """A model trained on sensors the asset no longer has raises ModelError naming the missing sensors."""
    scorer = Scorer.load(bundle)
    available = [s for s in scorer.sensors if s != "bearing_temp"] + ["bearing_temperature"]
    with pytest.raises(ModelError, match="bearing_temp"):
        scorer.check_sensors(available, "P-101")


def test_scorer_handles_nans_and_dropouts(bundle):
    """Dropouts (NaN, inf, whole NaN rows) give finite scores once the first window is full."""
    _, test, _, _ = split()
    scorer = Scorer.load(bundle)
    values = test[scorer.sensors].to_numpy(np.float32).copy()
    values[50:70, 0] = np.nan
    values[100] = np.nan
    values[150, 2] = np.inf
    scored = scorer.score(values)
    assert np.isfinite(scored.scores[scorer.window - 1:]).all()
    assert np.isnan(scored.scores[0])


def test_scorer_on_fewer_steps_than_a_window_returns_nan_scores(bundle):
    """Less data than one window is not an error: every score is NaN (nothing to judge yet)."""
    scorer = Scorer.load(bundle)
    scored = scorer.score(np.zeros((scorer.window - 1, len(scorer.sensors)), np.float32))
    assert np.isnan(scored.scores).all()


def test_describe_intervals_names_top_sensors(bundle):
    """Each interval has start, end, peak score, threshold and contributions that sum to at most 1."""
    from industrialmind.models.detection import detect_frame

    _, test, _, _ = split()
    found = detect_frame(Scorer.load(bundle), test, "P-101")
    assert found, "the faulty day should give at least one interval"
    first = found[0]
    assert first["start"] <= first["end"] and first["peak_score"] > first["threshold"]
    assert 0 < sum(t["contribution"] for t in first["top_sensors"]) <= 1.0001


@pytest.mark.parametrize("model", ["sensor_z", "pca"])
def test_detect_csv_finds_a_step_change_without_importing_torch(tmp_path, model):
    """`detect --csv` fits sensor_z (the default) or PCA on the leading rows and reports the injected step at
    06:40 (row 400; sensor_z's centred 25-row smoothing may open it up to 12 rows early); torch is never imported."""
    rng = np.random.default_rng(1)
    n = 600
    a = rng.normal(0, 1, n)
    b = a * 0.5 + rng.normal(0, 0.3, n)
    a[400:450] += 8
    ts = np.datetime64("2026-11-01T00:00") + np.arange(n).astype("timedelta64[m]")
    lines = ["timestamp,a,b"] + [f"{t}Z,{x:.4f},{y:.4f}" for t, x, y in zip(ts, a, b)]
    csv = tmp_path / "series.csv"
    csv.write_text("\n".join(lines))
    probe = ("import sys, json; from industrialmind.models.detection import detect_csv; "
             "r = detect_csv(sys.argv[1], train_rows=300, model=sys.argv[2]); "
             "print(json.dumps({'torch': 'torch' in sys.modules, 'n': len(r['intervals'])}))")
    out = subprocess.run([sys.executable, "-c", probe, str(csv), model], capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["torch"] is False and info["n"] >= 1
    cli = subprocess.run([sys.executable, "-m", "industrialmind", "detect",
                          "--csv", str(csv), "--train-rows", "300", "--model", model, "--json"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert cli.returncode == 0, cli.stderr
    result = json.loads(cli.stdout)
    assert result["model"] == model
    starts = [r["start"] for r in result["intervals"]]
    assert any("2026-11-01T06:28" <= s[:16] <= "2026-11-01T06:45" for s in starts), starts


def test_detect_csv_rejects_too_few_training_rows(tmp_path):
    """Asking to train on more rows than the file has is a clear error."""
    from industrialmind.errors import InvalidInputError
    from industrialmind.models.detection import detect_csv

    csv = tmp_path / "s.csv"
    csv.write_text("x\n" + "\n".join(str(i % 7) for i in range(50)))
    with pytest.raises(InvalidInputError, match="training rows"):
        detect_csv(csv, train_rows=80)
    with pytest.raises(InvalidInputError, match="valid: sensor_z, pca"):
        detect_csv(csv, train_rows=20, model="sensorz")


def test_detect_csv_without_timestamps_reports_row_positions(tmp_path):
    """A CSV with no time column gets intervals as row numbers around the injected burst (rows 300-319; the
    default model's centred 25-row smoothing widens it by at most 12 rows each side)."""
    from industrialmind.models.detection import detect_csv

    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 500)
    x[300:320] += 9
    csv = tmp_path / "plain.csv"
    csv.write_text("x,y\n" + "\n".join(f"{a:.3f},{b:.3f}" for a, b in zip(x, rng.normal(0, 1, 500))))
    found = detect_csv(csv, train_rows=200)["intervals"]
    assert any(isinstance(r["start"], int) and 288 <= r["start"] <= 305 and 314 <= r["end"] <= 332
               for r in found), found
    assert found[0]["top_sensors"][0]["sensor"] == "x"


def test_format_1_bundle_with_window_last_input_still_scores(tmp_path):
    """A bundle written before the channels-first layout (format 1: ONNX input (batch, window, sensors)) scores the
    same windows to the same errors as its network, so models already in the registry keep working."""
    import torch
    from torch import nn

    class WindowLast(nn.Module):
        def forward(self, x):  # (batch, window, sensors) -> per-sensor mean |x - 0.5 x|
            return (x - 0.5 * x).abs().mean(dim=1)

    train = np.random.default_rng(1).normal(size=(200, 3)).astype(np.float32)
    fit_bundle(train, ["a", "b", "c"], tmp_path, ModelConfig(window=8, epochs=1))
    meta = json.loads((tmp_path / "meta.json").read_text())
    meta["format"] = 1
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    torch.onnx.export(WindowLast(), (torch.zeros(2, 8, 3),), str(tmp_path / "model.onnx"), input_names=["x"],
                      output_names=["errors"], dynamic_axes={"x": {0: "batch"}, "errors": {0: "batch"}},
                      opset_version=17, dynamo=False)
    scorer = Scorer.load(tmp_path)
    windows = make_windows(train[:40], 8)  # (n, sensors, window)
    expected = 0.5 * np.abs(windows).mean(axis=2)
    np.testing.assert_allclose(scorer.window_errors(windows), expected, rtol=1e-5, atol=1e-6)


def test_read_csv_reads_latin1_and_refuses_folders_and_binary(tmp_path):
    """A Latin-1 CSV (a degree sign in the header) is read; a folder and binary junk get clear errors."""
    from industrialmind.errors import InvalidInputError
    from industrialmind.models.detection import read_csv

    latin = tmp_path / "latin.csv"
    latin.write_bytes("time;temp \xb0C\n".encode("latin-1") + b"".join(
        f"2024-01-01T00:{i:02d}:00;{i}\n".encode() for i in range(30)))
    assert list(read_csv(latin).columns) == ["temp \xb0C"]
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    for path, reason in ((tmp_path, "not a file"), (junk, "binary")):
        with pytest.raises(InvalidInputError, match=reason):
            read_csv(path)


def test_detect_csv_table_shows_times_to_the_second_and_no_asset_columns(tmp_path):
    """`detect --csv` without --json prints a table of intervals whose times keep their seconds (SKAB-like
    recordings are per second) and has no asset or method column (a CSV has neither)."""
    from typer.testing import CliRunner

    from industrialmind.cli import app

    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 400)
    x[250:280] += 10
    ts = np.datetime64("2026-11-01T00:00:00") + np.arange(400).astype("timedelta64[s]")
    csv = tmp_path / "per_second.csv"
    csv.write_text("timestamp,x\n" + "\n".join(f"{t}Z,{v:.3f}" for t, v in zip(ts, x)))
    result = CliRunner().invoke(app, ["detect", "--csv", str(csv), "--train-rows", "150"])
    assert result.exit_code == 0, result.output
    assert re.search(r"00:0[34]:\d\d", result.output), result.output  # the burst starts at 00:04:10, seconds shown
    header = next(line for line in result.output.splitlines() if "peak score" in line)
    assert "start" in header and "asset" not in header and "method" not in header
