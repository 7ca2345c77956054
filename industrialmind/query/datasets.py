"""The datasets a query can name, each a list of typed fields over what the project stores.

| dataset | rows | stored in |
|---|---|---|
| work_orders | one per work order | records store, table work_orders (site, line, asset type from the asset) |
| events | alarms, alerts, anomalies, work-order events, experiments... | records store, table events |
| fault_labels | a recorded or injected fault over a time range | records store, table fault_labels |
| failure_modes | every source's failure modes: a plant's (demo, AssetOpsBench modes and failure codes) and each imported FMEA's rows (subsystem, component, sub-component, effect, cause, S/O/D, RPN, controls, action) | records store, table failure_modes (fields in its JSON `data`) |
| assets, sites, lines, sensors, components | the asset registry | records store, tables sites / lines / assets (JSON `data`) |
| readings | a sensor's points, summarised over a window | the time-series store (DuckDB SQL or InfluxQL) |

A field is `category` (a value from a set the data holds: kind, status, 'Power Unit'), `text` (free text: contains),
`number` or `time`. Which values a category holds is read from the data (`vocabulary.py`), never listed here.
A field's synonyms are other names of the same column (an FMEA's own headers, the words of a CMMS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Literal

from industrialmind.query.model import unknown

FieldType = Literal["category", "text", "number", "time"]


@dataclass(frozen=True)
class Field:
    """A typed field of a dataset; an `entity` field's values are registry ids (asset, site, line, asset_type,
    sensor), also accepted by name or alias, and an unknown one is an error."""

    name: str
    type: FieldType
    description: str
    synonyms: tuple[str, ...] = ()
    entity: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A dataset: its rows, fields, time field (what a window filters on), the fields a listing shows by
    default, and where it is stored ('table' and 'rows' in the records store, 'readings' in the time series)."""

    name: str
    noun: str
    plural: str
    description: str
    fields: tuple[Field, ...]
    kind: Literal["table", "rows", "readings"]
    sources: tuple[str, ...]
    time_field: str | None = None
    default_fields: tuple[str, ...] = ()
    id_field: str | None = "id"
    by_name: dict[str, Field] = _field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field:
        """The field a name (or synonym, any case or spacing) names; InvalidInputError naming the fields."""
        key = _key(name)
        if key in self.by_name:
            return self.by_name[key]
        for f in self.fields:
            if key in (_key(s) for s in f.synonyms):
                return f
        for f in self.fields:  # plural or singular of a name ('statuses', 'sites', 'rpns')
            if key.rstrip("s") in (f.name.rstrip("s"), *(_key(s).rstrip("s") for s in f.synonyms)) or \
                    key.removesuffix("es") == f.name:
                return f
        raise unknown(f"field of {self.name}", name, [f.name for f in self.fields], plural="fields")

    def time_fields(self) -> list[str]:
        """The names of its time fields."""
        return [f.name for f in self.fields if f.type == "time"]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def _place(prefix: str = "") -> tuple[Field, ...]:
    """Where a row's asset is: its type, site and line (from the asset registry)."""
    return (
        Field("asset_type", "category", f"the {prefix}asset's equipment type ('chiller', 'centrifugal_pump')",
              ("type", "equipment_type", "asset_kind"), "asset_type"),
        Field("site", "category", "the site (plant) the asset belongs to", ("site_id", "plant", "facility"), "site"),
        Field("line", "category", "the production line or process unit", ("line_id", "unit", "area"), "line"),
    )


_ASSET = Field("asset", "category", "asset id ('CHILLER-6'; names and aliases such as 'CH-6' are accepted)",
               ("asset_id", "equipment", "equipment_id", "machine"), "asset")

WORK_ORDERS = Dataset(
    "work_orders", "work order", "work orders", "maintenance work orders", kind="table",
    sources=("records:work_orders",), time_field="created_at",
    default_fields=("id", "asset", "kind", "status", "priority", "title", "created_at", "completed_at"),
    fields=(
        Field("id", "text", "work order id", ("work_order", "work_order_id", "wo", "wo_id", "number")),
        _ASSET, *_place(),
        Field("title", "text", "title: what was done (for imported orders, the code descriptions)", ("summary",)),
        Field("description", "text", "the long description", ("details", "notes", "wo_description")),
        Field("kind", "category", "preventive, corrective or another kind the data holds",
              ("work_type", "maintenance_type", "category", "wo_type", "class")),
        Field("status", "category", "open, in_progress, on_hold, closed, cancelled", ("state",)),
        Field("priority", "category", "low, medium, high, urgent", ("urgency", "work_priority")),
        Field("failure_code", "category", "the failure or activity code ('MT010b')", ("code", "secondary_code")),
        Field("component", "category", "the component worked on", ("collection", "part")),
        Field("source", "category", "where it came from (an importer, the assistant, a user)", ("origin",)),
        Field("created_at", "time", "when it was created (raised)", ("created", "opened", "raised", "date", "start")),
        Field("due_at", "time", "when it is due", ("due", "due_date", "deadline")),
        Field("completed_at", "time", "when it was finished", ("completed", "finished", "finish", "closed_at",
                                                                "actual_finish", "done", "end")),
        Field("duration_hours", "number", "hours from creation to completion", ("duration", "repair_time",
                                                                                 "hours", "time_to_repair")),
    ))

EVENTS = Dataset(
    "events", "event", "events", "alarms, alerts, anomalies, work-order events and other events on assets",
    kind="table", sources=("records:events",), time_field="start",
    default_fields=("id", "asset", "kind", "severity", "message", "start", "end"),
    fields=(
        Field("id", "text", "event id", ("event_id",)),
        _ASSET, *_place(),
        Field("kind", "category", "alarm, alert, anomaly, work_order, experiment, ... (what the data holds)",
              ("type", "event_type", "group", "event_group")),
        Field("severity", "category", "info, warning, critical", ("level",)),
        Field("message", "text", "what happened (alert rules and codes are in the text)", ("text", "description")),
        Field("sensors", "text", "the sensors involved", ("sensor", "tags")),
        Field("score", "number", "anomaly score", ("anomaly_score",)),
        Field("source", "category", "where it came from", ("origin",)),
        Field("start", "time", "when it started", ("time", "at", "started", "timestamp", "date", "when")),
        Field("end", "time", "when it ended (empty while it goes on)", ("ended", "until", "cleared")),
        Field("duration_hours", "number", "hours from start to end", ("duration", "hours")),
    ))

FAULT_LABELS = Dataset(
    "fault_labels", "fault label", "fault labels", "recorded or injected faults over time ranges (ground truth)",
    kind="table", sources=("records:fault_labels",), time_field="start", id_field=None,
    default_fields=("asset", "fault", "source", "start", "end", "severity"),
    fields=(
        _ASSET, *_place(),
        Field("fault", "category", "the fault ('bearing_wear', 'cavitation', 'fluid_leak')", ("label", "fault_type",
                                                                                             "failure", "experiment")),
        Field("source", "category", "who labelled it (simulator, skab)", ("origin",)),
        Field("sensors", "text", "the sensors it affects", ("sensor",)),
        Field("severity", "number", "severity (0-1)", ()),
        Field("start", "time", "when it started", ("time", "started", "from")),
        Field("end", "time", "when it ended", ("ended", "to", "until")),
        Field("duration_hours", "number", "hours from start to end", ("duration", "hours")),
    ))

FAILURE_MODES = Dataset(
    "failure_modes", "failure mode", "failure modes",
    "failure modes of every source: the plants' (demo FMEA, AssetOpsBench failure modes and failure codes) and "
    "each imported FMEA's rows", kind="rows", sources=("records:failure_modes",),
    default_fields=("id", "asset_type", "subsystem", "component", "sub_component", "failure_mode", "severity",
                    "occurrence", "detection", "rpn"),
    fields=(
        Field("id", "text", "failure mode id ('fmea:<file>:r12' for an FMEA's row 12)", ("failure_mode_id", "row")),
        Field("name", "text", "its name", ("title",)),
        Field("asset_type", "category", "the equipment type it applies to ('chiller', 'haul_truck')",
              ("type", "equipment_type", "equipment"), "asset_type"),
        Field("site", "category", "the site whose registry holds it (empty for an imported FMEA)", ("plant",)),
        Field("source", "category", "where it comes from ('demo', 'assetopsbench', 'fmea:<file>')", ("origin", "file")),
        Field("subsystem", "category", "the FMEA's subsystem ('Power Unit')", ("system",)),
        Field("component", "category", "the component ('Fuel System', 'compressor')", ("item", "assembly")),
        Field("sub_component", "category", "the FMEA's sub-component ('Fuel Tank')", ("subcomponent", "part",
                                                                                     "sub_component_name")),
        Field("failure_mode", "category", "the mode itself ('Leaking', 'Cracked or leaking')",
              ("mode", "potential_failure_mode", "failure")),
        Field("failure_code", "category", "the failure code it stands for ('CS005')", ("code", "primary_code")),
        Field("category", "category", "the failure code's category", ("code_category",)),
        Field("effect", "text", "the effects of the failure", ("effects", "potential_effects_of_failure",
                                                               "potential_effect_s_of_failure", "consequence")),
        Field("symptoms", "text", "symptoms (effects, alert rules, anomaly KPIs, codes)", ("symptom", "signs")),
        Field("cause", "text", "the cause or degradation mechanism", ("causes", "mechanism", "degradation_mechanism",
                                                                      "potential_causes_of_failure",
                                                                      "potential_cause_s_of_failure")),
        Field("controls", "text", "the current controls (FMEA)", ("current_controls", "control")),
        Field("recommended_action", "text", "what to do", ("action", "actions", "recommendation", "mitigation")),
        Field("revealing_sensors", "text", "the sensors or meters that reveal it", ("sensors", "meters")),
        Field("severity", "number", "severity S (1-10)", ("s", "sev")),
        Field("occurrence", "number", "occurrence O (1-10)", ("o", "occ", "likelihood")),
        Field("detection", "number", "detection D (1-10)", ("d", "det", "detectability")),
        Field("rpn", "number", "risk priority number (the file's, else S x O x D)",
              ("risk_priority_number", "risk", "risk_priority")),
    ))

ASSETS = Dataset(
    "assets", "asset", "assets", "the equipment in the asset registry", kind="rows", sources=("records:assets",),
    default_fields=("id", "name", "type", "site", "line", "criticality", "sensor_count"),
    fields=(
        Field("id", "category", "asset id", ("asset", "asset_id", "equipment", "equipment_id"), "asset"),
        Field("name", "text", "its name", ()),
        Field("type", "category", "equipment type", ("asset_type", "equipment_type", "kind"), "asset_type"),
        Field("site", "category", "its site", ("site_id", "plant"), "site"),
        Field("line", "category", "its line", ("line_id", "unit"), "line"),
        Field("criticality", "category", "A, B or C", ("class", "importance")),
        Field("manufacturer", "category", "who made it", ("make", "vendor", "maker", "oem")),
        Field("model", "category", "its model", ("model_number",)),
        Field("description", "text", "what it does", ()),
        Field("aliases", "text", "other names", ("alias", "nicknames")),
        Field("sensor_count", "number", "how many sensors it has", ("sensors", "number_of_sensors")),
        Field("component_count", "number", "how many components it has", ("components",)),
    ))

SITES = Dataset(
    "sites", "site", "sites", "the sites (plants, facilities)", kind="rows", sources=("records:sites",),
    default_fields=("id", "name", "timezone", "line_count", "asset_count"),
    fields=(
        Field("id", "category", "site id", ("site", "site_id", "plant"), "site"),
        Field("name", "text", "its name", ()),
        Field("description", "text", "what it is", ()),
        Field("timezone", "category", "its local time zone", ("tz", "time_zone")),
        Field("line_count", "number", "how many lines it has", ("lines",)),
        Field("asset_count", "number", "how many assets it has", ("assets",)),
    ))

LINES = Dataset(
    "lines", "line", "lines", "the production lines and process units", kind="rows", sources=("records:lines",),
    default_fields=("id", "name", "site", "area", "asset_count"),
    fields=(
        Field("id", "category", "line id", ("line", "line_id"), "line"),
        Field("name", "text", "its name", ()),
        Field("site", "category", "its site", ("site_id", "plant"), "site"),
        Field("area", "category", "the area it is in", ()),
        Field("description", "text", "what it does", ()),
        Field("asset_count", "number", "how many assets it has", ("assets",)),
    ))

SENSORS = Dataset(
    "sensors", "sensor", "sensors", "the sensors installed on assets, with units and normal ranges",
    kind="rows", sources=("records:assets",), id_field=None,
    default_fields=("asset", "sensor", "name", "quantity", "unit", "normal_min", "normal_max"),
    fields=(
        _ASSET, *_place(),
        Field("sensor", "category", "sensor id ('condenser_water_flow')", ("sensor_id", "id", "tag", "meter"), "sensor"),
        Field("name", "text", "its name", ()),
        Field("quantity", "category", "what it measures (temperature, flow, vibration...)", ("measurement", "measure")),
        Field("unit", "category", "its unit", ("units", "uom")),
        Field("normal_min", "number", "bottom of its normal range", ("low_limit", "min_normal")),
        Field("normal_max", "number", "top of its normal range", ("high_limit", "max_normal")),
        Field("sample_period_s", "number", "seconds between samples", ("sample_period", "period")),
        Field("component", "category", "the component it sits on", ()),
    ))

COMPONENTS = Dataset(
    "components", "component", "components", "the maintainable parts of assets", kind="rows",
    sources=("records:assets",), id_field=None,
    default_fields=("asset", "component", "name", "kind"),
    fields=(
        _ASSET, *_place(),
        Field("component", "category", "component id", ("component_id", "id", "part")),
        Field("name", "text", "its name", ()),
        Field("kind", "category", "what kind of part (bearing, seal, winding...)", ("type", "part_type")),
    ))

READINGS = Dataset(
    "readings", "reading", "readings", "sensor readings summarised over a time window (count, mean, min and max "
    "with the time of the extreme, first, last), per sensor, asset or time bucket", kind="readings",
    sources=("timeseries",), time_field="time", id_field=None,
    default_fields=("asset", "sensor", "count", "mean", "min", "min_time", "max", "max_time", "last", "last_time"),
    fields=(
        _ASSET, *_place(),
        Field("sensor", "category", "sensor id or word ('condenser_water_flow', 'temp')", ("sensor_id", "tag",
                                                                                         "meter", "signal"),
              "sensor"),
        Field("value", "number", "the reading", ("reading", "measurement")),
        Field("time", "time", "when it was read", ("ts", "timestamp", "at")),
    ))

DATASETS: dict[str, Dataset] = {d.name: d for d in (WORK_ORDERS, EVENTS, FAULT_LABELS, FAILURE_MODES, ASSETS, SITES,
                                                    LINES, SENSORS, COMPONENTS, READINGS)}
_DATASET_SYNONYMS = {"work_order": "work_orders", "wo": "work_orders", "wos": "work_orders", "maintenance":
                     "work_orders", "alarms": "events", "alerts": "events", "anomalies": "events", "faults":
                     "fault_labels", "labels": "fault_labels", "fmea": "failure_modes", "fmeas": "failure_modes",
                     "equipment": "assets", "registry": "assets", "plants": "sites", "units": "lines",
                     "sensor_data": "readings", "telemetry": "readings", "timeseries": "readings",
                     "time_series": "readings", "history": "readings", "parts": "components"}


def dataset(name: str) -> Dataset:
    """The dataset a name names (any case, singular or plural, a few synonyms); InvalidInputError naming them."""
    key = _key(name)
    if key in DATASETS:
        return DATASETS[key]
    key = _DATASET_SYNONYMS.get(key, key)
    for candidate in (key, key + "s", key.removesuffix("s")):
        if candidate in DATASETS:
            return DATASETS[candidate]
    raise unknown("dataset", name, list(DATASETS), plural="datasets")
