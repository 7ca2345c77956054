"""The tool result contract, as the front ends read it: which list of a result is its table.

A tool returns a JSON-able dict with a `summary` (one line for people), its figures, and at most one list of
records under one of RECORD_KEYS (`readings`, `assets`, `work_orders`, ...); an error result is `{"error": ...,
"valid": [...]}` (see `tools._context.error`). The terminal, the TUI and the web chat all find the records with
`records_of`, so they agree on what a result's table is.
"""

from __future__ import annotations

from typing import Any

# The keys under which a tool result holds its records, in the order they are looked for.
RECORD_KEYS = ("readings", "assets", "work_orders", "events", "anomalies", "failure_modes", "passages", "rows",
               "jobs", "topics", "messages", "groups", "sites")


def records_of(result: Any, skip: tuple[str, ...] = ()) -> tuple[str, list[dict[str, Any]]] | None:
    """The first list of records in a tool result with its key, or None (no records, an error, not a dict).

    `skip` leaves out keys a front end shows in another way (the web chat shows `passages` as citations).
    """
    if not isinstance(result, dict) or "error" in result:
        return None
    for key in RECORD_KEYS:
        if key in skip:
            continue
        rows = result.get(key)
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
            return key, rows
    return None
