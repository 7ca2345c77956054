"""The demo plant: 'Riverside Process Plant' (site DEMO), a believable process plant written by this project.

Three process lines and a utilities area: raw water intake and feed (L1), reaction and compression (L2), drying
and packaging (L3), utilities (U1: cooling water, chilled water, instrument air). Each asset type has a fixed
set of sensor ids (a pump always has `flow`, `discharge_pressure`, `suction_pressure`, `vibration_de`,
`vibration_nde`, `bearing_temp`; its motor has `current`, `winding_temp`, `vibration`, `speed`, `power`), so
questions and models carry over from one asset to the next. Everything here is deterministic data.
"""

from __future__ import annotations

from functools import lru_cache

from industrialmind.domain.model import Asset, Component, FailureMode, Flow, Line, Plant, Sensor, Site
from industrialmind.domain.vocabulary import sensor_synonyms

__all__ = ["FAULT_KINDS", "SENSOR_TEMPLATES", "SITE_ID", "demo_plant", "sensor_synonyms"]

SITE_ID = "DEMO"
SAMPLE_PERIOD_S = 60.0

# The faults the simulator injects; each asset type's failure modes are named '<asset_type>.<fault>'.
FAULT_KINDS = ("bearing_wear", "cavitation", "misalignment", "fouling", "overheating",
               "sensor_drift", "stuck_sensor", "dropout")

# sensor id -> (name, quantity, unit, normal_min, normal_max, component)
_S = tuple[str, str, str, float, float, str | None]
SENSOR_TEMPLATES: dict[str, dict[str, _S]] = {
    "centrifugal_pump": {
        "flow": ("Flow", "flow", "m3/h", 80.0, 130.0, None),
        "discharge_pressure": ("Discharge pressure", "pressure", "bar", 5.5, 7.5, "casing"),
        "suction_pressure": ("Suction pressure", "pressure", "bar", 1.2, 2.2, "casing"),
        "vibration_de": ("Vibration, drive end", "vibration", "mm/s", 0.8, 3.5, "bearing_de"),
        "vibration_nde": ("Vibration, non-drive end", "vibration", "mm/s", 0.6, 3.0, "bearing_nde"),
        "bearing_temp": ("Bearing temperature", "temperature", "degC", 35.0, 70.0, "bearing_de"),
    },
    "motor": {
        "current": ("Motor current", "current", "A", 40.0, 95.0, "stator"),
        "winding_temp": ("Winding temperature", "temperature", "degC", 55.0, 105.0, "winding"),
        "vibration": ("Motor vibration", "vibration", "mm/s", 0.5, 2.8, "bearing"),
        "speed": ("Shaft speed", "speed", "rpm", 1470.0, 1490.0, "rotor"),
        "power": ("Electrical power", "power", "kW", 20.0, 55.0, "stator"),
    },
    "compressor": {
        "suction_pressure": ("Suction pressure", "pressure", "bar", 0.9, 1.2, None),
        "discharge_pressure": ("Discharge pressure", "pressure", "bar", 7.0, 9.0, None),
        "discharge_temp": ("Discharge temperature", "temperature", "degC", 85.0, 120.0, None),
        "flow": ("Gas flow", "flow", "Nm3/h", 900.0, 1400.0, None),
        "vibration": ("Vibration", "vibration", "mm/s", 1.0, 4.0, "bearing"),
        "bearing_temp": ("Bearing temperature", "temperature", "degC", 45.0, 80.0, "bearing"),
        "oil_pressure": ("Lube oil pressure", "pressure", "bar", 2.0, 3.0, "lube_system"),
        "oil_temp": ("Lube oil temperature", "temperature", "degC", 40.0, 60.0, "lube_system"),
    },
    "fan": {
        "airflow": ("Air flow", "flow", "m3/h", 18000.0, 30000.0, "impeller"),
        "differential_pressure": ("Fan differential pressure", "pressure", "mbar", 12.0, 22.0, None),
        "vibration": ("Vibration", "vibration", "mm/s", 1.0, 4.5, "bearing"),
        "bearing_temp": ("Bearing temperature", "temperature", "degC", 30.0, 65.0, "bearing"),
        "speed": ("Fan speed", "speed", "rpm", 950.0, 1480.0, "shaft"),
    },
    "blower": {
        "airflow": ("Air flow", "flow", "m3/h", 1500.0, 2400.0, "rotor"),
        "discharge_pressure": ("Discharge pressure", "pressure", "bar", 0.6, 0.9, None),
        "discharge_temp": ("Discharge temperature", "temperature", "degC", 60.0, 95.0, None),
        "vibration": ("Vibration", "vibration", "mm/s", 1.0, 4.5, "bearing"),
        "bearing_temp": ("Bearing temperature", "temperature", "degC", 35.0, 75.0, "bearing"),
    },
    "heat_exchanger": {
        "hot_in_temp": ("Hot side inlet temperature", "temperature", "degC", 80.0, 95.0, "shell"),
        "hot_out_temp": ("Hot side outlet temperature", "temperature", "degC", 38.0, 50.0, "shell"),
        "cold_in_temp": ("Cold side inlet temperature", "temperature", "degC", 18.0, 26.0, "tubes"),
        "cold_out_temp": ("Cold side outlet temperature", "temperature", "degC", 55.0, 70.0, "tubes"),
        "differential_pressure": ("Cold side pressure drop", "pressure", "bar", 0.3, 0.7, "tubes"),
        "flow": ("Cold side flow", "flow", "m3/h", 60.0, 120.0, "tubes"),
    },
    "valve": {
        "position": ("Valve position", "position", "%", 30.0, 75.0, "stem"),
        "command": ("Controller output", "command", "%", 30.0, 75.0, "positioner"),
        "upstream_pressure": ("Upstream pressure", "pressure", "bar", 5.0, 7.0, "body"),
        "downstream_pressure": ("Downstream pressure", "pressure", "bar", 3.0, 5.0, "body"),
    },
    "tank": {
        "level": ("Level", "level", "%", 35.0, 85.0, "shell"),
        "temperature": ("Contents temperature", "temperature", "degC", 15.0, 35.0, "shell"),
        "pressure": ("Head space pressure", "pressure", "bar", 0.95, 1.15, "shell"),
    },
    "conveyor": {
        "speed": ("Belt speed", "speed", "m/s", 1.6, 2.1, "belt"),
        "load": ("Belt load", "load", "t/h", 8.0, 16.0, "belt"),
        "vibration": ("Head pulley vibration", "vibration", "mm/s", 0.8, 4.0, "head_pulley_bearing"),
        "bearing_temp": ("Head pulley bearing temperature", "temperature", "degC", 25.0, 60.0, "head_pulley_bearing"),
    },
    "agitator": {
        "speed": ("Agitator speed", "speed", "rpm", 55.0, 65.0, "shaft"),
        "torque": ("Shaft torque", "torque", "%", 40.0, 80.0, "shaft"),
        "vibration": ("Gearbox vibration", "vibration", "mm/s", 0.8, 4.0, "gearbox"),
        "gearbox_temp": ("Gearbox oil temperature", "temperature", "degC", 40.0, 75.0, "gearbox"),
    },
    "chiller": {
        "chw_supply_temp": ("Chilled water supply temperature", "temperature", "degC", 6.0, 8.0, "evaporator"),
        "chw_return_temp": ("Chilled water return temperature", "temperature", "degC", 11.0, 14.0, "evaporator"),
        "condenser_water_temp": ("Condenser water inlet temperature", "temperature", "degC", 24.0, 30.0, "condenser"),
        "evaporator_pressure": ("Evaporator refrigerant pressure", "pressure", "bar", 3.0, 3.8, "evaporator"),
        "condenser_pressure": ("Condenser refrigerant pressure", "pressure", "bar", 8.5, 11.0, "condenser"),
        "power": ("Compressor power", "power", "kW", 120.0, 260.0, "compressor"),
        "cooling_load": ("Cooling load", "power", "kW", 500.0, 1100.0, None),
    },
}

_COMPONENTS: dict[str, list[tuple[str, str, str]]] = {
    "centrifugal_pump": [("bearing_de", "Drive-end bearing", "bearing"), ("bearing_nde", "Non-drive-end bearing", "bearing"),
                         ("seal", "Mechanical seal", "seal"), ("impeller", "Impeller", "impeller"),
                         ("casing", "Volute casing", "casing"), ("coupling", "Flexible coupling", "coupling")],
    "motor": [("bearing", "Motor bearings", "bearing"), ("winding", "Stator winding", "winding"),
              ("stator", "Stator", "stator"), ("rotor", "Rotor", "rotor"), ("cooling_fan", "Cooling fan", "fan")],
    "compressor": [("bearing", "Journal bearings", "bearing"), ("rotor", "Screw rotors", "rotor"),
                   ("lube_system", "Lube oil system", "lubrication"), ("inlet_valve", "Inlet valve", "valve"),
                   ("coupling", "Coupling", "coupling"), ("intercooler", "Intercooler", "heat_exchanger")],
    "fan": [("bearing", "Fan bearings", "bearing"), ("impeller", "Fan impeller", "impeller"),
            ("shaft", "Shaft", "shaft"), ("belt_drive", "V-belt drive", "belt")],
    "blower": [("bearing", "Blower bearings", "bearing"), ("rotor", "Lobe rotors", "rotor"),
               ("inlet_filter", "Inlet filter", "filter"), ("coupling", "Coupling", "coupling")],
    "heat_exchanger": [("shell", "Shell", "shell"), ("tubes", "Tube bundle", "tube_bundle"),
                       ("gaskets", "Gaskets", "gasket")],
    "valve": [("body", "Valve body", "body"), ("stem", "Stem and packing", "stem"), ("actuator", "Actuator", "actuator"),
              ("positioner", "Positioner", "positioner"), ("seat", "Seat and plug", "seat")],
    "tank": [("shell", "Shell", "shell"), ("level_transmitter", "Level transmitter", "instrument"),
             ("vent", "Vent and breather", "vent")],
    "conveyor": [("belt", "Belt", "belt"), ("head_pulley_bearing", "Head pulley bearing", "bearing"),
                 ("idlers", "Idlers", "idler"), ("gearbox", "Gearbox", "gearbox")],
    "agitator": [("shaft", "Shaft", "shaft"), ("gearbox", "Gearbox", "gearbox"), ("impeller", "Impeller blades", "impeller"),
                 ("seal", "Shaft seal", "seal")],
    "chiller": [("compressor", "Centrifugal compressor", "compressor"), ("evaporator", "Evaporator", "heat_exchanger"),
                ("condenser", "Condenser", "heat_exchanger"), ("expansion_valve", "Expansion valve", "valve")],
}

# (asset id, type, name, line, make, model, criticality, aliases, normal-range overrides, attributes)
_ASSETS: list[tuple] = [
    # --- Line 1: raw water intake and feed
    ("TK-101", "tank", "Raw water tank", "L1", "Tankcraft", "VT-250 250 m3", "B",
     ["raw water tank", "intake tank", "the raw water tank on line 1"], {}, {"capacity_m3": 250.0}),
    ("P-101", "centrifugal_pump", "Feed pump A", "L1", "Sulzer", "AHLSTAR A 12-80", "A",
     ["feed pump A", "the feed pump on line 1", "raw water pump", "main feed pump"], {}, {"rated_flow_m3h": 120.0, "driven_by": "M-101"}),
    ("M-101", "motor", "Feed pump A motor", "L1", "ABB", "M3BP 250 SMA 4 (55 kW)", "A",
     ["feed pump A motor", "P-101 motor", "motor of the feed pump"], {}, {"rated_kw": 55.0, "drives": "P-101"}),
    ("P-102", "centrifugal_pump", "Feed pump B", "L1", "Sulzer", "AHLSTAR A 12-80", "B",
     ["feed pump B", "second feed pump", "second raw water pump"], {}, {"rated_flow_m3h": 120.0, "driven_by": "M-102"}),
    ("M-102", "motor", "Feed pump B motor", "L1", "ABB", "M3BP 250 SMA 4 (55 kW)", "B",
     ["feed pump B motor", "P-102 motor"], {}, {"rated_kw": 55.0, "drives": "P-102"}),
    ("V-101", "valve", "Feed flow control valve", "L1", "Fisher", "easy-e ET 4in", "B",
     ["feed control valve", "FCV-101", "the feed valve"], {}, {"size_in": 4.0}),
    ("HX-101", "heat_exchanger", "Feed preheater", "L1", "Alfa Laval", "M10-BFG plate", "B",
     ["feed preheater", "preheater", "line 1 heat exchanger"],
     {"hot_in_temp": (85.0, 95.0), "hot_out_temp": (40.0, 52.0), "cold_in_temp": (12.0, 22.0), "cold_out_temp": (45.0, 60.0),
      "flow": (80.0, 130.0)}, {"duty_kw": 4200.0}),
    ("TK-102", "tank", "Mix tank", "L1", "Tankcraft", "VT-60 60 m3 agitated", "B",
     ["mix tank", "mixing tank", "make-up tank"], {"temperature": (42.0, 58.0)}, {"capacity_m3": 60.0}),
    ("AG-101", "agitator", "Mix tank agitator", "L1", "EKATO", "Ekato Paravisc 30 kW", "C",
     ["mix tank agitator", "mixer", "TK-102 agitator"], {}, {"driven_by": "M-103"}),
    ("M-103", "motor", "Mix tank agitator motor", "L1", "Siemens", "1LE1 30 kW", "C",
     ["agitator motor", "mixer motor", "AG-101 motor"],
     {"current": (30.0, 55.0), "power": (12.0, 26.0)}, {"rated_kw": 30.0, "drives": "AG-101"}),
    ("P-103", "centrifugal_pump", "Transfer pump", "L1", "Grundfos", "NK 80-250", "A",
     ["transfer pump", "feed transfer pump", "pump to the reactor"],
     {"flow": (70.0, 110.0), "discharge_pressure": (6.5, 8.5), "suction_pressure": (1.0, 1.8)},
     {"rated_flow_m3h": 100.0, "driven_by": "M-104"}),
    ("M-104", "motor", "Transfer pump motor", "L1", "WEG", "W22 45 kW", "A",
     ["transfer pump motor", "P-103 motor"], {"current": (35.0, 80.0), "power": (18.0, 44.0)},
     {"rated_kw": 45.0, "drives": "P-103"}),
    # --- Line 2: reaction and compression
    ("TK-201", "tank", "Reactor R-201", "L2", "De Dietrich", "Glass-lined 40 m3 reactor", "A",
     ["reactor", "R-201", "main reactor"], {"temperature": (70.0, 82.0), "pressure": (2.5, 3.5)}, {"capacity_m3": 40.0}),
    ("AG-201", "agitator", "Reactor agitator", "L2", "EKATO", "Ekato Viscoprop 45 kW", "A",
     ["reactor agitator", "reactor mixer", "R-201 agitator"], {}, {"driven_by": "M-202"}),
    ("M-202", "motor", "Reactor agitator motor", "L2", "Siemens", "1LE1 45 kW", "A",
     ["reactor agitator motor", "AG-201 motor"], {"current": (35.0, 80.0), "power": (18.0, 44.0)},
     {"rated_kw": 45.0, "drives": "AG-201"}),
    ("P-201", "centrifugal_pump", "Reactor circulation pump", "L2", "KSB", "Etanorm 100-250", "A",
     ["circulation pump", "reactor pump", "loop pump"], {"flow": (90.0, 150.0), "bearing_temp": (40.0, 75.0)},
     {"rated_flow_m3h": 140.0, "driven_by": "M-203"}),
    ("M-203", "motor", "Reactor circulation pump motor", "L2", "ABB", "M3BP 280 SMA 4 (75 kW)", "A",
     ["circulation pump motor", "P-201 motor"], {"current": (55.0, 130.0), "power": (28.0, 72.0)},
     {"rated_kw": 75.0, "drives": "P-201"}),
    ("HX-201", "heat_exchanger", "Reactor cooler", "L2", "Kelvion", "NT 150 plate", "A",
     ["reactor cooler", "reactor heat exchanger", "line 2 cooler"],
     {"hot_in_temp": (74.0, 84.0), "hot_out_temp": (36.0, 46.0), "cold_in_temp": (24.0, 30.0), "cold_out_temp": (42.0, 56.0),
      "flow": (120.0, 200.0)}, {"duty_kw": 6500.0}),
    ("C-201", "compressor", "Off-gas compressor", "L2", "Atlas Copco", "GA 90 VSD+", "A",
     ["off-gas compressor", "process compressor", "the compressor on line 2", "vapour recovery compressor"], {},
     {"driven_by": "M-201"}),
    ("M-201", "motor", "Off-gas compressor motor", "L2", "ABB", "M3BP 315 SMA 2 (90 kW)", "A",
     ["compressor motor", "C-201 motor"],
     {"current": (80.0, 160.0), "power": (45.0, 88.0), "speed": (2960.0, 2985.0), "winding_temp": (60.0, 110.0)},
     {"rated_kw": 90.0, "drives": "C-201"}),
    ("HX-202", "heat_exchanger", "Compressor aftercooler", "L2", "Alfa Laval", "Compabloc CP30", "B",
     ["aftercooler", "gas cooler", "C-201 aftercooler"],
     {"hot_in_temp": (95.0, 118.0), "hot_out_temp": (30.0, 42.0), "cold_in_temp": (6.0, 9.0), "cold_out_temp": (12.0, 18.0),
      "flow": (40.0, 80.0)}, {"duty_kw": 900.0}),
    ("V-201", "valve", "Reactor pressure control valve", "L2", "Samson", "3241 DN80", "A",
     ["reactor pressure valve", "PCV-201", "vent valve"],
     {"upstream_pressure": (2.5, 3.5), "downstream_pressure": (0.9, 1.2)}, {"size_in": 3.0}),
    ("TK-202", "tank", "Product buffer tank", "L2", "Tankcraft", "VT-80 80 m3", "B",
     ["product buffer tank", "buffer tank", "slurry tank"], {"temperature": (35.0, 45.0)}, {"capacity_m3": 80.0}),
    ("P-202", "centrifugal_pump", "Slurry pump", "L2", "Warman", "WBH 100", "A",
     ["slurry pump", "dryer feed pump", "product pump"],
     {"flow": (40.0, 70.0), "discharge_pressure": (3.5, 5.0), "suction_pressure": (1.1, 1.8)},
     {"rated_flow_m3h": 65.0, "driven_by": "M-204"}),
    ("M-204", "motor", "Slurry pump motor", "L2", "WEG", "W22 37 kW", "A",
     ["slurry pump motor", "P-202 motor"], {"current": (30.0, 68.0), "power": (15.0, 36.0)},
     {"rated_kw": 37.0, "drives": "P-202"}),
    # --- Line 3: drying and packaging
    ("HX-301", "heat_exchanger", "Dryer air heater", "L3", "Kelvion", "Finned-tube steam coil", "B",
     ["dryer air heater", "air heater", "steam coil"],
     {"hot_in_temp": (150.0, 165.0), "hot_out_temp": (120.0, 140.0), "cold_in_temp": (10.0, 28.0), "cold_out_temp": (130.0, 150.0),
      "differential_pressure": (0.05, 0.12), "flow": (18000.0, 30000.0)}, {"duty_kw": 1100.0}),
    ("FN-302", "fan", "Dryer supply air fan", "L3", "Howden", "Centrifugal 1.2 m", "B",
     ["supply fan", "dryer supply fan", "air supply fan"], {}, {"driven_by": "M-302"}),
    ("M-302", "motor", "Supply air fan motor", "L3", "Siemens", "1LE1 37 kW", "B",
     ["supply fan motor", "FN-302 motor"], {"current": (30.0, 68.0), "power": (15.0, 36.0)},
     {"rated_kw": 37.0, "drives": "FN-302"}),
    ("CV-301", "conveyor", "Dryer feed conveyor", "L3", "Continental", "Troughed belt 800 mm", "B",
     ["dryer feed conveyor", "feed belt", "wet cake conveyor"], {}, {"driven_by": "M-303"}),
    ("M-303", "motor", "Dryer feed conveyor motor", "L3", "SEW-Eurodrive", "DRN 15 kW", "B",
     ["feed conveyor motor", "CV-301 motor"], {"current": (14.0, 30.0), "power": (6.0, 14.0)},
     {"rated_kw": 15.0, "drives": "CV-301"}),
    ("DR-301", "tank", "Fluid bed dryer", "L3", "GEA", "Fluid bed 12 m2", "A",
     ["dryer", "fluid bed dryer", "the dryer"], {"temperature": (85.0, 105.0), "pressure": (0.97, 1.0), "level": (30.0, 60.0)},
     {"capacity_m3": 12.0}),
    ("FN-301", "fan", "Dryer exhaust fan", "L3", "Howden", "Centrifugal 1.4 m", "A",
     ["exhaust fan", "dryer exhaust fan", "ID fan", "induced draft fan"], {}, {"driven_by": "M-301"}),
    ("M-301", "motor", "Exhaust fan motor", "L3", "ABB", "M3BP 250 SMA 4 (55 kW)", "A",
     ["exhaust fan motor", "FN-301 motor", "ID fan motor"], {}, {"rated_kw": 55.0, "drives": "FN-301"}),
    ("CV-302", "conveyor", "Product conveyor", "L3", "Continental", "Troughed belt 650 mm", "B",
     ["product conveyor", "packing conveyor", "dry product belt"], {"load": (6.0, 13.0)}, {"driven_by": "M-304"}),
    ("M-304", "motor", "Product conveyor motor", "L3", "SEW-Eurodrive", "DRN 11 kW", "B",
     ["product conveyor motor", "CV-302 motor"], {"current": (10.0, 22.0), "power": (4.0, 10.0)},
     {"rated_kw": 11.0, "drives": "CV-302"}),
    ("BL-301", "blower", "Pneumatic transport blower", "L3", "Aerzen", "Delta Blower GM 25S", "B",
     ["transport blower", "conveying blower", "pneumatic blower"], {}, {"driven_by": "M-305"}),
    ("M-305", "motor", "Transport blower motor", "L3", "WEG", "W22 30 kW", "B",
     ["blower motor", "BL-301 motor"], {"current": (28.0, 55.0), "power": (14.0, 28.0)},
     {"rated_kw": 30.0, "drives": "BL-301"}),
    ("TK-301", "tank", "Product silo", "L3", "Tankcraft", "Silo 150 m3", "B",
     ["product silo", "silo", "finished product silo"], {"temperature": (25.0, 40.0), "pressure": (1.0, 1.05)},
     {"capacity_m3": 150.0}),
    # --- Utilities: cooling water, chilled water, instrument air
    ("CH-901", "chiller", "Process chiller", "U1", "Trane", "CenTraVac CVHF 300 t", "A",
     ["chiller", "process chiller", "chilled water plant"], {}, {"rated_kw_cooling": 1050.0}),
    ("P-901", "centrifugal_pump", "Cooling water pump", "U1", "KSB", "Omega 150-360", "A",
     ["cooling water pump", "CW pump", "cooling pump"],
     {"flow": (250.0, 380.0), "discharge_pressure": (3.8, 4.8), "suction_pressure": (0.8, 1.4)},
     {"rated_flow_m3h": 360.0, "driven_by": "M-901"}),
    ("M-901", "motor", "Cooling water pump motor", "U1", "ABB", "M3BP 280 SMB 4 (90 kW)", "A",
     ["cooling water pump motor", "P-901 motor", "CW pump motor"],
     {"current": (70.0, 155.0), "power": (38.0, 85.0)}, {"rated_kw": 90.0, "drives": "P-901"}),
    ("FN-901", "fan", "Cooling tower fan", "U1", "Baltimore Aircoil", "Series 3000 fan", "B",
     ["cooling tower fan", "tower fan", "CT fan"],
     {"airflow": (180000.0, 300000.0), "differential_pressure": (1.0, 2.2), "speed": (180.0, 290.0)}, {}),
    ("C-901", "compressor", "Instrument air compressor", "U1", "Atlas Copco", "GA 37 VSD+", "A",
     ["instrument air compressor", "air compressor", "IA compressor"],
     {"flow": (250.0, 420.0), "discharge_pressure": (6.8, 7.6), "discharge_temp": (75.0, 105.0)}, {"driven_by": "M-902"}),
    ("M-902", "motor", "Instrument air compressor motor", "U1", "WEG", "W22 37 kW", "A",
     ["air compressor motor", "C-901 motor"],
     {"current": (30.0, 68.0), "power": (15.0, 36.0), "speed": (2960.0, 2985.0)}, {"rated_kw": 37.0, "drives": "C-901"}),
    ("TK-901", "tank", "Instrument air receiver", "U1", "Atlas Copco", "LV 3000 l receiver", "B",
     ["air receiver", "instrument air receiver", "IA receiver"],
     {"level": (0.0, 1.0), "temperature": (20.0, 35.0), "pressure": (6.5, 7.4)}, {"capacity_m3": 3.0}),
    ("V-901", "valve", "Cooling water return valve", "U1", "Fisher", "Vee-Ball V150 6in", "B",
     ["cooling water valve", "CW return valve", "TCV-901"],
     {"upstream_pressure": (2.5, 3.5), "downstream_pressure": (1.2, 2.0)}, {"size_in": 6.0}),
]

# Every vessel that only holds material still gets a level; the air receiver is a pressure vessel, so its level
# sensor is dropped (see _sensors_for).
_NO_SENSOR = {("TK-901", "level")}

_LINES = [
    ("L1", "Line 1 - Raw water intake and feed", "Wet end",
     "Raw water is pumped from the intake tank, preheated, mixed with reagents and transferred to the reactor.",
     ["line 1", "feed line", "intake line", "raw water line"]),
    ("L2", "Line 2 - Reaction and compression", "Wet end",
     "The stirred reactor with its circulation loop and cooler; off-gas compression; product buffer and slurry pump.",
     ["line 2", "reaction line", "reactor line", "compression line"]),
    ("L3", "Line 3 - Drying and packaging", "Dry end",
     "Fluid bed dryer with heated supply air and exhaust fan; dry product conveyed and blown to the silo.",
     ["line 3", "dryer line", "drying line", "packaging line"]),
    ("U1", "Utilities - cooling water, chilled water and instrument air", "Utilities",
     "Cooling water pump and tower, the process chiller, and the instrument air compressor and receiver.",
     ["utilities", "utility area", "cooling water", "instrument air"]),
]

# (source, target, medium): process flow, plus shaft power from each motor to the machine it drives
_FLOWS: list[tuple[str, str, str]] = [
    # L1
    ("TK-101", "P-101", "raw water"), ("TK-101", "P-102", "raw water"),
    ("P-101", "V-101", "raw water"), ("P-102", "V-101", "raw water"),
    ("V-101", "HX-101", "raw water"), ("HX-101", "TK-102", "preheated water"),
    ("TK-102", "P-103", "feed mix"), ("AG-101", "TK-102", "agitation"),
    # L1 -> L2
    ("P-103", "TK-201", "feed mix"),
    # L2
    ("TK-201", "P-201", "reaction mass"), ("P-201", "HX-201", "reaction mass"), ("HX-201", "TK-201", "reaction mass"),
    ("TK-201", "C-201", "off-gas"), ("C-201", "HX-202", "compressed off-gas"),
    ("TK-201", "V-201", "reactor vent gas"),
    ("AG-201", "TK-201", "agitation"), ("TK-201", "TK-202", "product slurry"), ("TK-202", "P-202", "product slurry"),
    # L2 -> L3
    ("P-202", "CV-301", "wet cake"),
    # L3
    ("FN-302", "HX-301", "ambient air"), ("HX-301", "DR-301", "hot air"), ("CV-301", "DR-301", "wet cake"),
    ("DR-301", "FN-301", "exhaust air"), ("DR-301", "CV-302", "dry product"), ("CV-302", "BL-301", "dry product"),
    ("BL-301", "TK-301", "dry product"),
    # utilities -> process
    ("P-901", "HX-201", "cooling water"), ("HX-201", "V-901", "cooling water"), ("V-901", "FN-901", "cooling water"),
    ("FN-901", "P-901", "cooling water"), ("P-901", "HX-101", "cooling water"),
    ("CH-901", "HX-202", "chilled water"), ("P-901", "CH-901", "condenser water"),
    ("C-901", "TK-901", "instrument air"), ("TK-901", "V-101", "instrument air"),
    ("TK-901", "V-201", "instrument air"), ("TK-901", "V-901", "instrument air"),
]

# (fault, component, mechanism, symptoms, revealing sensor ids, recommended action, S, O, D)
_FM = tuple[str, str, str, list[str], list[str], str, int, int, int]
_FAILURE_MODES: dict[str, list[_FM]] = {
    "centrifugal_pump": [
        ("bearing_wear", "bearing_de", ("Rolling-element bearing fatigue and lubricant breakdown: spalling on the races "
         "raises impact energy at the bearing defect frequencies."),
         ["rising overall vibration at the drive end", "bearing temperature creeping up", "audible noise"],
         ["vibration_de", "vibration_nde", "bearing_temp"],
         ("Check lubrication, take a vibration spectrum (envelope) to confirm the defect frequency, plan a bearing "
         "replacement at the next stop; do not run past 7.1 mm/s (ISO 10816 zone D)."), 7, 5, 4),
        ("cavitation", "impeller", ("Suction pressure falls below the vapour pressure margin (NPSH available < NPSH "
         "required): vapour bubbles form and collapse on the impeller, eroding it."),
         ["suction pressure drop", "noisy, erratic flow", "broadband vibration", "crackling sound like gravel"],
         ["suction_pressure", "flow", "vibration_de"],
         ("Raise suction head (tank level), check the suction strainer and valves for blockage, reduce flow toward "
         "the best efficiency point; inspect the impeller for pitting."), 6, 4, 4),
        ("misalignment", "coupling", ("Angular or parallel offset between pump and motor shafts loads the coupling "
         "and bearings at 1x and 2x running speed."),
         ["high vibration at both ends, 2x running speed", "coupling wear", "warm bearings"],
         ["vibration_de", "vibration_nde", "bearing_temp"],
         "Laser-align pump and motor shafts; check soft foot and pipe strain.", 5, 4, 3),
        ("overheating", "seal", ("Loss of seal flush or running against a closed valve heats the seal faces and "
         "bearings."), ["rising bearing temperature", "seal leakage", "low flow"], ["bearing_temp", "flow"],
         "Check seal flush and the discharge valve; stop the pump before the bearing passes 90 degC.", 6, 3, 3),
    ],
    "motor": [
        ("bearing_wear", "bearing", "Motor bearing wear from grease degradation or electrical fluting.",
         ["rising vibration", "bearing noise"], ["vibration", "winding_temp"],
         "Regrease per the nameplate interval, take a vibration spectrum, plan a bearing change.", 6, 4, 4),
        ("overheating", "winding", ("Blocked cooling, overload or supply imbalance raises the winding temperature and "
         "ages the insulation (10 K over rating halves its life)."),
         ["winding temperature above normal", "higher current for the same load"], ["winding_temp", "current"],
         "Clean the cooling fan and fins, check phase balance and load; trip before insulation class limit.", 7, 3, 3),
        ("misalignment", "bearing", "Shaft misalignment with the driven machine.", ["2x running speed vibration"],
         ["vibration", "current"], "Laser-align the motor with the driven machine.", 5, 4, 3),
    ],
    "compressor": [
        ("bearing_wear", "bearing", "Journal or rolling bearing wear in the compressor element.",
         ["rising vibration", "rising bearing temperature"], ["vibration", "bearing_temp"],
         "Check oil quality and pressure, trend vibration, plan a bearing inspection.", 8, 3, 4),
        ("overheating", "lube_system", ("Fouled oil cooler or failing thermostatic valve: discharge and oil "
         "temperatures rise until the compressor trips."), ["rising discharge temperature", "rising oil temperature"],
         ["discharge_temp", "oil_temp", "bearing_temp"],
         "Clean the oil cooler, check the thermostatic valve and oil level; replace oil and filter.", 7, 4, 3),
        ("fouling", "intercooler", ("Deposits in the intercooler and inlet filter reduce flow and raise discharge "
         "temperature."), ["falling flow", "rising discharge temperature"], ["flow", "discharge_temp"],
         "Replace the inlet filter, clean the intercooler.", 5, 4, 4),
        ("misalignment", "coupling", "Coupling misalignment between motor and compressor.", ["high vibration"],
         ["vibration", "bearing_temp"], "Laser-align; inspect the coupling element.", 6, 3, 3),
    ],
    "fan": [
        ("bearing_wear", "bearing", "Fan bearing wear (dust ingress, lubrication).", ["rising vibration",
         "rising bearing temperature"], ["vibration", "bearing_temp"], "Regrease, trend vibration, replace bearing.",
         6, 4, 4),
        ("fouling", "impeller", "Build-up on the impeller causes imbalance and lower airflow.",
         ["1x vibration rising", "airflow falling"], ["vibration", "airflow", "differential_pressure"],
         "Clean the impeller; balance in situ.", 5, 5, 4),
        ("misalignment", "belt_drive", "Belt drive sheave misalignment or worn belts.", ["vibration",
         "belt squeal"], ["vibration", "speed"], "Align sheaves, re-tension or replace belts.", 4, 4, 3),
    ],
    "blower": [
        ("bearing_wear", "bearing", "Blower bearing wear.", ["rising vibration", "rising bearing temperature"],
         ["vibration", "bearing_temp"], "Check oil level and condition; replace bearings.", 6, 4, 4),
        ("overheating", "rotor", "Blocked inlet filter or high back pressure raises discharge temperature.",
         ["rising discharge temperature", "rising discharge pressure"], ["discharge_temp", "discharge_pressure"],
         "Replace the inlet filter, check the conveying line for blockage.", 6, 4, 3),
        ("fouling", "inlet_filter", "Inlet filter clogging lowers airflow.", ["falling airflow"],
         ["airflow", "discharge_temp"], "Replace the inlet filter.", 4, 6, 3),
    ],
    "heat_exchanger": [
        ("fouling", "tubes", ("Scale and biofilm on the heat transfer surfaces lower the heat transfer coefficient: "
         "the approach temperature (hot outlet minus cold inlet) widens and the pressure drop grows."),
         ["rising hot outlet temperature", "falling cold outlet temperature", "rising pressure drop"],
         ["hot_out_temp", "cold_out_temp", "differential_pressure"],
         "Plan a chemical clean (CIP) or open and clean the plates/tubes; check water treatment.", 5, 6, 3),
        ("overheating", "shell", "Loss of cooling medium flow overheats the process side.",
         ["hot outlet temperature rising fast", "low cold-side flow"], ["hot_out_temp", "flow"],
         "Check the cooling water pump and valves; reduce process load.", 7, 3, 2),
    ],
    "valve": [
        ("fouling", "seat", ("Deposits on the plug and seat make the valve stick (stiction): position lags "
         "the command."), ["position deviates from command", "oscillating loop"], ["position", "command"],
         "Stroke-test the valve, clean or replace trim, check packing friction.", 5, 4, 3),
    ],
    "tank": [
        ("overheating", "shell", "Loss of cooling or runaway heat input raises contents temperature.",
         ["rising temperature", "rising head space pressure"], ["temperature", "pressure"],
         "Check cooling and heat input; follow the high temperature procedure.", 8, 2, 2),
    ],
    "conveyor": [
        ("bearing_wear", "head_pulley_bearing", "Head pulley bearing wear under belt tension.",
         ["rising vibration", "rising bearing temperature"], ["vibration", "bearing_temp"],
         "Regrease, check belt tension, replace the bearing.", 5, 5, 4),
        ("misalignment", "belt", "Belt tracking off centre from misaligned idlers or pulleys.",
         ["vibration", "edge wear", "spillage"], ["vibration", "load"], "Train the belt; align idlers.", 4, 5, 3),
    ],
    "agitator": [
        ("bearing_wear", "gearbox", "Gearbox bearing and gear wear.", ["rising vibration", "rising oil temperature"],
         ["vibration", "gearbox_temp"], "Take an oil sample, trend vibration, plan a gearbox overhaul.", 6, 4, 4),
        ("overheating", "gearbox", "Low oil level or overload heats the gearbox.", ["rising gearbox temperature",
         "rising torque"], ["gearbox_temp", "torque"], "Top up or change oil; check for overload.", 5, 4, 3),
        ("misalignment", "shaft", "Bent shaft or misaligned drive.", ["vibration"], ["vibration", "torque"],
         "Check shaft run-out and alignment.", 5, 3, 3),
    ],
    "chiller": [
        ("fouling", "condenser", "Condenser tube fouling raises condensing pressure and compressor power.",
         ["rising condenser pressure", "rising power for the same load"], ["condenser_pressure", "power"],
         "Brush the condenser tubes; check cooling water treatment.", 5, 6, 3),
        ("overheating", "compressor", "Refrigerant undercharge or high head pressure overheats the compressor.",
         ["rising chilled water supply temperature", "rising power"], ["chw_supply_temp", "power"],
         "Check refrigerant charge and condenser water flow.", 6, 3, 3),
    ],
}


def _sensor_faults(asset_type: str) -> list[_FM]:
    """Instrument failure modes that apply to every asset type (the transmitter, not the machine, fails)."""
    ids = list(SENSOR_TEMPLATES[asset_type])
    return [
        ("sensor_drift", "", ("Transmitter calibration drift (ageing electronics, fouled thermowell, loose "
         "impulse line): the reading slowly departs from the true value while related sensors stay normal."),
         ["one sensor trends away while related sensors stay steady"], ids,
         "Compare with a portable reference, recalibrate or replace the transmitter.", 4, 4, 6),
        ("stuck_sensor", "", "Frozen transmitter or a failed input card: the reading stops changing.",
         ["flat-lined value with zero variance"], ids, "Check the transmitter and its input card; restore the loop.",
         4, 3, 5),
        ("dropout", "", ("Lost communication (network, gateway, power to the transmitter): readings go missing or "
         "are flagged bad."), ["missing readings", "bad quality flags"], ids,
         "Check the field network, gateway and transmitter power.", 3, 5, 2),
    ]


def _sensors_for(asset_id: str, asset_type: str, overrides: dict[str, tuple[float, float]]) -> list[Sensor]:
    sensors = []
    for sid, (name, quantity, unit, lo, hi, component) in SENSOR_TEMPLATES[asset_type].items():
        if (asset_id, sid) in _NO_SENSOR:
            continue
        lo, hi = overrides.get(sid, (lo, hi))
        words = sid.replace("_", " ")
        aliases = sorted({words, *sensor_synonyms.get(sid, []), *sensor_synonyms.get(quantity, [])[:3]})
        sensors.append(Sensor(id=sid, name=name, quantity=quantity, unit=unit, normal_min=lo, normal_max=hi,
                              sample_period_s=SAMPLE_PERIOD_S, component=component, aliases=aliases))
    return sensors


@lru_cache(maxsize=1)
def _plant_json() -> str:
    site = Site(id=SITE_ID, name="Riverside Process Plant", timezone="UTC",
                description="A specialty chemicals plant on the river: raw water feed, a stirred reactor with "
                "off-gas compression, a fluid bed dryer and packaging, and shared utilities.")
    lines = [Line(id=lid, name=name, site_id=SITE_ID, area=area, description=desc, aliases=aliases)
             for lid, name, area, desc, aliases in _LINES]
    assets = []
    for aid, atype, name, line, make, model, crit, aliases, overrides, attrs in _ASSETS:
        line_name = next(n for lid, n, *_ in _LINES if lid == line)
        assets.append(Asset(
            id=aid, name=name, type=atype, site_id=SITE_ID, line_id=line, manufacturer=make, model=model,
            criticality=crit, description=f"{name} ({atype.replace('_', ' ')}) on {line_name}.",
            aliases=list(aliases),
            components=[Component(id=c, name=n, kind=k) for c, n, k in _COMPONENTS[atype]],
            sensors=_sensors_for(aid, atype, overrides), attributes=dict(attrs)))
    flows = [Flow(source=s, target=t, medium=m) for s, t, m in _FLOWS]
    for a in assets:
        if "drives" in a.attributes:
            flows.append(Flow(source=a.id, target=str(a.attributes["drives"]), medium="shaft power"))
    modes = []
    for atype in SENSOR_TEMPLATES:
        for fault, comp, mech, symptoms, sensors, action, s, o, d in _FAILURE_MODES.get(atype, []) + _sensor_faults(atype):
            modes.append(FailureMode(
                id=f"{atype}.{fault}", name=f"{atype.replace('_', ' ')} {fault.replace('_', ' ')}", asset_type=atype,
                component=comp, mechanism=mech, symptoms=symptoms, revealing_sensors=sensors,
                recommended_action=action, severity=s, occurrence=o, detection=d, source="demo"))
    return Plant(site=site, lines=lines, assets=assets, flows=flows, failure_modes=modes).model_dump_json()


def demo_plant() -> Plant:
    """Return the demo plant (site 'DEMO', Riverside Process Plant): a fresh copy, identical on every call."""
    return Plant.model_validate_json(_plant_json())


def sensor_count() -> int:
    """Number of sensors in the demo plant."""
    return demo_plant().sensor_count
