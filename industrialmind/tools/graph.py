"""The raw graph tool: read-only Cypher over the knowledge graph, for LLM brains (the offline planner never uses it)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from industrialmind.jsonable import jsonable
from industrialmind.tools._context import ToolArgError, ToolContext

# Any clause that writes or escapes the read-only subset is refused before it reaches the engine.
_WRITE = re.compile(r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD|CALL|COPY|INSTALL|ATTACH|ALTER)\b", re.IGNORECASE)
MAX_ROWS = 200


def query_graph(ctx: ToolContext,
                cypher: Annotated[str, "one read-only Cypher query (MATCH ... RETURN ...); no writes, no CALL"],
                ) -> dict[str, Any]:
    """Run a read-only Cypher query on the plant knowledge graph (nodes Asset, Line, Site, Sensor, Component,
    FailureMode, Document; relationships such as FEEDS, PART_OF, HAS_SENSOR, CAN_FAIL_BY). Use it only when no
    other tool answers the question. Returns at most 200 rows."""
    text = str(cypher or "").strip()
    if not text:
        raise ToolArgError("the query is empty", ["MATCH (a:Asset) RETURN a.id LIMIT 10"])
    stripped = re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)  # keywords inside string literals are harmless
    bad = _WRITE.search(stripped)
    if bad or ";" in stripped.rstrip(";"):
        raise ToolArgError(f"only one read-only query is allowed; {bad.group(1) if bad else ';'!r} is refused",
                           ["MATCH", "OPTIONAL MATCH", "WHERE", "WITH", "RETURN", "ORDER BY", "LIMIT"])
    store = ctx.graph()
    # the store checks read-only again, with a row limit and a timeout
    rows = jsonable(list(store.read_only(text, limit=MAX_ROWS + 1)))
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    cols = list(rows[0].keys()) if rows and isinstance(rows[0], dict) else []
    summary = f"{len(rows)} row(s)" + (" (truncated)" if truncated else "") + (f", columns {', '.join(cols)}" if cols else "")
    return {"summary": summary, "cypher": text, "rows": rows, "columns": cols, "truncated": truncated,
            "sources": ["graph"]}


TOOLS = [query_graph]
