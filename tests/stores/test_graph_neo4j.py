"""The Neo4j adapter without a server: the query text and parameters it sends, access modes, and result mapping."""

from __future__ import annotations

from typing import Any

import pytest

from industrialmind.errors import BackendUnavailableError, InvalidInputError
from industrialmind.stores import cypher
from industrialmind.stores.graph import Neo4jGraph


class FakeNode(dict):
    """Quacks like neo4j.graph.Node: a mapping of properties with a set of labels."""

    def __init__(self, labels: set[str], **props: Any) -> None:
        super().__init__(props)
        self.labels = frozenset(labels)


class FakeRecord:
    """Quacks like neo4j.Record: items() of column -> value."""

    def __init__(self, **values: Any) -> None:
        self._values = values

    def items(self):
        return self._values.items()


class FakeTx:
    """Records every (query, parameters) and answers with the driver's scripted records."""

    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def run(self, query: str, params: dict[str, Any]):
        self.driver.sent.append((query, params))
        return iter(self.driver.replies.pop(0) if self.driver.replies else [])


class FakeSession:
    """A session that runs transaction functions on a FakeTx and remembers its access mode."""

    def __init__(self, driver: FakeDriver, **kwargs: Any) -> None:
        self.driver = driver
        driver.sessions.append(kwargs)

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute_read(self, work):
        self.driver.modes.append(("read", getattr(work, "timeout", None)))
        return work(FakeTx(self.driver))

    def execute_write(self, work):
        self.driver.modes.append(("write", getattr(work, "timeout", None)))
        return work(FakeTx(self.driver))


class FakeDriver:
    """Stands in for neo4j.Driver."""

    def __init__(self, replies: list[list[FakeRecord]] | None = None) -> None:
        self.replies = list(replies or [])
        self.sent: list[tuple[str, dict]] = []
        self.sessions: list[dict] = []
        self.modes: list[tuple[str, Any]] = []
        self.closed = False

    def session(self, **kwargs: Any) -> FakeSession:
        return FakeSession(self, **kwargs)

    def close(self) -> None:
        self.closed = True


def test_neo4j_named_read_sends_shared_text_in_a_read_transaction() -> None:
    """A named read sends exactly the shared Cypher text with its parameters, in a READ session."""
    driver = FakeDriver([[FakeRecord(id="V-101", name="valve", type="valve", line_id="L1", hops=1)]])
    graph = Neo4jGraph("neo4j://db:7687", ("neo4j", "pw"), database="plant", driver=driver)
    rows = graph.run("downstream_2", id="P-101")
    assert driver.sent == [(cypher.READS["downstream_2"], {"id": "P-101"})]
    assert driver.sessions == [{"default_access_mode": "READ", "database": "plant"}]
    assert driver.modes == [("read", None)]
    assert rows == [{"id": "V-101", "name": "valve", "type": "valve", "line_id": "L1", "hops": 1}]


def test_neo4j_write_batches_rows_in_write_transactions() -> None:
    """A named write goes out as UNWIND $rows in batches, each in a write transaction."""
    driver = FakeDriver()
    graph = Neo4jGraph("neo4j://db:7687", None, driver=driver)
    rows = [{"src": f"A-{i}", "dst": "B", "medium": "water"} for i in range(5)]
    assert graph.write("link_feeds", rows, batch=2) == 5
    assert [q for q, _ in driver.sent] == [cypher.WRITES["link_feeds"]] * 3
    assert [len(p["rows"]) for _, p in driver.sent] == [2, 2, 1]
    assert {m for m, _ in driver.modes} == {"write"}


def test_neo4j_schema_uses_constraints() -> None:
    """ensure_schema sends the Neo4j DDL (uniqueness constraints), not Ladybug's table DDL."""
    driver = FakeDriver()
    Neo4jGraph("neo4j://db:7687", None, driver=driver).ensure_schema()
    assert [q for q, _ in driver.sent] == cypher.NEO4J_DDL
    assert all(q.startswith("CREATE CONSTRAINT") and "IF NOT EXISTS" in q for q, _ in driver.sent)


def test_neo4j_maps_nodes_and_paths_to_plain_dicts() -> None:
    """Nodes come back as property dicts with '_label', the same shape as Ladybug's normalised nodes."""
    path_nodes = [FakeNode({"Asset"}, id="P-101", name="pump"), FakeNode({"Asset"}, id="V-101", name="valve")]
    driver = FakeDriver([[FakeRecord(nodes=path_nodes, hops=1)]])
    rows = Neo4jGraph("neo4j://db", None, driver=driver).run("path_nodes_1", src="P-101", dst="V-101")
    assert rows == [{"nodes": [{"id": "P-101", "name": "pump", "_label": "Asset"},
                               {"id": "V-101", "name": "valve", "_label": "Asset"}], "hops": 1}]


def test_neo4j_read_only_limits_rows_and_sets_timeout() -> None:
    """Free-form reads run in a READ transaction with the timeout attached and stop at the row limit."""
    driver = FakeDriver([[FakeRecord(id=f"A-{i}") for i in range(10)]])
    graph = Neo4jGraph("neo4j://db", None, driver=driver)
    rows = graph.read_only("MATCH (a:Asset) RETURN a.id AS id", limit=3, timeout_s=2.5)
    assert rows == [{"id": "A-0"}, {"id": "A-1"}, {"id": "A-2"}]
    assert driver.modes == [("read", 2.5)]
    with pytest.raises(InvalidInputError):
        graph.read_only("MATCH (a) DETACH DELETE a")
    assert len(driver.sent) == 1  # the write never reached the driver


def test_neo4j_unreachable_server_is_backend_unavailable() -> None:
    """A driver ServiceUnavailable error becomes BackendUnavailableError naming the server."""

    class ServiceUnavailable(Exception):
        pass

    class DeadDriver(FakeDriver):
        def session(self, **kwargs: Any):
            raise ServiceUnavailable("connection refused")

    with pytest.raises(BackendUnavailableError, match="db:7687"):
        Neo4jGraph("neo4j://db:7687", None, driver=DeadDriver()).run("assets")


def test_neo4j_closed_port_fails_at_open_not_after_retries() -> None:
    """Opening Neo4j on a closed loopback port raises BackendUnavailableError at once (reads retried it for 30 s)."""
    pytest.importorskip("neo4j")
    with pytest.raises(BackendUnavailableError, match="IM_GRAPH_URL"):
        Neo4jGraph("neo4j://127.0.0.1:9", ("neo4j", "x"))
