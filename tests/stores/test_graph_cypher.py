"""Every Cypher string of stores/cypher.py: it runs on Ladybug and stays inside the subset Neo4j also accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from industrialmind.stores import cypher
from industrialmind.stores.graph import open_graph

# What the shared subset allows (DESIGN.md), as upper-case words that may appear in a query outside names.
_ALLOWED_WORDS = {"MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "UNWIND", "MERGE", "SET", "AS", "AND", "OR", "NOT",
                  "ORDER", "BY", "LIMIT", "DISTINCT", "DETACH", "DELETE", "EXISTS", "IN", "CONTAINS", "IS", "NULL"}
_FORBIDDEN = [
    (r"\[\s*\w+\s+IN\s+[^\]]*\|", "list comprehension"),
    (r"\{\s*\.", "map projection"),
    (r"\+=", "SET n += $map"),
    (r"CALL\s*\{", "CALL {} subquery"),
    (r"\bSHORTEST\b", "Ladybug SHORTEST"),
    (r"\blist_transform\b", "list_transform"),
    (r"\blabels?\s*\(", "label()/labels() differ between engines"),
    (r"\btype\s*\(", "type() is missing on Ladybug"),
    (r"'[^']*'|\"[^\"]*\"", "a literal string (values must be $parameters)"),
]
_FUNCTIONS = {"count", "collect", "coalesce", "toLower", "length", "nodes", "min", "max", "size"}


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory: pytest.TempPathFactory):
    """The demo plant and a document written into a Ladybug graph once for this module."""
    from industrialmind.knowledge.graph_builder import build_graph, link_document
    from industrialmind.plant.demo import demo_plant

    graph = open_graph(f"ladybug:///{tmp_path_factory.mktemp('graph') / 'g.lbug'}")
    build_graph(graph, [demo_plant()])
    link_document(graph, "manual-p-101", "P-101 manual", "manual", "/docs/m.md", ["P-101", "M-101"],
                  ["centrifugal_pump.cavitation"])
    yield graph
    graph.close()


_PARAMS = {"id": "P-101", "type": "centrifugal_pump", "text": "vibration", "fm": "centrifugal_pump.cavitation",
           "src": "P-101", "dst": "TK-102", "source": "nothing"}


def test_cypher_every_read_runs_on_ladybug(demo_graph) -> None:
    """Each named read query executes on Ladybug with its parameters and returns rows as dicts."""
    for name, query in cypher.READS.items():
        needed = set(re.findall(r"\$(\w+)", query))
        rows = demo_graph.run(name, **{k: _PARAMS[k] for k in needed})
        assert isinstance(rows, list), name
        assert all(isinstance(r, dict) for r in rows), name


def test_cypher_every_write_runs_on_ladybug(tmp_path: Path) -> None:
    """Each named write runs on Ladybug with a sample row, and running it twice changes nothing (MERGE)."""
    graph = open_graph(f"ladybug:///{tmp_path / 'w.lbug'}")
    graph.ensure_schema()
    samples = {
        "Site": {"id": "S"}, "Line": {"id": "L"}, "Asset": {"id": "A"}, "AssetType": {"id": "T"},
        "Component": {"id": "A/c"}, "Sensor": {"id": "A/s"}, "FailureMode": {"id": "F"}, "Symptom": {"id": "y"},
        "Document": {"id": "D"},
    }
    for label, props in cypher.NODES.items():
        row = {p: ([] if kind.endswith("[]") else "v") for p, kind in props.items()} | samples[label]
        for _ in range(2):
            graph.write(f"upsert_{label.lower()}", [row])
            for prop in cypher.NUMERIC[label]:
                graph.write(f"set_{label.lower()}_{prop}", [{"id": row["id"], prop: 1}])
    for rel, (src, dst, extra) in cypher.RELS.items():
        row = {"src": samples[src]["id"], "dst": samples[dst]["id"]} | {p: "x" for p in extra}
        for _ in range(2):
            graph.write(f"link_{rel.lower()}", [row])
    assert graph.run("count_nodes")[0]["n"] == len(cypher.NODES)
    assert graph.run("count_rels")[0]["n"] == len(cypher.RELS)
    graph.run("delete_document", id="D")
    graph.run("delete_failure_modes_of_source", source="none")
    assert graph.run("count_label_document")[0]["n"] == 0
    graph.close()


@pytest.mark.parametrize("name", sorted(cypher.all_queries()))
def test_cypher_string_stays_in_shared_subset(name: str) -> None:
    """No query uses a construct one of the two engines lacks, and every value is a $parameter."""
    query = cypher.all_queries()[name]
    for pattern, what in _FORBIDDEN:
        assert not re.search(pattern, query, flags=re.IGNORECASE), f"{name} uses {what}: {query}"
    words = set(re.findall(r"\b[A-Z][A-Z_]+\b", query)) - set(cypher.RELS) - set(cypher.NODES)
    assert words <= _ALLOWED_WORDS, f"{name} uses {words - _ALLOWED_WORDS}"
    called = set(re.findall(r"\b([A-Za-z_]+)\s*\(", query)) - set(cypher.NODES) - _ALLOWED_WORDS
    assert called <= _FUNCTIONS, f"{name} calls {called - _FUNCTIONS}"


def test_cypher_lives_only_in_the_cypher_module() -> None:
    """No other knowledge or store module writes Cypher text of its own (it all sits in stores/cypher.py)."""
    root = Path(cypher.__file__).resolve().parents[1]
    offenders = []
    for path in [root / "stores" / "graph.py", *sorted((root / "knowledge").glob("*.py"))]:
        text = path.read_text()
        if re.search(r"[\"'](MATCH|MERGE|CREATE|UNWIND|OPTIONAL MATCH)\s*[(\s]", text):
            offenders.append(path.name)
    assert offenders == []


def test_graph_builder_stores_missing_numbers_as_null(tmp_path: Path) -> None:
    """A sensor without a normal range and a failure mode without ratings are written, their numbers left null."""
    from industrialmind.knowledge.graph_builder import build_graph
    from industrialmind.domain.model import Asset, FailureMode, Plant, Sensor, Site

    asset = Asset(id="X-1", name="x", type="pump", site_id="S",
                  sensors=[Sensor(id="flow", name="Flow", quantity="flow", unit="m3/h")])
    mode = FailureMode(id="pump.leak", name="leak", asset_type="pump", symptoms=["drip"])
    graph = open_graph(f"ladybug:///{tmp_path / 'n.lbug'}")
    build_graph(graph, [Plant(site=Site(id="S", name="s"), assets=[asset], failure_modes=[mode])])
    assert graph.run("asset_sensors", id="X-1")[0]["normal_min"] is None
    assert graph.run("failure_modes_of_asset", id="X-1")[0]["severity"] is None
    graph.close()


def test_graph_traversal_follows_flow_direction(demo_graph) -> None:
    """Downstream of P-101 is V-101 then HX-101 then TK-102; upstream of V-101 includes both feed pumps."""
    down = demo_graph.run(cypher.related_query("downstream", 3), id="P-101")
    assert [(r["id"], r["hops"]) for r in down] == [("V-101", 1), ("HX-101", 2), ("TK-102", 3)]
    up = {r["id"]: r["hops"] for r in demo_graph.run(cypher.related_query("upstream", 1), id="V-101")}
    assert up == {"P-101": 1, "P-102": 1, "TK-901": 1}


def test_graph_failure_modes_by_asset_and_symptom(demo_graph) -> None:
    """An asset's failure modes come through its type; the symptom filter keeps the matching ones only."""
    modes = {r["id"] for r in demo_graph.run("failure_modes_of_asset", id="P-101")}
    assert {"centrifugal_pump.cavitation", "centrifugal_pump.bearing_wear"} <= modes
    noisy = {r["id"] for r in demo_graph.run("failure_modes_of_asset_by_symptom", id="P-101", text="GRAVEL")}
    assert noisy == {"centrifugal_pump.cavitation"}
    sensors = [r["sensor"] for r in demo_graph.run("failure_mode_sensors", fm="centrifugal_pump.cavitation",
                                                   id="P-101")]
    assert sensors == ["flow", "suction_pressure", "vibration_de"]


def test_graph_document_links(demo_graph) -> None:
    """A linked document is found from the assets it mentions and the failure modes it covers."""
    assert [r["id"] for r in demo_graph.run("documents_of_asset", id="M-101")] == ["manual-p-101"]
    assert [r["id"] for r in demo_graph.run("documents_of_failure_mode", id="centrifugal_pump.cavitation")] == \
        ["manual-p-101"]


def test_graph_path_nodes_are_plain_dicts(demo_graph) -> None:
    """nodes(p) comes back as plain property dicts with a '_label', without Ladybug's internal ids."""
    row = demo_graph.run("path_nodes_3", src="P-101", dst="HX-101")[0]
    assert row["hops"] == 2
    assert [n["id"] for n in row["nodes"]] == ["P-101", "V-101", "HX-101"]
    assert all(n["_label"] == "Asset" and "_ID" not in n for n in row["nodes"])
