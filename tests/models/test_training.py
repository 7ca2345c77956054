"""Training, export and threshold calibration on simulated pump data."""

from __future__ import annotations

import numpy as np
import pytest

from industrialmind.models.training import ModelConfig, fit_bundle
from tests.models.simdata import split


@pytest.mark.slow  # trains a network
@pytest.mark.parametrize("kind", ["conv_ae", "lstm_ae"])
def test_fit_bundle_trains_small_network_and_exports_onnx(tmp_path, kind):
    """A tiny network trains in a few epochs and its ONNX export matches torch within 1e-5."""
    train, _, sensors, _ = split()
    result = fit_bundle(train, sensors, tmp_path, ModelConfig(kind=kind, window=16, hidden=16, epochs=3))
    assert (tmp_path / "model.onnx").is_file() and (tmp_path / "meta.json").is_file()
    assert result.parity is not None and result.parity <= 1e-5
    assert result.meta["threshold"] > 0 and len(result.epoch_seconds) >= 1


@pytest.mark.slow  # trains a network
def test_export_parity_on_unseen_windows(tmp_path):
    """ONNX Runtime and torch agree on windows the model never saw (random, far from the training data)."""
    from industrialmind.models.export import parity

    train, _, sensors, _ = split()
    result = fit_bundle(train, sensors, tmp_path, ModelConfig(window=16, hidden=16, epochs=1))
    windows = np.random.default_rng(0).normal(0, 3, size=(64, len(sensors), 16)).astype(np.float32)
    assert parity(result.net, tmp_path / "model.onnx", windows) <= 1e-5


@pytest.mark.parametrize("kind", [pytest.param("conv_ae", marks=pytest.mark.slow), "pca"])  # conv_ae: trains
def test_threshold_catches_injected_faults_in_held_back_data(tmp_path, kind):
    """Trained on two healthy days, the model flags both fault episodes of the third day (minimum recall 1.0)
    with at most 10 % of that day's healthy 5-minute steps inside alarms (maximum false-alarm rate; most of it is
    the tail just after an episode, while the bearing cools down)."""
    import pandas as pd

    from industrialmind.models.jobs import evaluate_on_labels
    from industrialmind.models.scoring import Scorer

    train, test, sensors, labels = split()
    fit_bundle(train, sensors, tmp_path, ModelConfig(kind=kind, window=8, hidden=16, epochs=8, smooth=3))
    scorer = Scorer.load(tmp_path)
    result = evaluate_on_labels(scorer, test, labels)
    assert isinstance(test.index, pd.DatetimeIndex)
    assert result["eval_episodes"] == 2
    assert result["eval_recall"] == 1.0, result
    assert result["eval_false_alarm_rate"] <= 0.10, result


def test_model_config_rejects_unknown_kind():
    """An unknown model kind is a clear error naming the valid kinds."""
    from industrialmind.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="conv_ae"):
        ModelConfig(kind="conv-ae")


def test_fit_bundle_rejects_too_little_data(tmp_path):
    """Fewer rows than a window plus a margin is a clear error, not a crash inside torch."""
    from industrialmind.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="training steps"):
        fit_bundle(np.zeros((20, 3), np.float32), ["a", "b", "c"], tmp_path, ModelConfig(window=16))
