"""The domain: sites, lines, assets, components, sensors, failure modes, work orders, events and fault labels."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utc(value: datetime) -> datetime:
    """Return value as a timezone-aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Site(_Model):
    """A plant or facility; every asset belongs to exactly one site."""

    id: str
    name: str
    description: str = ""
    timezone: str = "UTC"


class Line(_Model):
    """A production line or process unit inside an area of a site."""

    id: str
    name: str
    site_id: str
    area: str = ""
    description: str = ""
    aliases: list[str] = Field(default_factory=list)


class Sensor(_Model):
    """A measured quantity on an asset: unit, normal operating range and sample period."""

    id: str  # short, unique within the asset: 'vibration_de', 'discharge_pressure'
    name: str
    quantity: str  # 'vibration', 'pressure', 'temperature', 'flow', 'current', 'speed', 'level', ...
    unit: str
    normal_min: float | None = None
    normal_max: float | None = None
    sample_period_s: float = 60.0
    component: str | None = None
    aliases: list[str] = Field(default_factory=list)


class Component(_Model):
    """A maintainable part of an asset (bearing, seal, impeller, winding...)."""

    id: str
    name: str
    kind: str


class FailureMode(_Model):
    """How an asset type fails: the mechanism, its symptoms, the sensors that reveal it and what to do."""

    id: str
    name: str
    asset_type: str
    component: str = ""
    mechanism: str = ""
    symptoms: list[str] = Field(default_factory=list)
    revealing_sensors: list[str] = Field(default_factory=list)  # sensor quantities or ids
    recommended_action: str = ""
    severity: int | None = None
    occurrence: int | None = None
    detection: int | None = None
    source: str = "demo"
    # the source's own columns that the fields above merge or leave out (an FMEA's subsystem, component and
    # sub-component, its effect, current controls, recommended action and RPN as written in the file)
    attributes: dict[str, int | float | str] = Field(default_factory=dict)


class Asset(_Model):
    """A piece of equipment: identity, type, make/model, criticality, where it sits, its components and sensors."""

    id: str  # as an engineer writes it: 'P-101', 'C-201', 'CHILLER-6'
    name: str
    type: str  # 'centrifugal_pump', 'motor', 'compressor', 'fan', 'heat_exchanger', 'valve', 'tank', 'conveyor', 'chiller', ...
    site_id: str
    line_id: str | None = None
    manufacturer: str = ""
    model: str = ""
    criticality: Literal["A", "B", "C"] = "B"
    description: str = ""
    aliases: list[str] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    sensors: list[Sensor] = Field(default_factory=list)
    attributes: dict[str, float | str] = Field(default_factory=dict)

    def sensor(self, sensor_id: str) -> Sensor:
        """Return the sensor with this id, or raise NotFoundError naming the asset's sensors."""
        for s in self.sensors:
            if s.id == sensor_id:
                return s
        from industrialmind.errors import NotFoundError, did_you_mean

        raise NotFoundError(
            f"asset {self.id!r} has no sensor {sensor_id!r}" + did_you_mean(sensor_id, [s.id for s in self.sensors])
        )


class Flow(_Model):
    """A process-flow edge: material or energy goes from source to target."""

    source: str
    target: str
    medium: str = ""


class Plant(_Model):
    """A whole site's asset model: lines, assets, process topology and failure modes."""

    site: Site
    lines: list[Line] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    failure_modes: list[FailureMode] = Field(default_factory=list)

    def asset(self, asset_id: str) -> Asset:
        """Return the asset with this id, or raise NotFoundError naming the closest ids."""
        for a in self.assets:
            if a.id == asset_id:
                return a
        from industrialmind.errors import NotFoundError, did_you_mean

        raise NotFoundError(f"unknown asset {asset_id!r}" + did_you_mean(asset_id, [a.id for a in self.assets]))

    @property
    def sensor_count(self) -> int:
        """Number of sensors over all assets."""
        return sum(len(a.sensors) for a in self.assets)


WorkOrderStatus = Literal["open", "in_progress", "on_hold", "closed", "cancelled"]
Priority = Literal["low", "medium", "high", "urgent"]


class WorkOrder(_Model):
    """A maintenance work order against an asset."""

    id: str
    asset_id: str
    title: str
    description: str = ""
    priority: Priority = "medium"
    status: WorkOrderStatus = "open"
    kind: str = "corrective"  # corrective, preventive, predictive, inspection
    failure_code: str = ""
    component: str = ""
    created_at: datetime
    due_at: datetime | None = None
    completed_at: datetime | None = None
    source: str = "user"

    @field_validator("created_at", "due_at", "completed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None


class Event(_Model):
    """Something that happened on an asset: an alarm, an alert, an anomaly, a work-order event."""

    id: str
    asset_id: str
    kind: str  # 'alarm', 'alert', 'anomaly', 'work_order', 'note'
    severity: Literal["info", "warning", "critical"] = "warning"
    message: str = ""
    start: datetime
    end: datetime | None = None
    sensors: list[str] = Field(default_factory=list)
    score: float | None = None
    source: str = ""

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None


class FaultLabel(_Model):
    """Ground truth for an injected or recorded fault: which asset, which fault, when it started and ended."""

    asset_id: str
    fault: str  # 'bearing_wear', 'cavitation', 'misalignment', 'fouling', 'overheating', 'sensor_drift', 'stuck_sensor', 'dropout'
    start: datetime
    end: datetime
    sensors: list[str] = Field(default_factory=list)
    severity: float = 1.0
    source: str = "simulator"

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return utc(value)
