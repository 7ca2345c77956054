"""Every Cypher string of the knowledge graph, in the subset that both Ladybug 0.22 and Neo4j 5 accept.

Shared subset (DESIGN.md): MATCH / OPTIONAL MATCH / WHERE / WITH / RETURN, variable-length `*1..N`, collect,
UNWIND, MERGE, SET of single properties, DETACH DELETE, ORDER BY / LIMIT, length(p), nodes(p), EXISTS { MATCH },
coalesce, toLower, CONTAINS, IN, min/count. Not allowed: list comprehensions, map projection, `SET n += $map`,
`CALL {}`, `SHORTEST`, labels()/label(), type(). Every value arrives as a $parameter; the only numbers written into
the text are the traversal depths 1..MAX_DEPTH, generated here, because neither engine takes a parameter there.
Schema DDL differs per backend and lives in LADYBUG_DDL and NEO4J_DDL. tests/stores/test_graph_cypher.py scans this
module and runs every query on Ladybug.
"""

from __future__ import annotations

MAX_DEPTH = 6

# ---- schema: node tables (label -> property: Ladybug type). Every node has a STRING primary key `id`.
NODES: dict[str, dict[str, str]] = {
    "Site": {"id": "STRING", "name": "STRING", "description": "STRING", "source": "STRING"},
    "Line": {"id": "STRING", "name": "STRING", "site_id": "STRING", "area": "STRING", "description": "STRING"},
    "Asset": {"id": "STRING", "name": "STRING", "type": "STRING", "site_id": "STRING", "line_id": "STRING",
              "manufacturer": "STRING", "model": "STRING", "criticality": "STRING", "description": "STRING",
              "aliases": "STRING[]", "source": "STRING"},
    "AssetType": {"id": "STRING", "name": "STRING"},
    "Component": {"id": "STRING", "asset_id": "STRING", "component": "STRING", "name": "STRING", "kind": "STRING"},
    "Sensor": {"id": "STRING", "asset_id": "STRING", "sensor": "STRING", "name": "STRING", "quantity": "STRING",
               "unit": "STRING", "normal_min": "DOUBLE", "normal_max": "DOUBLE"},
    "FailureMode": {"id": "STRING", "name": "STRING", "asset_type": "STRING", "component": "STRING",
                    "mechanism": "STRING", "recommended_action": "STRING", "symptoms": "STRING[]",
                    "revealing_sensors": "STRING[]", "severity": "INT64", "occurrence": "INT64",
                    "detection": "INT64", "rpn": "INT64", "source": "STRING", "code": "STRING"},
    "Symptom": {"id": "STRING", "text": "STRING"},
    "Document": {"id": "STRING", "title": "STRING", "doc_type": "STRING", "source": "STRING"},
}

# relationship type -> (from label, to label, extra properties)
RELS: dict[str, tuple[str, str, dict[str, str]]] = {
    "LINE_OF": ("Line", "Site", {}),
    "LOCATED_IN": ("Asset", "Line", {}),
    "AT_SITE": ("Asset", "Site", {}),
    "IS_A": ("Asset", "AssetType", {}),
    "HAS_COMPONENT": ("Asset", "Component", {}),
    "HAS_SENSOR": ("Asset", "Sensor", {}),
    "FEEDS": ("Asset", "Asset", {"medium": "STRING"}),
    "APPLIES_TO": ("FailureMode", "AssetType", {}),
    "HAS_SYMPTOM": ("FailureMode", "Symptom", {}),
    "REVEALED_BY": ("FailureMode", "Sensor", {}),
    "AFFECTS": ("FailureMode", "Component", {}),
    "MENTIONS": ("Document", "Asset", {}),
    "COVERS": ("Document", "FailureMode", {}),
}

LADYBUG_DDL: list[str] = [
    "CREATE NODE TABLE IF NOT EXISTS " + label + "("
    + ", ".join(f"{prop} {kind}" for prop, kind in props.items()) + ", PRIMARY KEY(id))"
    for label, props in NODES.items()
] + [
    f"CREATE REL TABLE IF NOT EXISTS {rel}(FROM {src} TO {dst}"
    + "".join(f", {prop} {kind}" for prop, kind in extra.items()) + ")"
    for rel, (src, dst, extra) in RELS.items()
]

NEO4J_DDL: list[str] = [
    f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE" for label in NODES
]


def _upsert(label: str, props: list[str]) -> str:
    sets = ", ".join(f"n.{p} = r.{p}" for p in props)
    return f"UNWIND $rows AS r MERGE (n:{label} {{id: r.id}}) SET {sets}"


def _link(rel: str, src: str, dst: str, props: tuple[str, ...] = ()) -> str:
    tail = (" SET " + ", ".join(f"e.{p} = r.{p}" for p in props)) if props else ""
    return (f"UNWIND $rows AS r MATCH (a:{src} {{id: r.src}}), (b:{dst} {{id: r.dst}}) "
            f"MERGE (a)-[e:{rel}]->(b){tail}")


# Numeric properties are set by their own statements, sent only the rows that have a value: Ladybug types a
# parameter field that is null in every row of a batch as STRING and then refuses to store it in a DOUBLE column.
NUMERIC = {label: [p for p, kind in props.items() if kind in ("DOUBLE", "INT64")] for label, props in NODES.items()}


def _set_property(label: str, prop: str) -> str:
    return f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) SET n.{prop} = r.{prop}"


# ---- writes: each takes $rows, a list of maps; idempotent (MERGE on the id, then SET every property).
WRITES: dict[str, str] = {
    **{f"upsert_{label.lower()}": _upsert(label, [p for p in props if p != "id" and p not in NUMERIC[label]])
       for label, props in NODES.items()},
    **{f"set_{label.lower()}_{prop}": _set_property(label, prop) for label in NODES for prop in NUMERIC[label]},
    **{f"link_{rel.lower()}": _link(rel, src, dst, tuple(extra)) for rel, (src, dst, extra) in RELS.items()},
    "delete_document": "MATCH (d:Document {id: $id}) DETACH DELETE d",
    "delete_failure_modes_of_source": "MATCH (f:FailureMode {source: $source}) DETACH DELETE f",
}

_FM_RETURN = ("f.id AS id, f.name AS name, f.asset_type AS asset_type, f.component AS component, "
              "f.mechanism AS mechanism, f.symptoms AS symptoms, f.revealing_sensors AS revealing_sensors, "
              "f.recommended_action AS recommended_action, f.severity AS severity, f.occurrence AS occurrence, "
              "f.detection AS detection, f.rpn AS rpn, f.source AS source, f.code AS code")
_ASSET_RETURN = ("a.id AS id, a.name AS name, a.type AS type, a.site_id AS site_id, a.line_id AS line_id, "
                 "a.criticality AS criticality")

# ---- reads: named, parameterised.
READS: dict[str, str] = {
    "asset": f"MATCH (a:Asset {{id: $id}}) RETURN {_ASSET_RETURN}, a.manufacturer AS manufacturer, "
             "a.model AS model, a.description AS description, a.aliases AS aliases",
    "assets": f"MATCH (a:Asset) RETURN {_ASSET_RETURN}, a.aliases AS aliases ORDER BY id",
    "asset_types": "MATCH (t:AssetType) RETURN t.id AS id ORDER BY id",
    "asset_neighbours": (
        "MATCH (a:Asset {id: $id})-[e:FEEDS]-(b:Asset) "
        "RETURN b.id AS id, b.name AS name, b.type AS type, e.medium AS medium, "
        "EXISTS { MATCH (a)-[:FEEDS]->(b) } AS downstream ORDER BY id"),
    "asset_components": ("MATCH (a:Asset {id: $id})-[:HAS_COMPONENT]->(c:Component) "
                         "RETURN c.component AS id, c.name AS name, c.kind AS kind ORDER BY id"),
    "asset_sensors": ("MATCH (a:Asset {id: $id})-[:HAS_SENSOR]->(s:Sensor) RETURN s.sensor AS id, s.name AS name, "
                      "s.quantity AS quantity, s.unit AS unit, s.normal_min AS normal_min, "
                      "s.normal_max AS normal_max ORDER BY id"),
    "failure_modes_of_asset": (
        f"MATCH (a:Asset {{id: $id}})-[:IS_A]->(t:AssetType)<-[:APPLIES_TO]-(f:FailureMode) RETURN {_FM_RETURN} "
        "ORDER BY id"),
    "failure_modes_of_type": (
        f"MATCH (f:FailureMode)-[:APPLIES_TO]->(t:AssetType) WHERE toLower(t.id) = toLower($type) "
        f"RETURN {_FM_RETURN} ORDER BY id"),
    "failure_modes_by_symptom": (
        "MATCH (f:FailureMode)-[:HAS_SYMPTOM]->(s:Symptom) WHERE toLower(s.text) CONTAINS toLower($text) "
        f"WITH DISTINCT f RETURN {_FM_RETURN} ORDER BY id"),
    "failure_modes_of_asset_by_symptom": (
        "MATCH (a:Asset {id: $id})-[:IS_A]->(:AssetType)<-[:APPLIES_TO]-(f:FailureMode)-[:HAS_SYMPTOM]->(s:Symptom) "
        f"WHERE toLower(s.text) CONTAINS toLower($text) WITH DISTINCT f RETURN {_FM_RETURN} ORDER BY id"),
    "failure_modes_all": f"MATCH (f:FailureMode) RETURN {_FM_RETURN} ORDER BY id",
    "failure_mode_sensors": (
        "MATCH (f:FailureMode {id: $fm})-[:REVEALED_BY]->(s:Sensor {asset_id: $id}) "
        "RETURN s.sensor AS sensor ORDER BY sensor"),
    "documents_of_asset": (
        "MATCH (d:Document)-[:MENTIONS]->(a:Asset {id: $id}) "
        "RETURN d.id AS id, d.title AS title, d.doc_type AS doc_type, d.source AS source ORDER BY id"),
    "documents_of_failure_mode": (
        "MATCH (d:Document)-[:COVERS]->(f:FailureMode {id: $id}) "
        "RETURN d.id AS id, d.title AS title, d.doc_type AS doc_type, d.source AS source ORDER BY id"),
    "documents": "MATCH (d:Document) RETURN d.id AS id, d.title AS title, d.doc_type AS doc_type ORDER BY id",
    "flows": ("MATCH (a:Asset)-[e:FEEDS]->(b:Asset) RETURN a.id AS src, b.id AS dst, e.medium AS medium "
              "ORDER BY src, dst"),
    "document_covers": ("MATCH (d:Document)-[:COVERS]->(f:FailureMode) RETURN d.id AS doc, f.id AS failure_mode "
                        "ORDER BY doc, failure_mode"),
    "document_mentions": ("MATCH (d:Document)-[:MENTIONS]->(a:Asset) RETURN d.id AS doc, a.id AS asset "
                          "ORDER BY doc, asset"),
    "count_nodes": "MATCH (n) RETURN count(n) AS n",
    "count_rels": "MATCH ()-[e]->() RETURN count(e) AS n",
    "count_label_asset": "MATCH (n:Asset) RETURN count(n) AS n",
    "count_label_failuremode": "MATCH (n:FailureMode) RETURN count(n) AS n",
    "count_label_document": "MATCH (n:Document) RETURN count(n) AS n",
    "count_rel_feeds": "MATCH ()-[e:FEEDS]->() RETURN count(e) AS n",
}

_RELATED_RETURN = ("RETURN b.id AS id, b.name AS name, b.type AS type, b.line_id AS line_id, "
                   "min(length(p)) AS hops ORDER BY hops, id")
for _depth in range(1, MAX_DEPTH + 1):
    READS[f"downstream_{_depth}"] = (f"MATCH p = (a:Asset {{id: $id}})-[:FEEDS*1..{_depth}]->(b:Asset) "
                                     f"WHERE b.id <> $id {_RELATED_RETURN}")
    READS[f"upstream_{_depth}"] = (f"MATCH p = (b:Asset)-[:FEEDS*1..{_depth}]->(a:Asset {{id: $id}}) "
                                   f"WHERE b.id <> $id {_RELATED_RETURN}")
    READS[f"path_nodes_{_depth}"] = (f"MATCH p = (a:Asset {{id: $src}})-[:FEEDS*1..{_depth}]->(b:Asset {{id: $dst}}) "
                                     "RETURN nodes(p) AS nodes, length(p) AS hops ORDER BY hops LIMIT 1")


def related_query(direction: str, depth: int) -> str:
    """Name of the traversal query for a direction ('upstream'/'downstream') and a depth 1..MAX_DEPTH."""
    return f"{direction}_{depth}"


def all_queries() -> dict[str, str]:
    """Every query string of this module, by name (writes and reads; DDL excluded)."""
    return {**WRITES, **READS}
