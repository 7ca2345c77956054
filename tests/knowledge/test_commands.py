"""The knowledge CLI: docs add/search, graph related/failure-modes/query, import fmea, with --json and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industrialmind.cli import app
from industrialmind.errors import InvalidInputError, NotFoundError


def run(*args: str):
    """Invoke the CLI and return the result."""
    return CliRunner().invoke(app, list(args))


def test_cli_docs_add_then_search_json(tmp_path: Path) -> None:
    """`docs add` indexes a file, a second add reports it unchanged, and `docs search --json` cites it."""
    doc = tmp_path / "c201-oil-note.md"
    doc.write_text("# C-201 oil note\n## Oil temperature\nC-201 oil temperature rose to 66 degC; cooler fouled.\n")
    first = run("docs", "add", str(doc), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["added"] == 1
    assert json.loads(run("docs", "add", str(doc), "--json").stdout)["unchanged"] == 1
    found = json.loads(run("docs", "search", "compressor oil cooler fouled", "--asset", "C-201", "--json").stdout)
    assert found["passages"][0]["citation"]["chunk_id"] == "c201-oil-note#oil-temperature"
    assert set(found["passages"][0]) >= {"text", "score", "citation", "asset_ids"}


def test_cli_graph_related_and_failure_modes_json() -> None:
    """`graph related` and `graph failure-modes` answer from the demo plant graph with stable keys."""
    from industrialmind.config import get_settings
    from industrialmind.knowledge.graph_builder import build_graph
    from industrialmind.plant.demo import demo_plant
    from industrialmind.stores.graph import open_settings_graph

    graph = open_settings_graph(get_settings())
    build_graph(graph, [demo_plant()])
    graph.close()
    related = json.loads(run("graph", "related", "P-101", "--direction", "downstream", "--depth", "2", "--json").stdout)
    assert [(a["asset_id"], a["hops"]) for a in related["assets"]] == [("V-101", 1), ("HX-101", 2)]
    modes = json.loads(run("graph", "failure-modes", "centrifugal_pump", "--json").stdout)
    assert "asset_type" in modes and any(m["id"] == "centrifugal_pump.cavitation" for m in modes["failure_modes"])
    rows = json.loads(run("graph", "query", "MATCH (a:Asset {id: 'P-101'}) RETURN a.name AS name", "--json").stdout)
    assert rows == {"rows": [{"name": "Feed pump A"}]}


def test_cli_errors_are_expected_failures() -> None:
    """Unknown assets and writing Cypher raise IndustrialMindErrors (one line, exit code 2 in the real CLI)."""
    assert isinstance(run("graph", "related", "P-1O1").exception, NotFoundError)
    assert isinstance(run("graph", "query", "MATCH (a) DETACH DELETE a").exception, InvalidInputError)


def test_cli_import_fmea(tmp_path: Path) -> None:
    """`import fmea FILE` loads the rows into the graph and the index."""
    csv = tmp_path / "truck.csv"
    csv.write_text("Component,Potential Failure Mode,Potential Effect(s) of Failure,Potential Cause(s) of Failure\n"
                   "Brake,Fade,Long stopping distance,Overheated pads\n")
    result = run("import", "fmea", str(csv), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["failure_modes"], report["passages_indexed"], report["id_prefix"]) == (1, 1, "fmea:truck")
    modes = json.loads(run("graph", "failure-modes", "haul_truck", "--json").stdout)["failure_modes"]
    assert [m["id"] for m in modes] == ["fmea:truck:r1"]


@pytest.mark.parametrize("args", [["docs", "--help"], ["graph", "--help"], ["knowledge", "--help"]])
def test_cli_groups_have_help(args: list[str]) -> None:
    """Each command group answers --help."""
    assert run(*args).exit_code == 0


def test_cli_graph_query_refuses_zero_timeout_and_limit() -> None:
    """--timeout 0 and --limit 0 are refused up front instead of "ran past 0 s" or an empty result."""
    assert isinstance(run("graph", "query", "MATCH (a) RETURN a", "--timeout", "0").exception, InvalidInputError)
    result = run("graph", "query", "MATCH (a) RETURN a", "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.output
    assert run("docs", "search", "pump", "--top", "0").exit_code == 2


def test_cli_import_fmea_stores_the_rows_in_the_records_store(tmp_path: Path) -> None:
    """`import fmea` also keeps its rows (with the file's own columns) in the records store, under the file's
    source, and a second import of the same file replaces them instead of adding to them."""
    from industrialmind.config import get_settings
    from industrialmind.stores.records import open_records

    csv = tmp_path / "truck.csv"
    csv.write_text("Subsystem,Component,Potential Failure Mode,Potential Effect(s) of Failure,"
                   "Potential Cause(s) of Failure\nBrakes,Brake,Fade,Long stopping distance,Overheated pads\n")
    for _ in range(2):
        assert run("import", "fmea", str(csv), "--json").exit_code == 0
    records = open_records(get_settings().resolved.records)
    try:
        modes = records.failure_modes("haul_truck")
    finally:
        records.close()
    assert [(m.id, m.attributes["subsystem"]) for m in modes] == [("fmea:truck:r1", "Brakes")]
