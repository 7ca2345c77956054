"""SKAB protocol: the metrics match SKAB's definitions, and the benchmarks run in quick mode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from industrialmind.models import skab


def _file(anomaly, changepoint):
    ts = pd.date_range("2020-03-09 10:00", periods=len(anomaly), freq="1s")
    return skab.SkabFile("t/0", ts, np.zeros((len(anomaly), 1), np.float32), ["x"], np.array(anomaly),
                         np.array(changepoint))


def test_binary_metrics_follow_skab_definitions():
    """F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN) %, MAR = FN / (FN + TP) %, pooled over files."""
    true = [np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0])]
    pred = [np.array([0, 1, 1, 0]), np.array([0, 1, 1, 1])]
    m = skab.binary_metrics(true, pred)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (3, 2, 1, 2)
    assert m["f1"] == round(3 / (3 + 1.5), 4) and m["far"] == 50.0 and m["mar"] == 25.0


def test_nab_score_is_100_for_an_early_hit_and_0_for_no_detection():
    """A detection at the start of the 30 s window scores ~100; predicting nothing scores 0; a false alarm
    outside the window lowers the score."""
    n = 200
    cp = np.zeros(n, int)
    cp[100] = 1
    anomaly = np.zeros(n, int)
    anomaly[100:150] = 1
    f = _file(anomaly, cp)
    early = np.zeros(n, int)
    early[85:] = 1  # one predicted changepoint, at the window's left edge (100 - 15 s); no falling edge
    assert skab.nab_score([f], [early])["Standard"] > 99
    assert skab.nab_score([f], [np.zeros(n, int)])["Standard"] == 0.0
    noisy = early.copy()
    noisy[10] = 1
    assert skab.nab_score([f], [noisy])["Standard"] < skab.nab_score([f], [early])["Standard"]


@pytest.mark.slow  # runs a quick benchmark end to end
def test_bench_skab_quick_runs_every_model(shared_data):
    """The quick SKAB benchmark returns F1, FAR and MAR for conv_ae, lstm_ae, pca and sensor_z."""
    from industrialmind.bench import skab as bench
    from industrialmind.config import get_settings

    result = bench.run(get_settings(), quick=True, data=shared_data / "skab")
    assert [m["name"] for m in result["models"]] == ["conv_ae", "lstm_ae", "pca", "sensor_z"]
    for m in result["models"]:
        assert 0 <= m["f1"] <= 1 and 0 <= m["far"] <= 100 and 0 <= m["mar"] <= 100
        assert 0 <= m["tuning"]["f1"] <= 1 and 0 <= m["held_out"]["f1"] <= 1
    assert bench.render(result).row_count == 8


@pytest.mark.slow  # runs a quick benchmark end to end
def test_bench_scoring_quick_reports_throughput_and_latency():
    """The quick scoring benchmark reports ONNX and torch windows/s, their ratio, p99 latency and epoch time."""
    from industrialmind.bench import scoring as bench
    from industrialmind.config import get_settings

    result = bench.run(get_settings(), quick=True)
    for key in ("onnx_windows_per_s", "torch_windows_per_s", "ratio", "p99_ms", "train_s_per_epoch"):
        assert result[key] > 0, key
    assert all(m["max_abs_diff"] <= 1e-4 for m in result["models"])
    assert all([r["batch"] for r in m["sweep"]] == list(bench.SWEEP) for m in result["models"])
    table, sweep = bench.render(result).renderables
    assert table.row_count == 2 and sweep.row_count == 2


def test_smooth_centred_looks_both_ways():
    """The centred mean spreads a spike to its neighbours, keeps a constant and stays full-length at the edges."""
    x = np.zeros(11)
    x[5] = 5.0
    out = skab.smooth_centred(x, 5)
    assert np.allclose(out[3:8], 1.0) and out[2] == 0 and out[8] == 0
    assert np.allclose(skab.smooth_centred(np.arange(6.0), 3)[[0, 5]], [1.0, 4.0])  # full-length at the edges
    assert np.allclose(skab.smooth_centred(np.full((7, 2), 3.0), 4), 3.0)


def test_sensor_z_flags_a_level_shift_and_not_the_training_rows():
    """A 6-sigma shift of one sensor after the training rows is flagged; the noise-only training rows are not."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(900, 3)).astype(np.float32)
    values[600:700, 1] += 6.0
    anomaly = np.zeros(900, int)
    anomaly[600:700] = 1
    f = skab.SkabFile("t/1", pd.date_range("2020-03-09", periods=900, freq="1s"), values, ["a", "b", "c"],
                      anomaly, np.zeros(900, int))
    labels, _ = skab.predict_file_z(f, skab.SensorZConfig())
    assert labels[610:690].all()
    assert labels[:400].sum() == 0 and labels[750:].sum() == 0


def test_sensor_z_reads_a_drifting_slow_sensor_by_its_rate_not_its_level():
    """A slow sensor warming past its training range raises no alarm, while scoring its level would."""
    rng = np.random.default_rng(1)
    n = 900
    values = np.c_[rng.normal(size=n), 20 + 0.01 * np.arange(n) + 0.01 * rng.normal(size=n)].astype(np.float32)
    f = skab.SkabFile("t/2", pd.date_range("2020-03-09", periods=n, freq="1s"), values, ["noise", "temp"],
                      np.zeros(n, int), np.zeros(n, int))
    assert skab.lag1_autocorrelation(values[:400])[1] > 0.9
    labels, _ = skab.predict_file_z(f, skab.SensorZConfig())
    assert labels.sum() == 0
    level, _ = skab.predict_file_z(f, skab.SensorZConfig(drop_trending=None, slow_lag1=None))
    assert level[700:].all()


def test_sensor_z_holds_an_alarm_for_hold_rows_after_it_clears():
    """The off-delay keeps an interval open `hold` rows past the row where the score fell back."""
    rng = np.random.default_rng(2)
    values = rng.normal(size=(900, 2)).astype(np.float32)
    values[600:700, 0] += 8.0
    f = skab.SkabFile("t/3", pd.date_range("2020-03-09", periods=900, freq="1s"), values, ["a", "b"],
                      np.zeros(900, int), np.zeros(900, int))
    short, _ = skab.predict_file_z(f, skab.SensorZConfig(hold=0))
    held, _ = skab.predict_file_z(f, skab.SensorZConfig(hold=20))
    end = int(np.where(short)[0].max())
    assert held[end + 1:end + 21].all() and held.sum() == short.sum() + 20
