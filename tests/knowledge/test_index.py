"""Adding documents: unchanged files are a no-op, changed files replace their chunks, links land in the graph."""

from __future__ import annotations

from pathlib import Path

from industrialmind.config import get_settings


def test_add_documents_is_idempotent_and_replaces_changed_files(tmp_path: Path) -> None:
    """Re-adding an unchanged file writes nothing; editing it replaces its chunks and graph links."""
    from industrialmind.knowledge.index import add_documents
    from industrialmind.stores.graph import open_settings_graph
    from industrialmind.knowledge.passages import open_passages

    settings = get_settings()
    doc = tmp_path / "p101-notes.md"
    doc.write_text("# P-101 notes\n## Seal\nP-101 seal weeps.\n## Bearings\nM-101 bearing noise.\n")
    first = add_documents(settings, [doc])
    assert (first["added"], first["chunks"]) == (1, 2)
    again = add_documents(settings, [doc])
    assert (again["unchanged"], again["chunks"]) == (1, 0)
    doc.write_text("# P-101 notes\n## Seal\nP-102 seal replaced.\n")
    changed = add_documents(settings, [doc])
    assert changed["replaced"] == 1
    store = open_passages(settings)
    assert store.get(where={"doc_id": "p101-notes"})["ids"] == ["p101-notes#seal"]
    graph = open_settings_graph(settings)
    try:
        assert [r["id"] for r in graph.run("documents_of_asset", id="P-102")] == ["p101-notes"]
        assert graph.run("documents_of_asset", id="M-101") == []
    finally:
        graph.close()
