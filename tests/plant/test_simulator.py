"""The simulator: deterministic, chunk-invariant, coupled signals, and faults that show in their sensors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.plant.demo import demo_plant
from industrialmind.plant.faults import FaultSpec
from industrialmind.plant.simulator import QUALITY_BAD, Simulator

T0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)


@pytest.fixture(scope="module")
def plant():
    """The demo plant, built once for the module."""
    return demo_plant()


def _inject(plant, fault, asset, start, end, sensors=None, seed=3):
    """A simulator with one explicit fault and its healthy twin (same seed, no faults)."""
    spec = FaultSpec(asset_id=asset, fault=fault, start=start, end=end, sensors=sensors)
    return Simulator(plant, seed=seed, faults=[spec]), Simulator(plant, seed=seed, faults=[])


def test_generate_has_the_long_format_columns(plant):
    """generate() gives asset, sensor, ts (UTC), value (float64), quality (int8) for every sensor each minute."""
    frame = Simulator(plant, seed=1, faults=[]).generate(T0, T0 + timedelta(minutes=10))
    assert list(frame.columns) == ["asset", "sensor", "ts", "value", "quality"]
    assert str(frame["ts"].dtype) == "datetime64[ns, UTC]"
    assert frame["value"].dtype == np.float64 and frame["quality"].dtype == np.int8
    assert len(frame) == 10 * plant.sensor_count
    assert frame["value"].notna().all()


def test_simulator_is_deterministic_per_seed(plant):
    """The same seed gives identical frames; another seed gives different values."""
    a = Simulator(plant, seed=7).generate(T0, T0 + H)
    b = Simulator(plant, seed=7).generate(T0, T0 + H)
    c = Simulator(plant, seed=8).generate(T0, T0 + H)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["value"].fillna(0), c["value"].fillna(0))


def test_simulator_is_chunk_invariant(plant):
    """One window equals the concatenation of odd-sized sub-windows, faults and all."""
    sim = Simulator(plant, seed=1)
    start = T0 + timedelta(seconds=17)  # not on a minute boundary
    end = start + timedelta(hours=7)
    whole = sim.generate(start, end)
    parts = pd.concat(list(sim.iter_chunks(start, end, chunk=timedelta(minutes=53))), ignore_index=True)
    pd.testing.assert_frame_equal(whole, parts)
    later = Simulator(plant, seed=1).generate(start + timedelta(hours=3), end)
    pd.testing.assert_frame_equal(whole[whole["ts"] >= later["ts"].min()].reset_index(drop=True), later)


def test_pump_flow_and_motor_current_are_coupled(plant):
    """P-101's flow and its motor M-101's current correlate strongly; downstream HX-101 flow follows too."""
    wide = Simulator(plant, seed=2, faults=[]).wide(T0, T0 + timedelta(days=2))
    flow = wide[("P-101", "flow")]
    assert np.corrcoef(flow, wide[("M-101", "current")])[0, 1] > 0.5
    assert np.corrcoef(flow, wide[("HX-101", "flow")])[0, 1] > 0.5
    assert np.corrcoef(wide[("C-201", "flow")], wide[("M-201", "current")])[0, 1] > 0.5


def test_healthy_signals_stay_near_their_normal_ranges(plant):
    """Without faults, at least 97 % of every sensor's points lie within its normal range widened by a quarter."""
    wide = Simulator(plant, seed=4, faults=[]).wide(T0, T0 + timedelta(days=1), step=timedelta(minutes=5))
    for asset in plant.assets:
        for s in asset.sensors:
            margin = 0.25 * (s.normal_max - s.normal_min)
            values = wide[(asset.id, s.id)]
            inside = values.between(s.normal_min - margin, s.normal_max + margin).mean()
            assert inside >= 0.97, (asset.id, s.id, inside)


def test_bearing_wear_raises_vibration_and_bearing_temperature(plant):
    """In the last hours of a bearing-wear episode, P-101's vibration is well above its baseline and above normal."""
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=3)
    faulty, _ = _inject(plant, "bearing_wear", "P-101", start, end)
    wide = faulty.wide(T0, end)
    before = wide.loc[: start - H, ("P-101", "vibration_de")].mean()
    last = wide.loc[end - 3 * H:, ("P-101", "vibration_de")].mean()
    assert last > 2.0 * before
    assert last > plant.asset("P-101").sensor("vibration_de").normal_max
    assert wide.loc[end - 3 * H:, ("P-101", "bearing_temp")].mean() > wide.loc[: start - H, ("P-101", "bearing_temp")].mean() + 5


def test_cavitation_drops_suction_pressure_and_shakes_flow(plant):
    """During cavitation P-102's suction pressure falls and its flow gets noisier than its healthy twin's."""
    start, end = T0 + 2 * H, T0 + 8 * H
    faulty, healthy = _inject(plant, "cavitation", "P-102", start, end)
    f, h = faulty.wide(T0, end), healthy.wide(T0, end)
    window = slice(start + H, end - timedelta(minutes=1))
    assert f.loc[window, ("P-102", "suction_pressure")].mean() < h.loc[window, ("P-102", "suction_pressure")].mean() - 0.2
    assert f.loc[window, ("P-102", "flow")].diff().std() > 2.5 * h.loc[window, ("P-102", "flow")].diff().std()
    assert f.loc[window, ("P-102", "vibration_de")].mean() > h.loc[window, ("P-102", "vibration_de")].mean() + 1.0


def test_fouling_widens_the_heat_exchanger_approach(plant):
    """Fouling on HX-201 raises the approach temperature (hot out - cold in) and the pressure drop by its end."""
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=4)
    faulty, healthy = _inject(plant, "fouling", "HX-201", start, end)
    f, h = faulty.wide(end - 4 * H, end), healthy.wide(end - 4 * H, end)
    approach_f = (f[("HX-201", "hot_out_temp")] - f[("HX-201", "cold_in_temp")]).mean()
    approach_h = (h[("HX-201", "hot_out_temp")] - h[("HX-201", "cold_in_temp")]).mean()
    assert approach_f > approach_h + 5
    assert f[("HX-201", "differential_pressure")].mean() > 1.5 * h[("HX-201", "differential_pressure")].mean()


def test_overheating_and_misalignment_show_in_their_sensors(plant):
    """Motor overheating lifts winding temperature; compressor misalignment lifts vibration above normal."""
    start, end = T0 + H, T0 + 13 * H
    spec = [FaultSpec(asset_id="M-201", fault="overheating", start=start, end=end),
            FaultSpec(asset_id="C-201", fault="misalignment", start=start, end=end)]
    f = Simulator(plant, seed=5, faults=spec).wide(T0, end)
    h = Simulator(plant, seed=5, faults=[]).wide(T0, end)
    tail = slice(end - 2 * H, end)
    assert f.loc[tail, ("M-201", "winding_temp")].mean() > h.loc[tail, ("M-201", "winding_temp")].mean() + 20
    assert f.loc[tail, ("C-201", "vibration")].mean() > plant.asset("C-201").sensor("vibration").normal_max


def test_sensor_drift_departs_and_stuck_sensor_freezes(plant):
    """A drifting sensor departs from its healthy twin steadily; a stuck sensor holds one value."""
    start, end = T0 + H, T0 + 25 * H
    spec = [FaultSpec(asset_id="TK-101", fault="sensor_drift", start=start, end=end, sensors=["temperature"]),
            FaultSpec(asset_id="P-103", fault="stuck_sensor", start=start, end=end, sensors=["flow"])]
    f = Simulator(plant, seed=6, faults=spec).wide(T0, end)
    h = Simulator(plant, seed=6, faults=[]).wide(T0, end)
    gap = (f[("TK-101", "temperature")] - h[("TK-101", "temperature")]).abs()
    assert gap.loc[: start - timedelta(minutes=1)].max() == 0
    assert gap.loc[end - 2 * H:].mean() > 5 * max(gap.loc[start: start + 2 * H].mean(), 1e-9)
    stuck = f.loc[start:end - timedelta(minutes=1), ("P-103", "flow")]
    assert stuck.nunique() == 1 and h.loc[start:, ("P-103", "flow")].nunique() > 100


def test_dropout_gives_nan_and_bad_quality_only_in_its_episode(plant):
    """A dropout leaves NaN values flagged quality 2 inside its episode and nowhere else."""
    start, end = T0 + H, T0 + 3 * H
    faulty, _ = _inject(plant, "dropout", "C-901", start, end, sensors=["flow", "vibration"])
    frame = faulty.generate(T0, T0 + 4 * H)
    lost = frame[frame["value"].isna()]
    assert len(lost) > 30
    assert (lost["quality"] == QUALITY_BAD).all()
    assert set(lost["asset"]) == {"C-901"} and set(lost["sensor"]) == {"flow", "vibration"}
    assert lost["ts"].min() >= start and lost["ts"].max() < end
    assert (frame.loc[frame["value"].notna(), "quality"] == 0).all()


def test_labels_cover_every_difference_from_the_healthy_plant(plant):
    """With the automatic schedule, values differ from the healthy twin only inside labelled episodes and sensors."""
    start, end = T0, T0 + timedelta(days=4)
    auto = Simulator(plant, seed=11)
    labels = auto.fault_labels(start, end)
    assert labels
    diff = (auto.wide(start, end, step=timedelta(minutes=10)) - Simulator(plant, seed=11, faults=[]).wide(
        start, end, step=timedelta(minutes=10))).abs()
    changed = diff.isna() | (diff > 1e-9)
    covered = pd.DataFrame(False, index=changed.index, columns=changed.columns)
    for label in labels:
        for sensor in label.sensors:
            covered.loc[label.start: label.end - timedelta(seconds=1), (label.asset_id, sensor)] = True
    assert not (changed & ~covered).any().any()
    assert changed.any().any()


def test_automatic_schedule_is_varied_and_window_independent(plant):
    """Four weeks hold several faults a week of at least six kinds; a sub-window sees the same labels."""
    sim = Simulator(plant, seed=1)
    start, end = T0, T0 + timedelta(days=28)
    labels = sim.fault_labels(start, end)
    assert len(labels) >= 12
    assert len({label.fault for label in labels}) >= 6
    assert len({label.asset_id for label in labels}) >= 8
    mid = T0 + timedelta(days=10)
    sub = sim.fault_labels(mid, mid + timedelta(days=2))
    assert sub == [lb for lb in labels if lb.end > mid and lb.start < mid + timedelta(days=2)]
    assert all(lb.end > lb.start and lb.sensors and lb.source == "simulator" for lb in labels)


def test_bad_fault_and_window_raise_clear_errors(plant):
    """An impossible fault names the valid ones; an unknown asset names close ids; end before start is refused."""
    with pytest.raises(InvalidInputError, match="cavitation"):
        Simulator(plant, faults=[FaultSpec(asset_id="HX-201", fault="cavitation", start=T0, end=T0 + H)])
    with pytest.raises(NotFoundError, match="P-101"):
        Simulator(plant, faults=[FaultSpec(asset_id="P-1O1", fault="cavitation", start=T0, end=T0 + H)])
    with pytest.raises(InvalidInputError, match="not after"):
        Simulator(plant).generate(T0, T0 - H)


def test_values_do_not_depend_on_the_step(plant):
    """A reading at a timestamp is the same whether sampled every minute or every five minutes."""
    sim = Simulator(plant, seed=1)
    fine = sim.wide(T0, T0 + 6 * H)
    coarse = sim.wide(T0, T0 + 6 * H, step=timedelta(minutes=5))
    pd.testing.assert_frame_equal(fine.loc[coarse.index], coarse, check_freq=False)


def test_any_split_of_a_window_gives_the_same_points(plant):
    """For arbitrary split points (seconds, not minutes), the pieces concatenate to the whole window."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    sim = Simulator(plant, seed=9)
    start = T0 + timedelta(days=3, seconds=5)
    end = start + timedelta(minutes=90)
    whole = sim.generate(start, end)

    @settings(max_examples=8, deadline=None)
    @given(st.lists(st.integers(min_value=1, max_value=90 * 60 - 1), max_size=4, unique=True))
    def check(cuts):
        edges = [start, *(start + timedelta(seconds=c) for c in sorted(cuts)), end]
        parts = [sim.generate(a, b) for a, b in zip(edges, edges[1:], strict=False)]
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)

    check()
