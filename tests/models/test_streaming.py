"""The streaming scorer's per-asset state, without a broker: rows assemble from points, scores match the batch
scorer, and hysteresis turns each fault episode into one alarm."""

from __future__ import annotations

import numpy as np
import pytest

from industrialmind.models.scoring import Scorer
from industrialmind.models.streaming import AssetStream
from industrialmind.models.training import ModelConfig, fit_bundle
from tests.models.simdata import split

pytestmark = pytest.mark.slow  # the module fixture trains a conv_ae


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    """A small conv_ae trained on the healthy pump days."""
    path = tmp_path_factory.mktemp("stream-bundle")
    train, _, sensors, _ = split()
    fit_bundle(train, sensors, path, ModelConfig(window=8, hidden=16, epochs=8, smooth=3))
    return Scorer.load(path)


def _feed(state: AssetStream, frame):
    """Feed a wide frame point by point, scoring each completed batch of rows; return (scores, transitions)."""
    scores, transitions = [], []
    for ts, row in zip(frame.index, frame.to_numpy()):
        rows = []
        for sensor, value in zip(frame.columns, row):
            rows += state.add_point(ts.to_pydatetime(), sensor, None if np.isnan(value) else float(value))
        for t, score, contrib in state.score_rows(rows):
            scores.append(score)
            change = state.step(t, score, contrib)
            if change:
                transitions.append((change[0], change[1]))
    return scores, transitions


def test_stream_scores_equal_batch_scores(scorer):
    """Scoring point by point gives the batch scorer's smoothed scores (up to float rounding)."""
    _, test, _, _ = split()
    part = test.iloc[:200]
    state = AssetStream("P-101", scorer)
    scores, _ = _feed(state, part)
    batch = scorer.score(part[scorer.sensors].to_numpy(np.float32)).scores
    assert len(scores) == len(batch)
    assert np.allclose(np.asarray(scores), batch, atol=1e-4, equal_nan=True)


def test_stream_raises_one_alarm_per_fault_episode(scorer):
    """The day with two injected faults gives exactly two 'raised' and two 'cleared' transitions, each alarm
    overlapping its labelled episode and naming its top sensors."""
    _, test, _, labels = split()
    state = AssetStream("P-101", scorer)
    _, transitions = _feed(state, test)
    raised = [a for s, a in transitions if s == "raised"]
    cleared = [a for s, a in transitions if s == "cleared"]
    assert len(raised) == 2 and len(cleared) == 2, [(s, a["start"]) for s, a in transitions]
    for alarm, label in zip(cleared, labels):
        assert alarm["start"] <= label.end and alarm["end"] >= label.start
        assert len(alarm["sensors"]) == 3


def test_stream_ignores_unknown_sensors_and_replayed_points(scorer):
    """Points of sensors the model does not know, and points older than the last scored row, are ignored."""
    _, test, _, _ = split()
    state = AssetStream("P-101", scorer)
    ts = test.index[0].to_pydatetime()
    assert state.add_point(ts, "not_a_sensor", 1.0) == []
    completed = [state.add_point(ts, sensor, 1.0) for sensor in scorer.sensors]
    assert [len(c) for c in completed] == [0] * (len(scorer.sensors) - 1) + [1]  # complete once all reported
    assert state.add_point(ts, scorer.sensors[0], 2.0) == []  # a replay of the already-scored row


def test_reload_switches_to_a_newly_promoted_version_and_keeps_unchanged_assets(scorer, monkeypatch):
    """The periodic reload replaces an asset whose promoted version changed, keeps the live state (windows, open
    alarm) of an asset whose version did not, and keeps the loaded models when the registry cannot be read."""
    from industrialmind.pipeline import scorer as loop

    live = {"A": AssetStream("A", scorer, version=1), "B": AssetStream("B", scorer, version=3)}
    live["A"].alarm = {"id": "open"}
    fresh = {"A": AssetStream("A", scorer, version=1), "B": AssetStream("B", scorer, version=4)}
    monkeypatch.setattr(loop, "load_promoted", lambda settings: dict(fresh))
    out = loop._reload(None, live)
    assert out["A"] is live["A"] and out["A"].alarm == {"id": "open"}
    assert out["B"] is fresh["B"] and out["B"].version == 4

    def broken(settings):
        raise OSError("registry unreachable")

    monkeypatch.setattr(loop, "load_promoted", broken)
    assert loop._reload(None, out) is out
