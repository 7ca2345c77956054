"""Simulated training and test data for the anomaly-model tests: one pump, healthy days then injected faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

T0 = datetime(2026, 11, 1, tzinfo=UTC)
ASSET = "P-101"
TRAIN_DAYS = 2
STEP = timedelta(minutes=5)


def fault_specs():
    """Two fault episodes on P-101 in the held-back third day."""
    from industrialmind.plant.faults import FaultSpec

    return [FaultSpec(asset_id=ASSET, fault="cavitation", start=T0 + timedelta(days=2, hours=3),
                      end=T0 + timedelta(days=2, hours=5)),
            FaultSpec(asset_id=ASSET, fault="bearing_wear", start=T0 + timedelta(days=2, hours=12),
                      end=T0 + timedelta(days=2, hours=16))]


@lru_cache(maxsize=1)
def pump_data():
    """(wide frame of P-101 over three days at 5 min, sensors, fault labels); the first two days are healthy.

    Five-minute steps keep the training sets small (576 rows) so every test trains in seconds on a busy machine.
    """
    from industrialmind.plant.demo import demo_plant
    from industrialmind.plant.simulator import Simulator

    sim = Simulator(demo_plant(), seed=3, faults=fault_specs())
    end = T0 + timedelta(days=3)
    wide = sim.wide(T0, end, STEP)[ASSET]
    wide.columns = [str(c) for c in wide.columns]
    return wide, list(wide.columns), sim.fault_labels(T0, end)


def split():
    """(train values, test frame, labels): train on the healthy days, test on the day with faults."""
    import numpy as np

    wide, sensors, labels = pump_data()
    cut = T0 + timedelta(days=TRAIN_DAYS)
    return wide[wide.index < cut].to_numpy(np.float32), wide[wide.index >= cut], sensors, labels
