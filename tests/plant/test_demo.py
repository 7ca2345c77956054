"""The demo plant: counts, unique ids, a consistent topology and failure modes that name real sensors."""

from __future__ import annotations

from industrialmind.plant.demo import FAULT_KINDS, demo_plant
from industrialmind.plant.faults import EFFECTS, faults_for
from industrialmind.domain.vocabulary import canonical_quantity


def test_demo_plant_meets_the_minimum_counts():
    """The demo plant has at least 3 lines, 30 assets of 8 types and 150 sensors."""
    plant = demo_plant()
    assert plant.site.id == "DEMO"
    assert len(plant.lines) >= 3
    assert len(plant.assets) >= 30
    assert len({a.type for a in plant.assets}) >= 8
    assert plant.sensor_count >= 150


def test_demo_plant_ids_are_unique():
    """Asset ids are unique in the plant, and sensor ids are unique within each asset."""
    plant = demo_plant()
    ids = [a.id for a in plant.assets]
    assert len(ids) == len(set(ids))
    for asset in plant.assets:
        sensor_ids = [s.id for s in asset.sensors]
        assert len(sensor_ids) == len(set(sensor_ids)), asset.id


def test_demo_plant_flow_endpoints_exist():
    """Every flow edge joins two assets of the plant, and every asset's line exists."""
    plant = demo_plant()
    ids = {a.id for a in plant.assets}
    lines = {ln.id for ln in plant.lines}
    for flow in plant.flows:
        assert flow.source in ids and flow.target in ids, flow
    assert all(a.line_id in lines for a in plant.assets)


def test_demo_plant_each_line_is_connected():
    """Within each line, the assets form one connected piece of the flow graph."""
    plant = demo_plant()
    for line in plant.lines:
        members = {a.id for a in plant.assets if a.line_id == line.id}
        neighbours = {m: set() for m in members}
        for f in plant.flows:
            if f.source in members and f.target in members:
                neighbours[f.source].add(f.target)
                neighbours[f.target].add(f.source)
        seen, todo = set(), [min(members)]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(neighbours[node])
        assert seen == members, (line.id, members - seen)


def test_failure_mode_sensors_exist_on_their_asset_type():
    """Every failure mode's revealing sensors exist on some asset of the mode's type."""
    plant = demo_plant()
    for mode in plant.failure_modes:
        assets = [a for a in plant.assets if a.type == mode.asset_type]
        assert assets, mode.id
        for sensor in mode.revealing_sensors:
            assert any(sensor in {s.id for s in a.sensors} for a in assets), (mode.id, sensor)


def test_failure_modes_cover_every_injectable_fault():
    """Each fault the simulator can inject on a type has a failure mode '<type>.<fault>', and all kinds appear."""
    plant = demo_plant()
    mode_ids = {m.id for m in plant.failure_modes}
    for atype in {a.type for a in plant.assets}:
        for fault in faults_for(atype):
            assert f"{atype}.{fault}" in mode_ids
    assert {m.id.split(".")[1] for m in plant.failure_modes} == set(FAULT_KINDS)


def test_fault_effects_touch_revealing_sensors():
    """The sensors a machine fault moves are among its failure mode's revealing sensors or the asset's sensors."""
    plant = demo_plant()
    modes = {m.id: m for m in plant.failure_modes}
    for atype, faults in EFFECTS.items():
        sensors = {s.id for a in plant.assets if a.type == atype for s in a.sensors}
        for fault, effects in faults.items():
            moved = {sid for sid, *_ in effects}
            assert moved <= sensors, (atype, fault)
            assert set(modes[f"{atype}.{fault}"].revealing_sensors) & moved, (atype, fault)


def test_demo_plant_is_deterministic_and_has_recognisable_ids():
    """Two calls give equal plants with engineer-style ids, names, aliases, make/model and motors linked to machines."""
    a, b = demo_plant(), demo_plant()
    assert a == b
    p101 = a.asset("P-101")
    assert p101.type == "centrifugal_pump" and "feed pump A" in p101.aliases and p101.manufacturer
    assert a.asset("M-101").attributes["drives"] == "P-101"
    assert {"flow", "discharge_pressure", "suction_pressure", "vibration_de", "bearing_temp"} <= {s.id for s in p101.sensors}
    assert all(s.sample_period_s == 60.0 and s.normal_min < s.normal_max for s in p101.sensors)


def test_sensor_synonyms_map_user_words():
    """Everyday words map to quantities: 'amps' to current, 'vib' to vibration, 'temp' to temperature."""
    assert canonical_quantity("amps") == "current"
    assert canonical_quantity("Vib") == "vibration"
    assert canonical_quantity("temp") == "temperature"
    assert canonical_quantity("bearing temp") == "bearing_temp"
    assert canonical_quantity("banana") is None
