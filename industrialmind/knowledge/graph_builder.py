"""Plants and FMEAs -> the knowledge graph: sites, lines, assets, types, components, sensors, FEEDS topology,
failure modes with symptoms, revealing sensors and affected components, and documents linked to what they mention.

Every write is MERGE-on-id then SET, so rebuilding from the same sources leaves the graph unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from industrialmind.domain.model import FailureMode, Plant

log = logging.getLogger(__name__)
ProgressFn = Callable[[str, int, int], None]


def type_id(asset_type: str) -> str:
    """The AssetType node id for a type as any source spells it ('Chiller', 'centrifugal pump' -> snake case)."""
    return "_".join(asset_type.strip().lower().replace("-", " ").replace("/", " ").split())


def _fm_rows(modes: Iterable[FailureMode]) -> list[dict[str, Any]]:
    rows = []
    for m in modes:
        rpn = (m.severity or 0) * (m.occurrence or 0) * (m.detection or 0)
        rows.append({"id": m.id, "name": m.name, "asset_type": type_id(m.asset_type), "component": m.component,
                     "mechanism": m.mechanism, "recommended_action": m.recommended_action,
                     "symptoms": list(m.symptoms), "revealing_sensors": list(m.revealing_sensors),
                     "severity": m.severity, "occurrence": m.occurrence, "detection": m.detection,
                     "rpn": rpn or None, "source": m.source, "code": ""})
    return rows


def failure_mode_batches(modes: list[FailureMode]) -> dict[str, list[dict[str, Any]]]:
    """Rows for each named write that puts failure modes, their types and symptoms into the graph."""
    symptoms: dict[str, dict[str, Any]] = {}
    has_symptom = []
    for m in modes:
        for text in m.symptoms:
            sid = " ".join(text.lower().split())
            if sid:
                symptoms.setdefault(sid, {"id": sid, "text": text})
                has_symptom.append({"src": m.id, "dst": sid})
    types = sorted({type_id(m.asset_type) for m in modes})
    return {
        "upsert_assettype": [{"id": t, "name": t.replace("_", " ")} for t in types],
        "upsert_failuremode": _fm_rows(modes),
        "link_applies_to": [{"src": m.id, "dst": type_id(m.asset_type)} for m in modes],
        "upsert_symptom": list(symptoms.values()),
        "link_has_symptom": has_symptom,
    }


def plant_batches(plant: Plant, source: str = "") -> dict[str, list[dict[str, Any]]]:
    """Rows for each named write (see stores.cypher.WRITES) describing one plant, in dependency order."""
    site = plant.site
    batches: dict[str, list[dict[str, Any]]] = {
        "upsert_site": [{"id": site.id, "name": site.name, "description": site.description,
                         "source": source or site.id}],
        "upsert_line": [{"id": ln.id, "name": ln.name, "site_id": ln.site_id, "area": ln.area,
                         "description": ln.description} for ln in plant.lines],
        "upsert_assettype": [{"id": t, "name": t.replace("_", " ")}
                             for t in sorted({type_id(a.type) for a in plant.assets})],
        "upsert_asset": [{"id": a.id, "name": a.name, "type": type_id(a.type), "site_id": a.site_id,
                          "line_id": a.line_id or "", "manufacturer": a.manufacturer, "model": a.model,
                          "criticality": a.criticality, "description": a.description, "aliases": list(a.aliases),
                          "source": source or site.id} for a in plant.assets],
        "upsert_component": [{"id": f"{a.id}/{c.id}", "asset_id": a.id, "component": c.id, "name": c.name,
                              "kind": c.kind} for a in plant.assets for c in a.components],
        "upsert_sensor": [{"id": f"{a.id}/{s.id}", "asset_id": a.id, "sensor": s.id, "name": s.name,
                           "quantity": s.quantity, "unit": s.unit, "normal_min": s.normal_min,
                           "normal_max": s.normal_max} for a in plant.assets for s in a.sensors],
    }
    line_ids = {ln.id for ln in plant.lines}
    asset_ids = {a.id for a in plant.assets}
    batches["link_line_of"] = [{"src": ln.id, "dst": ln.site_id} for ln in plant.lines]
    batches["link_located_in"] = [{"src": a.id, "dst": a.line_id} for a in plant.assets if a.line_id in line_ids]
    batches["link_at_site"] = [{"src": a.id, "dst": a.site_id} for a in plant.assets]
    batches["link_is_a"] = [{"src": a.id, "dst": type_id(a.type)} for a in plant.assets]
    batches["link_has_component"] = [{"src": a.id, "dst": f"{a.id}/{c.id}"} for a in plant.assets for c in a.components]
    batches["link_has_sensor"] = [{"src": a.id, "dst": f"{a.id}/{s.id}"} for a in plant.assets for s in a.sensors]
    batches["link_feeds"] = [{"src": f.source, "dst": f.target, "medium": f.medium} for f in plant.flows
                             if f.source in asset_ids and f.target in asset_ids]
    for name, rows in failure_mode_batches(plant.failure_modes).items():
        batches.setdefault(name, []).extend(rows)
    # Concrete evidence: which of each asset's own sensors and components a failure mode of its type involves.
    by_type: dict[str, list[FailureMode]] = {}
    for m in plant.failure_modes:
        by_type.setdefault(type_id(m.asset_type), []).append(m)
    revealed, affects = [], []
    for a in plant.assets:
        for m in by_type.get(type_id(a.type), []):
            wanted = {w.lower() for w in m.revealing_sensors}
            for s in a.sensors:
                if s.id.lower() in wanted or s.quantity.lower() in wanted:
                    revealed.append({"src": m.id, "dst": f"{a.id}/{s.id}"})
            comp = m.component.lower()
            for c in a.components:
                if comp and comp in (c.id.lower(), c.kind.lower(), c.name.lower()):
                    affects.append({"src": m.id, "dst": f"{a.id}/{c.id}"})
    batches["link_revealed_by"] = revealed
    batches["link_affects"] = affects
    return batches


# The order writes must run in: nodes before the relationships that join them.
WRITE_ORDER = ("upsert_site", "upsert_line", "upsert_assettype", "upsert_asset", "upsert_component", "upsert_sensor",
               "upsert_failuremode", "upsert_symptom", "link_line_of", "link_located_in", "link_at_site", "link_is_a",
               "link_has_component", "link_has_sensor", "link_feeds", "link_applies_to", "link_has_symptom",
               "link_revealed_by", "link_affects")


def write_batches(graph: Any, batches: dict[str, list[dict[str, Any]]], progress: ProgressFn | None = None) -> int:
    """Run the batches on the graph in dependency order; returns the number of rows written."""
    from industrialmind.stores import cypher

    labels = {f"upsert_{label.lower()}": label for label in cypher.NODES}
    total = sum(len(batches.get(n, [])) for n in WRITE_ORDER)
    done = 0
    for name in WRITE_ORDER:
        rows = batches.get(name, [])
        if rows:
            graph.write(name, rows)
            for prop in cypher.NUMERIC.get(labels.get(name, ""), []):
                valued = [{"id": r["id"], prop: r[prop]} for r in rows if r.get(prop) is not None]
                if valued:
                    graph.write(f"set_{labels[name].lower()}_{prop}", valued)
            done += len(rows)
            if progress:
                progress(name, done, total)
    return done


def load_plants(settings: Any) -> list[Plant]:
    """The demo plant plus every plant in the asset registry (records store), each once by site id."""
    from industrialmind.plant.demo import demo_plant

    plants = {"DEMO": demo_plant()}
    try:
        from industrialmind.stores.records import open_records
    except ImportError:
        return list(plants.values())
    try:
        records = open_records(settings.resolved.records)
        try:
            for site in records.list_sites():
                site_id = getattr(site, "id", site)
                plant = records.load_plant(site_id)
                if plant is not None:
                    plants[plant.site.id] = plant
        finally:
            close = getattr(records, "close", None)
            if close:
                close()
    except Exception as exc:  # noqa: BLE001 - an empty or absent registry is normal on a fresh home
        log.info("asset registry not read (%s); using the demo plant only", exc)
    return list(plants.values())


def build_graph(graph: Any, plants: list[Plant], fmea: list[FailureMode] = (),
                progress: ProgressFn | None = None) -> dict[str, int]:
    """Write plants and FMEA failure modes into the graph (idempotent); returns counts by kind."""
    graph.ensure_schema()
    rows = 0
    for plant in plants:
        rows += write_batches(graph, plant_batches(plant), progress)
    if fmea:
        rows += write_batches(graph, failure_mode_batches(list(fmea)), progress)
    return graph_counts(graph) | {"rows_written": rows}


def graph_counts(graph: Any) -> dict[str, int]:
    """How many nodes, relationships, assets, failure modes, documents and FEEDS edges the graph holds."""
    counts = {}
    for key, query in (("nodes", "count_nodes"), ("relationships", "count_rels"), ("assets", "count_label_asset"),
                       ("failure_modes", "count_label_failuremode"), ("documents", "count_label_document"),
                       ("flows", "count_rel_feeds")):
        counts[key] = int(graph.run(query)[0]["n"])
    return counts


def link_document(graph: Any, doc_id: str, title: str, doc_type: str, source: str, asset_ids: list[str],
                  failure_mode_ids: list[str]) -> None:
    """Put a document node in the graph and link it to the assets and failure modes it mentions (replacing links)."""
    graph.ensure_schema()
    graph.run("delete_document", id=doc_id)
    graph.write("upsert_document", [{"id": doc_id, "title": title, "doc_type": doc_type, "source": source}])
    if asset_ids:
        graph.write("link_mentions", [{"src": doc_id, "dst": a} for a in asset_ids])
    if failure_mode_ids:
        graph.write("link_covers", [{"src": doc_id, "dst": f} for f in failure_mode_ids])
