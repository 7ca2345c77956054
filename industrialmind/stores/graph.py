"""The knowledge-graph store: one small Protocol, two backends chosen by one URL.

`ladybug:///path/graph.lbug` (embedded default, one file, one read-write process at a time) or
`neo4j://user:pass@host:7687` / `bolt://...` (Neo4j 5). Callers run named queries from `industrialmind.stores.cypher`
(never text of their own) with parameters; `read_only()` takes free-form Cypher (for an LLM) and refuses anything
that could write, with a row limit and a timeout. Results come back as lists of plain dicts on both backends.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from industrialmind.errors import BackendUnavailableError, ConfigError, InvalidInputError, did_you_mean
from industrialmind.stores import cypher

DEFAULT_ROW_LIMIT = 200
DEFAULT_TIMEOUT_S = 5.0
SCHEMES = ("ladybug", "neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")

# Clauses and procedures that can change the graph or reach outside it. CALL is refused outright: even "read"
# procedures can be user-defined writes, and Ladybug's CALL runs table functions with side effects.
_WRITE_WORDS = ("CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "CALL", "LOAD", "COPY", "FOREACH",
                "ALTER", "INSTALL", "ATTACH", "DETACH", "IMPORT", "EXPORT", "USE", "BEGIN", "COMMIT",
                "ROLLBACK", "CHECKPOINT", "GRANT", "REVOKE", "DENY", "START", "STOP", "TERMINATE", "SHOW")
_READ_STARTS = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN")


class GraphStore(Protocol):
    """What the knowledge layer needs from a graph database."""

    backend: str

    def ensure_schema(self) -> None:
        """Create node/relationship tables or constraints if missing (idempotent)."""

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run the named query from stores.cypher with parameters; rows as dicts."""

    def write(self, name: str, rows: list[dict[str, Any]], batch: int = 500) -> int:
        """Run a named UNWIND write over rows in batches; returns the number of rows sent."""

    def read_only(self, query: str, params: dict[str, Any] | None = None, limit: int = DEFAULT_ROW_LIMIT,
                  timeout_s: float = DEFAULT_TIMEOUT_S) -> list[dict[str, Any]]:
        """Run free-form read-only Cypher (writes refused) with a row limit and a timeout."""

    def close(self) -> None:
        """Release the database."""


def _strip_literals(query: str) -> str:
    """The query with string literals, backquoted names and comments blanked, so keywords inside them don't count."""
    query = re.sub(r"//[^\n]*|/\*.*?\*/", " ", query, flags=re.DOTALL)
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", "''", query, flags=re.DOTALL)


def check_read_only(query: str) -> str:
    """Return the query if it only reads; raise InvalidInputError naming the first writing clause otherwise."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise InvalidInputError("empty Cypher query")
    bare = _strip_literals(text)
    if ";" in bare:
        raise InvalidInputError("only one Cypher statement is allowed (found ';')")
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare)
    first = words[0].upper() if words else ""
    if first not in _READ_STARTS:
        raise InvalidInputError(f"read-only Cypher must start with one of {', '.join(_READ_STARTS)}; got {first!r}")
    for word in words:
        if word.upper() in _WRITE_WORDS:
            raise InvalidInputError(f"read-only Cypher refuses {word.upper()!r}: this entry point never writes "
                                    "(allowed clauses: MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, "
                                    "ORDER BY, SKIP, LIMIT)")
    return text


def _plain(value: Any) -> Any:
    """Ladybug or Neo4j values as plain Python: nodes and relationships become property dicts with '_label'."""
    labels = getattr(value, "labels", None)
    if labels is not None and hasattr(value, "items"):  # neo4j.graph.Node
        out = {k: _plain(v) for k, v in value.items()}
        out["_label"] = sorted(labels)[0] if labels else ""
        return out
    rel_type = getattr(value, "type", None)
    if isinstance(rel_type, str) and hasattr(value, "items") and hasattr(value, "start_node"):  # Relationship
        out = {k: _plain(v) for k, v in value.items()}
        out["_label"] = rel_type
        return out
    if hasattr(value, "nodes") and hasattr(value, "relationships"):  # neo4j.graph.Path
        return [_plain(n) for n in value.nodes]
    if isinstance(value, dict):  # Ladybug nodes/rels: dicts with internal _ID/_LABEL (and _SRC/_DST) keys
        out = {k: _plain(v) for k, v in value.items() if k not in ("_ID", "_LABEL", "_SRC", "_DST")}
        if "_LABEL" in value:
            out["_label"] = value["_LABEL"]
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "to_native"):  # neo4j temporal types
        return value.to_native()
    return value


BUFFER_POOL_BYTES = 256 * 1024 * 1024


class LadybugGraph:
    """Embedded graph in one Ladybug file; opened per use (one read-write process at a time)."""

    backend = "ladybug"

    def __init__(self, path: Path, read_only: bool = False) -> None:
        import ladybug

        from industrialmind.config import ensure_parent

        self.path = Path(path)
        ensure_parent(self.path, "IM_GRAPH_URL")
        try:
            # Ladybug (like Kuzu) reserves 80% of RAM for its buffer pool by default; a plant graph needs far less,
            # and several open databases (tests, a web server beside a CLI) must not exhaust the machine.
            self._db = ladybug.Database(str(self.path), read_only=read_only, buffer_pool_size=BUFFER_POOL_BYTES,
                                        max_num_threads=2)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise BackendUnavailableError(f"cannot open the Ladybug graph {str(self.path)!r} (another process may "
                                          f"hold it for writing): {exc}") from exc
        self._schema_ready = False

    def _execute(self, query: str, params: dict[str, Any] | None = None, limit: int | None = None) -> list[dict]:
        result = self._conn.execute(query, params or {})
        if isinstance(result, list):  # several statements: the last one's rows
            result = result[-1]
        columns = result.get_column_names()
        rows = result.get_n(limit) if limit is not None else result.get_all()
        result.close()
        return [{c: _plain(v) for c, v in zip(columns, row)} for row in rows]

    def ensure_schema(self) -> None:
        """Create every node and relationship table (CREATE ... IF NOT EXISTS)."""
        if not self._schema_ready:
            for ddl in cypher.LADYBUG_DDL:
                self._conn.execute(ddl)
            self._schema_ready = True

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a named query from stores.cypher."""
        return self._execute(_lookup(name), params)

    def write(self, name: str, rows: list[dict[str, Any]], batch: int = 500) -> int:
        """Run a named UNWIND write over rows, batch by batch."""
        query = _lookup(name)
        for start in range(0, len(rows), batch):
            self._execute(query, {"rows": rows[start:start + batch]})
        return len(rows)

    def read_only(self, query: str, params: dict[str, Any] | None = None, limit: int = DEFAULT_ROW_LIMIT,
                  timeout_s: float = DEFAULT_TIMEOUT_S) -> list[dict[str, Any]]:
        """Free-form read-only Cypher with at most `limit` rows, interrupted after timeout_s."""
        text = check_read_only(query)
        self._conn.set_query_timeout(max(1, int(timeout_s * 1000)))
        try:
            return self._execute(text, params, limit=max(0, int(limit)))
        except RuntimeError as exc:
            message = str(exc)
            if "interrupt" in message.lower() or "timeout" in message.lower():
                raise InvalidInputError(f"Cypher query ran past {timeout_s:g} s and was stopped") from exc
            # Ladybug's parser adds the query and a caret underneath on more lines; the first line says it all
            raise InvalidInputError(f"Cypher query failed: {message.splitlines()[0]}") from exc
        finally:
            self._conn.set_query_timeout(0)

    query = read_only  # the name the agent's raw graph tool looks for

    def close(self) -> None:
        """Close the connection and the database file."""
        self._conn.close()
        self._db.close()

    def __enter__(self) -> LadybugGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Neo4jGraph:
    """Neo4j 5 through the official driver; a thin adapter (same named queries, same row dicts)."""

    backend = "neo4j"

    def __init__(self, uri: str, auth: tuple[str, str] | None, database: str | None = None,
                 driver: Any = None) -> None:
        if driver is None:
            import logging

            import neo4j
            from neo4j.exceptions import AuthError, ServiceUnavailable

            # the driver warns on stderr (Python's last-resort handler) for each failed routing attempt
            logging.getLogger("neo4j").setLevel(logging.CRITICAL)  # the failure is raised below, in one line
            driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            try:  # fail now: a read on an unreachable server is retried for 30 s before it gives up
                driver.verify_connectivity()
            except (ServiceUnavailable, AuthError) as exc:
                driver.close()
                raise BackendUnavailableError(f"Neo4j at {uri!r} is unavailable: {exc}; check IM_GRAPH_URL (and "
                                              "IM_NEO4J_PASSWORD), or leave it empty for the embedded graph") from None
        self._driver = driver
        self._database = database
        self.uri = uri

    def _session(self, read: bool) -> Any:
        kwargs: dict[str, Any] = {"default_access_mode": "READ" if read else "WRITE"}
        if self._database:
            kwargs["database"] = self._database
        return self._driver.session(**kwargs)

    def _run(self, query: str, params: dict[str, Any], read: bool, limit: int | None = None,
             timeout_s: float | None = None) -> list[dict[str, Any]]:
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(query, params)
            rows = []
            for record in result:
                if limit is not None and len(rows) >= limit:
                    break
                rows.append({k: _plain(v) for k, v in record.items()})
            return rows

        if timeout_s is not None:
            from neo4j import unit_of_work

            work = unit_of_work(timeout=timeout_s)(work)
        try:
            with self._session(read) as session:
                return session.execute_read(work) if read else session.execute_write(work)
        except Exception as exc:  # driver errors: ServiceUnavailable, AuthError, ClientError
            name = type(exc).__name__
            if name in ("ServiceUnavailable", "AuthError", "SessionExpired"):
                raise BackendUnavailableError(f"Neo4j at {self.uri!r} is unavailable: {exc}") from exc
            if name in ("ClientError", "CypherSyntaxError", "TransientError") and read and limit is not None:
                raise InvalidInputError(f"Cypher query failed: {exc}") from exc
            raise

    def ensure_schema(self) -> None:
        """Create a uniqueness constraint on `id` for every label (IF NOT EXISTS)."""
        for ddl in cypher.NEO4J_DDL:
            self._run(ddl, {}, read=False)

    def run(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """Run a named query from stores.cypher (reads in a read transaction)."""
        return self._run(_lookup(name), params, read=name in cypher.READS)

    def write(self, name: str, rows: list[dict[str, Any]], batch: int = 500) -> int:
        """Run a named UNWIND write over rows, batch by batch, each in its own write transaction."""
        query = _lookup(name)
        for start in range(0, len(rows), batch):
            self._run(query, {"rows": rows[start:start + batch]}, read=False)
        return len(rows)

    def read_only(self, query: str, params: dict[str, Any] | None = None, limit: int = DEFAULT_ROW_LIMIT,
                  timeout_s: float = DEFAULT_TIMEOUT_S) -> list[dict[str, Any]]:
        """Free-form read-only Cypher in a READ transaction with a server-side timeout and a row limit."""
        text = check_read_only(query)
        return self._run(text, params or {}, read=True, limit=max(0, int(limit)), timeout_s=timeout_s)

    query = read_only  # the name the agent's raw graph tool looks for

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    def __enter__(self) -> Neo4jGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lookup(name: str) -> str:
    queries = cypher.all_queries()
    if name not in queries:
        raise InvalidInputError(f"unknown graph query {name!r}" + did_you_mean(name, list(queries)))
    return queries[name]


def open_graph(url: str, password: str | None = None, read_only: bool = False) -> LadybugGraph | Neo4jGraph:
    """Open the graph store named by url: 'ladybug:///path' or 'neo4j://user:pass@host:7687' / 'bolt://...'."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "ladybug":
        path = unquote(parsed.path or "")
        if parsed.netloc:  # ladybug://relative/path
            path = parsed.netloc + path
        if not path:
            raise ConfigError(f"graph URL {url!r} names no file; use 'ladybug:///absolute/path/graph.lbug'")
        return LadybugGraph(Path(path), read_only=read_only)
    if scheme in SCHEMES:
        user = unquote(parsed.username or "neo4j")
        secret = unquote(parsed.password) if parsed.password else password
        host = parsed.hostname or "localhost"
        from industrialmind.config import url_port

        port_number = url_port(parsed, 0, "IM_GRAPH_URL")
        port = f":{port_number}" if port_number else ""
        database = parsed.path.strip("/") or None
        auth = (user, secret) if secret else None
        return Neo4jGraph(f"{scheme}://{host}{port}", auth, database=database)
    raise ConfigError(f"unknown graph backend {scheme!r} in {url!r}" + did_you_mean(scheme, list(SCHEMES)))


def open_settings_graph(settings: Any, read_only: bool = False) -> LadybugGraph | Neo4jGraph:
    """Open the graph named by settings.resolved.graph (with IM_NEO4J_PASSWORD when the URL has none)."""
    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
    return open_graph(settings.resolved.graph, password=password, read_only=read_only)
