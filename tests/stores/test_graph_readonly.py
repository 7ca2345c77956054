"""The free-form read-only Cypher entry point: writes refused, rows limited, long queries stopped; URL parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from industrialmind.errors import ConfigError, InvalidInputError
from industrialmind.stores.graph import Neo4jGraph, check_read_only, open_graph

WRITES = [
    "CREATE (n:Asset {id: 'X'})",
    "MATCH (a:Asset) SET a.name = 'x'",
    "MATCH (a:Asset) DETACH DELETE a",
    "MATCH (a:Asset) DELETE a",
    "MERGE (a:Asset {id: 'X'})",
    "MATCH (a:Asset) REMOVE a.name",
    "DROP TABLE Asset",
    "CALL db.labels()",
    "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "COPY Asset FROM 'x.csv'",
    "MATCH (a) RETURN a; MATCH (b) DETACH DELETE b",
    "match (a:Asset) /* sneaky */ create (b:Asset {id: 'y'})",
    "WITH 1 AS x FOREACH (i IN [1] | CREATE (:Asset {id: 'z'}))",
]


@pytest.mark.parametrize("query", WRITES)
def test_read_only_refuses_writes(query: str) -> None:
    """Any clause that writes, calls procedures or loads files is refused before it reaches the engine."""
    with pytest.raises(InvalidInputError):
        check_read_only(query)


def test_read_only_allows_write_words_inside_strings() -> None:
    """Keywords inside string literals and comments do not count as writes."""
    text = "MATCH (a:Asset) WHERE a.name CONTAINS 'CREATE SET' RETURN a.id // DELETE"
    assert check_read_only(text) == text


@pytest.fixture
def graph(tmp_path: Path):
    """A tiny Ladybug graph with five assets."""
    from industrialmind.knowledge.graph_builder import build_graph
    from industrialmind.domain.model import Asset, Plant, Site

    g = open_graph(f"ladybug:///{tmp_path / 'g.lbug'}")
    assets = [Asset(id=f"A-{i}", name=f"a{i}", type="pump", site_id="S") for i in range(5)]
    build_graph(g, [Plant(site=Site(id="S", name="s"), assets=assets)])
    yield g
    g.close()


def test_read_only_query_returns_rows_within_limit(graph) -> None:
    """A read query returns at most `limit` rows, as dicts, and leaves the graph unchanged."""
    rows = graph.read_only("MATCH (a:Asset) RETURN a.id AS id ORDER BY id", limit=3)
    assert rows == [{"id": "A-0"}, {"id": "A-1"}, {"id": "A-2"}]
    assert graph.query("MATCH (a:Asset) RETURN count(a) AS n") == [{"n": 5}]


def test_read_only_stops_long_queries(graph) -> None:
    """A query that runs past its timeout is interrupted and reported as an InvalidInputError."""
    from industrialmind.knowledge.graph_builder import build_graph
    from industrialmind.domain.model import Asset, Plant, Site

    many = [Asset(id=f"B-{i}", name=f"b{i}", type="pump", site_id="S") for i in range(400)]
    build_graph(graph, [Plant(site=Site(id="S", name="s"), assets=many)])
    # 405^4 (2.7e10) combinations: hours of work unless the timeout stops it.
    slow = ("MATCH (a:Asset), (b:Asset), (c:Asset), (d:Asset) WHERE a.name + b.name + c.name + d.name = 'none' "
            "RETURN count(*) AS n")
    with pytest.raises(InvalidInputError, match="past|stopped"):
        graph.read_only(slow, timeout_s=0.2)
    assert graph.read_only("MATCH (a:Asset) RETURN count(a) AS n") == [{"n": 405}]


def test_open_graph_rejects_unknown_scheme() -> None:
    """An unknown graph URL scheme is a ConfigError that names the valid schemes."""
    with pytest.raises(ConfigError, match="neo4j"):
        open_graph("neo5j://localhost:7687")


def test_open_graph_parses_neo4j_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """User and password come from the URL, or the password from IM_NEO4J_PASSWORD; the database from the path."""
    import neo4j

    class Driver:
        def verify_connectivity(self) -> None:
            """Opening checks the server once; this one is always there."""

    calls = []
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda uri, auth=None: calls.append((uri, auth)) or Driver())
    g = open_graph("neo4j://alice:s3cret@db.example:7687/plant")
    assert isinstance(g, Neo4jGraph) and g._database == "plant"
    open_graph("bolt://db.example", password="fromenv")
    assert calls == [("neo4j://db.example:7687", ("alice", "s3cret")), ("bolt://db.example", ("neo4j", "fromenv"))]


def test_read_only_syntax_error_is_one_line(tmp_path: Path) -> None:
    """A Cypher syntax error is an InvalidInputError of one line (the engine's caret lines are dropped)."""
    graph = open_graph(f"ladybug:///{tmp_path / 'g.lbug'}")
    try:
        graph.ensure_schema()
        with pytest.raises(InvalidInputError, match="Cypher query failed") as info:
            graph.read_only("MATCH (n RETURN n")
    finally:
        graph.close()
    assert "\n" not in str(info.value)


def test_open_graph_bad_port_or_folder_is_config_error(tmp_path: Path) -> None:
    """A non-numeric Neo4j port and a Ladybug path under a file are ConfigErrors naming IM_GRAPH_URL."""
    with pytest.raises(ConfigError, match="IM_GRAPH_URL: the port"):
        open_graph("neo4j://u:p@127.0.0.1:notaport")
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(ConfigError, match="IM_GRAPH_URL: cannot create the folder .*a file is in the way"):
        open_graph(f"ladybug:///{afile / 'g.lbug'}")
