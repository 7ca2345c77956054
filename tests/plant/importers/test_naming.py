"""Sensor ids, quantities and units guessed from column names, and ranges estimated from data."""

from __future__ import annotations

import pandas as pd
import pytest

from industrialmind.plant.importers._common import estimate_range, infer_quantity_unit, snake_case


@pytest.mark.parametrize("name, expected", [
    ("Volume Flow RateRMS", "volume_flow_rate_rms"),
    ("Accelerometer1RMS", "accelerometer1_rms"),
    ("Chiller % Loaded", "chiller_percent_loaded"),
    ("CP_CoolingPower_kW_1Hz", "cp_cooling_power_kw_1hz"),
])
def test_snake_case_makes_readable_ids(name, expected):
    """Column names in any style become snake_case ids that keep unit spellings whole."""
    assert snake_case(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("TS1_Temperature_C_1Hz", ("temperature", "°C")),
    ("PS1_Pressure_bar_100Hz", ("pressure", "bar")),
    ("FS1_VolumeFlow_l_per_min_10Hz", ("flow", "l/min")),
    ("Motor_Current_A", ("current", "A")),
    ("Low_Pressure_Switch_Status", ("state", "")),
    ("power kW", ("power", "kW")),
    ("mystery", ("value", "")),
])
def test_infer_quantity_unit_reads_names(name, expected):
    """Quantity and unit come from the words and unit tokens of a name; status words win over measured words."""
    assert infer_quantity_unit(name) == expected


def test_estimate_range_uses_percentiles_and_ignores_gaps():
    """The estimated normal range is the 1st-99th percentile of the finite values."""
    lo, hi = estimate_range(pd.Series([float("nan")] + list(range(101))))
    assert (lo, hi) == (1.0, 99.0)
    assert estimate_range(pd.Series([float("nan")])) == (None, None)
