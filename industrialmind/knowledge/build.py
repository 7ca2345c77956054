"""Building the knowledge layer in one call: graph from the plants, failure modes and demo documents indexed.

`build_knowledge(settings)` is what `industrialmind knowledge build` and the lead's `init` run; `import_fmea` is
`industrialmind import fmea FILE`. Both are idempotent: a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ProgressFn = Callable[[str, int, int], None]


def build_knowledge(settings: Any, progress: ProgressFn | None = None, docs: bool = True) -> dict[str, Any]:
    """Build the graph (demo plant + asset registry) and index failure modes and the demo documents."""
    from industrialmind.knowledge.documents import demo_docs_dir
    from industrialmind.knowledge.graph_builder import build_graph, graph_counts, load_plants
    from industrialmind.knowledge.index import add_documents, index_failure_modes
    from industrialmind.stores.graph import open_settings_graph
    from industrialmind.knowledge.passages import open_passages

    settings.ensure_home()
    plants = load_plants(settings)
    graph = open_settings_graph(settings)
    try:
        graph_report = build_graph(graph, plants, progress=_stage(progress, "graph"))
    finally:
        graph.close()
    vectors = open_passages(settings)
    indexed = 0
    for plant in plants:
        if plant.failure_modes:
            indexed += index_failure_modes(settings, plant.failure_modes, doc_id=f"failure-modes-{plant.site.id}",
                                           title=f"{plant.site.name} failure modes", vectors=vectors,
                                           progress=_stage(progress, "failure modes"))
    doc_report: dict[str, Any] = {"added": 0, "replaced": 0, "unchanged": 0, "chunks": 0, "files": []}
    if docs:
        doc_report = add_documents(settings, [demo_docs_dir()], progress=_stage(progress, "documents"),
                                   vectors=vectors)
    graph = open_settings_graph(settings)
    try:
        counts = graph_counts(graph)
    finally:
        graph.close()
    return {"plants": [p.site.id for p in plants], "graph": counts,
            "graph_rows_written": graph_report.get("rows_written", 0), "failure_modes_indexed": indexed,
            "documents": {k: v for k, v in doc_report.items() if k != "files"}, "passages": vectors.count()}


def import_fmea(settings: Any, path: Path | str, asset_type: str | None = None,
                progress: ProgressFn | None = None) -> dict[str, Any]:
    """Load an FMEA CSV into the graph (failure modes, symptoms) and the records store (its rows with the file's own
    columns, for counting and filtering), and index its rows as citable passages."""
    from industrialmind.knowledge.fmea import FMEA_ASSET_TYPE, fmea_prefix, read_fmea
    from industrialmind.knowledge.graph_builder import failure_mode_batches, write_batches
    from industrialmind.knowledge.index import index_failure_modes
    from industrialmind.stores.graph import open_settings_graph
    from industrialmind.stores.records import open_records

    path = Path(path)
    modes = read_fmea(path, asset_type=asset_type or FMEA_ASSET_TYPE)
    settings.ensure_home()
    records = open_records(settings.resolved.records)
    try:
        records.replace_failure_modes(fmea_prefix(path), modes)
    finally:
        records.close()
    graph = open_settings_graph(settings)
    try:
        graph.ensure_schema()
        # Rows that vanished from a re-exported file must not linger: drop the file's rows, then write them again.
        graph.run("delete_failure_modes_of_source", source=fmea_prefix(path))
        written = write_batches(graph, failure_mode_batches(modes), _stage(progress, "graph"))
    finally:
        graph.close()
    indexed = index_failure_modes(settings, modes, doc_id=fmea_prefix(path), title=f"FMEA {path.stem}",
                                  progress=_stage(progress, "passages"))
    return {"file": str(path), "failure_modes": len(modes), "graph_rows_written": written,
            "passages_indexed": indexed, "id_prefix": fmea_prefix(path)}


def _stage(progress: ProgressFn | None, stage: str) -> ProgressFn | None:
    if progress is None:
        return None
    return lambda what, done, total: progress(f"{stage}: {what}", done, total)
